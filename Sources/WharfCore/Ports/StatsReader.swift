/// Counts of jobs in one queue.
public struct QueueCounts: Equatable, Sendable {
    public var queue: QueueName
    /// Available and due now.
    public var available: Int
    /// Available with `run_at` in the future.
    public var scheduled: Int
    public var running: Int
    public var completed: Int
    public var cancelled: Int
    public var dead: Int

    public init(queue: QueueName, available: Int = 0, scheduled: Int = 0, running: Int = 0, completed: Int = 0, cancelled: Int = 0, dead: Int = 0) {
        self.queue = queue; self.available = available; self.scheduled = scheduled; self.running = running
        self.completed = completed; self.cancelled = cancelled; self.dead = dead
    }
}

/// Read-only figures for `wharf stats`, the dashboard and gauges.
public protocol StatsReader: Sendable {
    func queueCounts() async throws -> [QueueCounts]
}

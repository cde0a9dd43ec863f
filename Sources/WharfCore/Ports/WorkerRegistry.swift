public import Foundation

/// One running worker process, as recorded in the `workers` table.
public struct WorkerInfo: Sendable, Equatable {
    public var id: WorkerID
    public var host: String
    public var pid: Int
    public var queues: [QueueName]
    /// Total job slots across its queues.
    public var concurrency: Int
    public var version: String
    public var startedAt: Date?
    public var heartbeatAt: Date?
    /// What it had done as of its last heartbeat.
    public var activity: WorkerActivity

    public init(id: WorkerID, host: String, pid: Int, queues: [QueueName], concurrency: Int, version: String, startedAt: Date? = nil, heartbeatAt: Date? = nil, activity: WorkerActivity = WorkerActivity()) {
        self.id = id; self.host = host; self.pid = pid; self.queues = queues; self.concurrency = concurrency
        self.version = version; self.startedAt = startedAt; self.heartbeatAt = heartbeatAt; self.activity = activity
    }
}

/// A worker's load and its job counts per queue since it started, written with each
/// heartbeat. The dashboard turns the counts of all workers into rates without counting rows.
public struct WorkerActivity: Sendable, Equatable {
    /// Jobs running now.
    public var running: Int
    /// Counts since the worker started, by queue name.
    public var queues: [String: QueueActivity]

    public init(running: Int = 0, queues: [String: QueueActivity] = [:]) {
        self.running = running; self.queues = queues
    }

    /// The counts of every queue added up.
    public var total: QueueActivity { queues.values.reduce(QueueActivity(), +) }
}

/// Job counts of one queue.
public struct QueueActivity: Sendable, Equatable, Codable {
    public var completed: Int
    /// Failed attempts (retried or dead-lettered).
    public var failed: Int
    public var deadLettered: Int

    enum CodingKeys: String, CodingKey {
        case completed, failed
        case deadLettered = "dead_lettered"
    }

    public init(completed: Int = 0, failed: Int = 0, deadLettered: Int = 0) {
        self.completed = completed; self.failed = failed; self.deadLettered = deadLettered
    }

    public static func + (a: Self, b: Self) -> Self {
        QueueActivity(completed: a.completed + b.completed, failed: a.failed + b.failed, deadLettered: a.deadLettered + b.deadLettered)
    }

    /// Growth since `earlier`; a counter that went down counts as zero.
    public func since(_ earlier: Self) -> Self {
        QueueActivity(
            completed: max(0, completed - earlier.completed), failed: max(0, failed - earlier.failed),
            deadLettered: max(0, deadLettered - earlier.deadLettered))
    }
}

/// The `workers` table as a worker keeps its own row: register, heartbeat, leave, and the
/// maintenance leader's pruning. Reading the table is ``MonitoringReader/workers()``.
public protocol WorkerRegistry: Sendable {
    /// Inserts or refreshes the worker's row.
    func register(_ worker: WorkerInfo) async throws
    /// Stamps the worker's heartbeat and records its activity. Returns `false` when its row is
    /// gone (pruned while the process was frozen): the caller registers again.
    func heartbeat(_ id: WorkerID, activity: WorkerActivity) async throws -> Bool
    func deregister(_ id: WorkerID) async throws
    /// Removes workers whose last heartbeat is older than `age`; returns their ids.
    func pruneStale(olderThan age: Duration) async throws -> [WorkerID]
}

/// Leadership of a named maintenance task: at most one holder at a time, held for a TTL and
/// renewed by calling ``tryAcquire(_:holder:ttl:)`` again before it runs out.
public protocol LeaderLock: Sendable {
    /// Becomes or stays leader of `name` for `ttl` from now; `false` when another live holder has it.
    func tryAcquire(_ name: String, holder: WorkerID, ttl: Duration) async throws -> Bool
    /// Gives leadership up so another process can take it at once (graceful shutdown).
    func release(_ name: String, holder: WorkerID) async throws
}

/// Tells idle workers that a queue has new jobs (PostgreSQL LISTEN/NOTIFY in production).
public protocol QueueWakeups: Sendable {
    /// Calls `onWake` with the queue of each notification, for the `queues` given, until
    /// cancelled. Reconnects by itself after failures, and calls `onWake` for every queue after
    /// a reconnect, since notifications sent while disconnected are lost.
    func run(queues: Set<QueueName>, onWake: @escaping @Sendable (QueueName) -> Void) async
}

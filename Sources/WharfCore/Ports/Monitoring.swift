public import Foundation

/// Live figures of one queue, cheap to read at any table size: only available and running rows
/// are counted (through their partial indexes), never finished ones.
public struct QueueOverview: Sendable, Equatable {
    public var queue: QueueName
    /// Available and due now.
    public var available: Int
    /// Available with `run_at` in the future (including retries waiting out their backoff).
    public var scheduled: Int
    public var running: Int
    public var dead: Int
    /// Seconds the oldest due available job has been waiting; `nil` when none waits.
    public var oldestAvailableAgeSeconds: Double?
    /// Paused queues are not claimed from.
    public var paused: Bool

    public init(queue: QueueName, available: Int = 0, scheduled: Int = 0, running: Int = 0, dead: Int = 0, oldestAvailableAgeSeconds: Double? = nil, paused: Bool = false) {
        self.queue = queue; self.available = available; self.scheduled = scheduled; self.running = running
        self.dead = dead; self.oldestAvailableAgeSeconds = oldestAvailableAgeSeconds; self.paused = paused
    }
}

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

/// How long one recently finished job waited and ran.
public struct JobTiming: Sendable, Equatable {
    public var queue: QueueName
    public var kind: JobKind
    /// From the time it became due (`run_at`) to its start.
    public var waitSeconds: Double
    public var runSeconds: Double
    public var finishedAt: Date

    public init(queue: QueueName, kind: JobKind, waitSeconds: Double, runSeconds: Double, finishedAt: Date) {
        self.queue = queue; self.kind = kind; self.waitSeconds = waitSeconds; self.runSeconds = runSeconds; self.finishedAt = finishedAt
    }
}

/// A failed attempt, for the dashboard's "recent failures".
public struct RecentFailure: Sendable, Equatable {
    public var jobID: JobID
    public var queue: QueueName
    public var kind: JobKind
    public var attempt: Int
    public var maxAttempts: Int
    public var error: String
    public var at: Date
    /// The job is in the dead-letter table (otherwise it waits for its retry).
    public var dead: Bool

    public init(jobID: JobID, queue: QueueName, kind: JobKind, attempt: Int, maxAttempts: Int, error: String, at: Date, dead: Bool) {
        self.jobID = jobID; self.queue = queue; self.kind = kind; self.attempt = attempt; self.maxAttempts = maxAttempts
        self.error = error; self.at = at; self.dead = dead
    }
}

/// Read-only figures for `/metrics`, the dashboard, the admin API and `wharf stats`/`workers`. Every method must stay
/// cheap with millions of finished rows (docs/benchmarks.md measures them).
public protocol MonitoringReader: Sendable {
    func queueOverview() async throws -> [QueueOverview]
    /// Every state's count per queue, finished ones included, for `wharf stats`: a full scan,
    /// unlike the overview, so nothing that runs on a timer calls it.
    func queueCounts() async throws -> [QueueCounts]
    /// The last `limit` finished (completed) jobs, newest first.
    func recentTimings(limit: Int) async throws -> [JobTiming]
    /// The newest failed attempts of jobs waiting to retry and of dead jobs, newest first.
    func recentFailures(limit: Int) async throws -> [RecentFailure]
    /// Rows ever inserted into the job table, by any path (SQL function, API, CLI, dead-job
    /// retries), from the database's statistics; `nil` when statistics are unavailable.
    func jobsInsertedTotal() async throws -> Int64?
    /// The registered workers with their last heartbeat and activity.
    func workers() async throws -> [WorkerInfo]
}

/// Pausing and resuming queues: a paused queue keeps its jobs, and no worker claims from it.
public protocol QueueControl: Sendable {
    func setPaused(_ queue: QueueName, paused: Bool) async throws
    func pausedQueues() async throws -> Set<QueueName>
}

/// Which dead jobs a bulk action applies to; `nil` fields match everything.
public struct DeadJobSelection: Sendable, Equatable {
    public var queue: QueueName?
    public var kind: JobKind?
    public init(queue: QueueName? = nil, kind: JobKind? = nil) { self.queue = queue; self.kind = kind }
}

/// What a bulk retry of dead jobs did.
public struct BulkRetryResult: Sendable, Equatable {
    /// Moved back to the job table.
    public var retried: Int
    /// Left in the dead-letter table because an active job holds their unique key (or a newer
    /// dead job with the same key was retried instead).
    public var skipped: Int
    public init(retried: Int, skipped: Int) { self.retried = retried; self.skipped = skipped }
}

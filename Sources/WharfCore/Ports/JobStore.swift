/// Identifies one claim of a job: the job and the fencing token its lease carries.
public struct ClaimRef: Hashable, Sendable {
    public var id: JobID
    public var token: LeaseToken
    public init(id: JobID, token: LeaseToken) { self.id = id; self.token = token }
}

extension Job {
    /// The claim this job is running under, when it is running.
    public var claimRef: ClaimRef? { lease.map { ClaimRef(id: id, token: $0.token) } }
}

/// The result of a fenced write. Losing a lease is expected (the worker froze, the reaper gave
/// the job to someone else), so it is an outcome, not an error.
public enum FencedOutcome: Equatable, Sendable {
    /// The write took effect.
    case applied
    /// The job no longer carries this lease: nothing was written.
    case leaseLost
}

/// What one pass of expired-lease reclaiming did.
public struct ReclaimResult: Equatable, Sendable {
    /// Jobs made available again for another attempt.
    public var requeued: [JobID]
    /// Jobs whose expired attempt was their last, moved to dead letters.
    public var deadLettered: [JobID]
    /// Both of the above, with what the state-change log and metrics need.
    public var jobs: [ReclaimedJob]
    public init(requeued: [JobID] = [], deadLettered: [JobID] = [], jobs: [ReclaimedJob] = []) {
        self.requeued = requeued; self.deadLettered = deadLettered; self.jobs = jobs
    }
}

/// One job taken back from a worker whose lease expired.
public struct ReclaimedJob: Equatable, Sendable {
    public var id: JobID
    public var queue: QueueName
    public var kind: JobKind
    /// The attempt that was cut short.
    public var attempt: Int
    /// The worker that held the lease.
    public var worker: WorkerID
    /// It was on its last attempt and went to the dead-letter table.
    public var deadLettered: Bool
    public init(id: JobID, queue: QueueName, kind: JobKind, attempt: Int, worker: WorkerID, deadLettered: Bool) {
        self.id = id; self.queue = queue; self.kind = kind; self.attempt = attempt; self.worker = worker; self.deadLettered = deadLettered
    }
}

/// A page of jobs for listing, newest first; `before` continues after the last id seen
/// (keyset pagination: stays fast however deep you page).
public struct JobFilter: Sendable, Equatable {
    public var queue: QueueName?
    public var kind: JobKind?
    public var state: JobState?
    public var before: JobID?
    public var limit: Int

    public static let defaultLimit = 50

    public init(queue: QueueName? = nil, kind: JobKind? = nil, state: JobState? = nil, before: JobID? = nil, limit: Int = defaultLimit) {
        self.queue = queue; self.kind = kind; self.state = state; self.before = before; self.limit = limit
    }
}

/// The job table as the rest of Wharf sees it. Implemented by `PostgresJobStore`.
public protocol JobStore: Sendable {
    /// Inserts the jobs in one round trip. Results are in request order; a request whose unique
    /// key an active job already holds gets that job's id with `inserted == false`.
    func enqueue(_ requests: [EnqueueRequest]) async throws -> [EnqueueResult]

    /// Claims up to `limit` available jobs of `queue` whose time has come, in priority then
    /// run-at order, skipping rows other claimers hold, and leases them to `worker` for `leaseTTL`.
    func claim(queue: QueueName, limit: Int, worker: WorkerID, leaseTTL: Duration) async throws -> [Job]

    /// Marks the claimed jobs completed, each only if it still carries its lease.
    /// Returns one outcome per ref, in order.
    func complete(_ refs: [ClaimRef]) async throws -> [FencedOutcome]

    /// Records a failed attempt of a claimed job and carries out `decision` (retry after a delay,
    /// or move to dead letters), only if the job still carries the lease.
    func fail(_ ref: ClaimRef, failure: Failure, decision: FailureDecision) async throws -> FencedOutcome

    /// Gives claimed jobs back without using an attempt (graceful shutdown).
    func release(_ refs: [ClaimRef]) async throws -> [FencedOutcome]

    /// Pushes the expiry of every lease in `refs` to now + `ttl`. Returns the refs that were
    /// extended; the others were lost.
    func extendLeases(_ refs: [ClaimRef], ttl: Duration) async throws -> Set<ClaimRef>

    /// Finds up to `limit` running jobs whose lease has expired and requeues them, or dead-letters
    /// those that were on their last attempt, recording "lease expired" as the attempt's error.
    func reclaimExpired(limit: Int) async throws -> ReclaimResult

    /// Deletes up to `limit` completed or cancelled jobs that finished more than `retention`
    /// ago, oldest first. Returns how many. Dead jobs are never pruned.
    func pruneFinished(olderThan retention: Duration, limit: Int) async throws -> Int

    /// Cancels an available or running job. Throws when the job is unknown or already finished.
    func cancel(_ id: JobID) async throws -> Job

    /// One job, or `nil`.
    func job(_ id: JobID) async throws -> Job?

    /// Jobs matching `filter`, newest first.
    func jobs(_ filter: JobFilter) async throws -> [Job]
}


/// Lets the runtime tell a passing failure (database unreachable) from one that retrying will
/// not fix (schema missing), without knowing the adapter's error type.
public protocol TransientStoreFailure: Error {
    var isTransient: Bool { get }
}

/// Lets the HTTP and CLI adapters tell values the database refused (a CHECK constraint, a value
/// out of range: the caller's mistake, 400 / exit 64) from an outage, without knowing the
/// adapter's error type.
public protocol InvalidInputFailure: Error {
    var isInvalidInput: Bool { get }
}

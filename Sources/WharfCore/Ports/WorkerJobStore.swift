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

/// What a snooze did.
public enum SnoozeResult: Equatable, Sendable {
    /// Put back; this was its `count`-th snooze.
    case snoozed(count: Int)
    /// It has snoozed this many times, the cap: nothing was written.
    case capReached(Int)
    case leaseLost
}

/// What ``WorkerJobStore/completeAndClaim(_:queue:limit:worker:leaseTTL:)`` did.
public struct CompletedAndClaimed: Sendable {
    /// One outcome per completed ref, in order.
    public var completed: [FencedOutcome]
    /// The jobs claimed, in claim order.
    public var claimed: [Job]
    public init(completed: [FencedOutcome], claimed: [Job]) { self.completed = completed; self.claimed = claimed }
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

/// A job by id, for anyone who holds one: the runtime checks whether an uncertain write landed,
/// operators look a job up.
public protocol JobLookup: Sendable {
    /// One job, or `nil`.
    func job(_ id: JobID) async throws -> Job?
}

/// The job table as the worker runtime uses it: claims, outcomes, leases and the maintenance
/// writes. Operators' actions are ``JobAdministration``; inserting is ``JobEnqueuer``.
/// Implemented by `PostgresJobStore`.
public protocol WorkerJobStore: JobLookup {
    /// Claims up to `limit` available jobs of `queue` whose time has come, in priority then
    /// run-at order, skipping rows other claimers hold, and leases them to `worker` for `leaseTTL`.
    func claim(queue: QueueName, limit: Int, worker: WorkerID, leaseTTL: Duration) async throws -> [Job]

    /// Marks the claimed jobs completed, each only if it still carries its lease.
    /// Returns one outcome per ref, in order.
    func complete(_ refs: [ClaimRef]) async throws -> [FencedOutcome]

    /// ``complete(_:)`` and then ``claim(queue:limit:worker:leaseTTL:)`` in one round trip and
    /// one transaction: a producer whose jobs finished writes their completions with its next
    /// claim, so a busy queue pays one commit per cycle. Both take effect or neither.
    func completeAndClaim(_ refs: [ClaimRef], queue: QueueName, limit: Int, worker: WorkerID, leaseTTL: Duration) async throws
        -> CompletedAndClaimed

    /// Records a failed attempt of a claimed job and carries out `decision` (retry after a delay,
    /// or move to dead letters), only if the job still carries the lease.
    func fail(_ ref: ClaimRef, failure: Failure, decision: FailureDecision) async throws -> FencedOutcome

    /// Puts a claimed job back to run after `delay` without using an attempt (the handler's
    /// "not yet"), unless it has snoozed `maxSnoozes` times already; fenced.
    func snooze(_ ref: ClaimRef, for delay: Duration, maxSnoozes: Int) async throws -> SnoozeResult

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
}

public import Foundation

/// A job as stored: what to run, where it is in its life, and what happened to it so far.
public struct Job: Sendable, Equatable {
    public var id: JobID
    public var queue: QueueName
    public var kind: JobKind
    public var payload: JobPayload
    public var priority: Priority
    public var state: JobState
    /// Runs started so far (a claim increments it); the first run is attempt 1.
    public var attempt: Int
    public var maxAttempts: Int
    /// Earliest time the job may run.
    public var runAt: Date
    /// Set while the job is running.
    public var lease: Lease?
    public var uniqueKey: UniqueKey?
    /// One entry per failed attempt, oldest first.
    public var errors: [AttemptError]
    /// Every state change, oldest first.
    public var history: [HistoryEntry]
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(
        id: JobID, queue: QueueName, kind: JobKind, payload: JobPayload, priority: Priority, state: JobState,
        attempt: Int, maxAttempts: Int, runAt: Date, lease: Lease?, uniqueKey: UniqueKey?,
        errors: [AttemptError], history: [HistoryEntry], createdAt: Date, startedAt: Date?, finishedAt: Date?
    ) {
        self.id = id; self.queue = queue; self.kind = kind; self.payload = payload; self.priority = priority
        self.state = state; self.attempt = attempt; self.maxAttempts = maxAttempts; self.runAt = runAt
        self.lease = lease; self.uniqueKey = uniqueKey; self.errors = errors; self.history = history
        self.createdAt = createdAt; self.startedAt = startedAt; self.finishedAt = finishedAt
    }
}

/// The right to run a job until `expiresAt`. `token` is the fencing value: completing or failing
/// the job only takes effect while the job still carries this token.
public struct Lease: Sendable, Equatable, Hashable {
    public var owner: WorkerID
    public var token: LeaseToken
    public var expiresAt: Date

    public init(owner: WorkerID, token: LeaseToken, expiresAt: Date) {
        self.owner = owner; self.token = token; self.expiresAt = expiresAt
    }
}

/// The fencing value of a claim: drawn from a database sequence once per claim statement, so
/// together with the job id it names one claim, never repeated.
public struct LeaseToken: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// What went wrong in one attempt.
public struct AttemptError: Sendable, Equatable, Codable {
    public var attempt: Int
    public var at: Date
    public var error: String
    public var worker: String?

    public init(attempt: Int, at: Date, error: String, worker: String?) {
        self.attempt = attempt; self.at = at; self.error = error; self.worker = worker
    }
}

/// One state change of a job.
///
/// The fields keep the text the row holds (a ``JobEvent`` raw value and ``JobPlacement``
/// history names, since every statement that writes them is checked against the state machine),
/// so a row edited by hand still reads; ``transition`` is the typed view.
public struct HistoryEntry: Sendable, Equatable, Codable {
    public var at: Date
    /// A ``JobEvent`` raw value.
    public var event: String
    /// `nil` for `enqueued`; otherwise a state or `dead`.
    public var from: String?
    public var to: String
    public var attempt: Int
    public var worker: String?

    public init(at: Date, event: String, from: String?, to: String, attempt: Int, worker: String? = nil) {
        self.at = at; self.event = event; self.from = from; self.to = to; self.attempt = attempt; self.worker = worker
    }

    /// The entry as a transition, or `nil` when it names an event or placement Wharf never writes.
    public var transition: Transition? {
        guard let event = JobEvent(rawValue: event), let from = JobPlacement(historyName: from),
              let to = JobPlacement(historyName: to)
        else { return nil }
        return Transition(event: event, from: from, to: to)
    }
}

/// A job in the dead-letter table: the job as it was when it died, plus when and why.
public struct DeadJob: Sendable, Equatable {
    public var job: Job
    public var diedAt: Date
    public var reason: DeathReason

    public init(job: Job, diedAt: Date, reason: DeathReason) {
        self.job = job; self.diedAt = diedAt; self.reason = reason
    }
}

/// Why a job was moved to the dead-letter table.
public enum DeathReason: String, Sendable, Codable, CaseIterable {
    /// Its last allowed attempt failed.
    case maxAttemptsExhausted = "max_attempts_exhausted"
    /// Its handler reported a failure that retrying cannot fix.
    case permanentFailure = "permanent_failure"
    /// Its worker stopped holding the lease during its last allowed attempt.
    case leaseExpiredOnLastAttempt = "lease_expired_on_last_attempt"
}

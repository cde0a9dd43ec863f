/// Something that happens to a job. Each event names the transition it causes, and the same
/// name is written to the job's history (`history[].event`).
public enum JobEvent: String, Sendable, CaseIterable, Codable {
    /// The job was inserted (SQL function, API, CLI): new → available.
    case enqueued
    /// A worker claimed the job and took a lease: available → running.
    case claimed
    /// The handler succeeded: running → completed.
    case succeeded
    /// The attempt failed and another is allowed: running → available (after a backoff).
    case failedWillRetry = "failed"
    /// The attempt failed for good (attempts exhausted or permanent): running → dead letters.
    case deadLettered = "dead_lettered"
    /// The lease ran out (worker crashed or froze) and another attempt is allowed: running → available.
    case leaseExpired = "lease_expired"
    /// A worker shutting down handed the job back without using an attempt: running → available.
    case released
    /// The handler said "not yet": running → available later, without using an attempt.
    case snoozed
    /// An operator cancelled the job: available/running → cancelled.
    case cancelled
    /// An operator moved a dead job back into the queue: dead letters → available.
    case retriedFromDead = "retried"
}

/// Where a transition starts or ends: a state of the `jobs` table, the dead-letter table, or
/// nowhere yet (before the insert).
public enum JobPlacement: Equatable, Sendable, CustomStringConvertible {
    case new
    case state(JobState)
    case dead

    /// As history writes it: `from` is NULL for `new`, otherwise the state or `dead`.
    public var historyName: String? {
        switch self {
        case .new: nil
        case .state(let state): state.rawValue
        case .dead: "dead"
        }
    }

    /// The placement a history entry names; `nil` for a name Wharf never writes.
    public init?(historyName: String?) {
        switch historyName {
        case nil: self = .new
        case "dead": self = .dead
        case let name?:
            guard let state = JobState(rawValue: name) else { return nil }
            self = .state(state)
        }
    }

    public var description: String { historyName ?? "new" }
}

/// A legal transition: the event and where it takes the job.
public struct Transition: Equatable, Sendable {
    public var event: JobEvent
    public var from: JobPlacement
    public var to: JobPlacement

    public init(event: JobEvent, from: JobPlacement, to: JobPlacement) {
        self.event = event; self.from = from; self.to = to
    }
}

/// An event that is not allowed where the job is; the message says why and what is possible.
public struct TransitionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var event: JobEvent
    public var from: JobPlacement

    public init(event: JobEvent, from: JobPlacement) {
        self.event = event; self.from = from
    }

    public var description: String {
        let allowed = JobEvent.allCases.filter { (try? JobStateMachine.apply($0, from: from)) != nil }
        let allowedText = allowed.isEmpty ? "none: the job is finished" : allowed.map(\.rawValue).joined(separator: ", ")
        return "a job that is \(from) cannot be \(event.rawValue) (possible here: \(allowedText))"
    }
}

/// The legal moves of a job. The SQL in WharfPostgres enforces the same rules in its WHERE
/// clauses (for example `AND state = 'running'`); this is the one readable table of them, used to
/// explain refused admin actions and tested exhaustively. Every `history_entry(...)` the SQL
/// writes is checked against it (HistoryStatementTests).
public enum JobStateMachine {
    public static func apply(_ event: JobEvent, from: JobPlacement) throws(TransitionError) -> Transition {
        let to: JobPlacement? =
            switch (event, from) {
            case (.enqueued, .new): .state(.available)
            case (.claimed, .state(.available)): .state(.running)
            case (.succeeded, .state(.running)): .state(.completed)
            case (.failedWillRetry, .state(.running)): .state(.available)
            case (.deadLettered, .state(.running)): .dead
            case (.leaseExpired, .state(.running)): .state(.available)
            case (.released, .state(.running)): .state(.available)
            case (.snoozed, .state(.running)): .state(.available)
            case (.cancelled, .state(.available)), (.cancelled, .state(.running)): .state(.cancelled)
            case (.retriedFromDead, .dead): .state(.available)
            default: nil
            }
        guard let to else { throw TransitionError(event: event, from: from) }
        return Transition(event: event, from: from, to: to)
    }
}

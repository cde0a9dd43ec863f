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

/// What operators do with jobs (the admin API, the CLI): list, look up, cancel. Dead letters
/// are ``DeadLetterStore``, pausing is ``QueueControl``. Implemented by `PostgresJobStore`.
public protocol JobAdministration: JobLookup {
    /// Jobs matching `filter`, newest first.
    func jobs(_ filter: JobFilter) async throws -> [Job]

    /// Cancels an available or running job. Throws when the job is unknown or already finished.
    func cancel(_ id: JobID) async throws -> Job
}

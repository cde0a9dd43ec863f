/// The dead-letter table.
public protocol DeadLetterStore: Sendable {
    /// Dead jobs matching `filter` (its `state` is ignored), highest id first for keyset paging.
    func deadJobs(_ filter: JobFilter) async throws -> [DeadJob]
    func deadJob(_ id: JobID) async throws -> DeadJob?
    /// Moves a dead job back into `jobs` as available with a fresh attempt count; keeps its id,
    /// errors and history.
    func retryDead(_ id: JobID) async throws -> Job
    /// Deletes one dead job. Throws when it does not exist.
    func purgeDead(_ id: JobID) async throws
    /// Deletes every dead job the selection matches. Returns how many.
    func purgeAllDead(_ selection: DeadJobSelection) async throws -> Int
    /// Retries every dead job the selection matches (see ``BulkRetryResult`` for the ones left).
    func retryAllDead(_ selection: DeadJobSelection) async throws -> BulkRetryResult
}


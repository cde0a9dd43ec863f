public import WharfCore

extension PostgresJobStore: UniqueWindowStore {
    public func pruneExpiredUniqueWindows(limit: Int) async throws -> Int {
        try await run("prune expired unique periods", UniqueWindowPrune(limit: Int64(max(1, limit)))).count
    }
}

/// Keys held over a period (``EnqueueOptions/uniqueFor``), the housekeeping side: a period that
/// ran out no longer holds its key, and its row is only clutter.
public protocol UniqueWindowStore: Sendable {
    /// Deletes up to `limit` periods that ran out, oldest first. Returns how many.
    func pruneExpiredUniqueWindows(limit: Int) async throws -> Int
}

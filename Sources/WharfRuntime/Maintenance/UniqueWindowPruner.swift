public import Logging
public import WharfCore

/// Deletes unique-key periods (``EnqueueOptions/uniqueFor``) that ran out. They hold nothing
/// any more (the next enqueue of the key takes the row over); pruning keeps the table as small
/// as the keys currently held.
public struct UniqueWindowPruner: MaintenanceTask {
    let store: any UniqueWindowStore
    let timeout: Duration
    let logger: Logger
    public let interval: Duration
    public var name: String { "unique period pruner" }
    /// Rows deleted per statement, and statements per pass: a backlog is worked off over passes.
    public static let batchSize = 1000
    public static let batchesPerPass = 10

    public init(
        store: any UniqueWindowStore, interval: Duration = WorkerConfiguration.defaultReaperInterval,
        timeout: Duration = WorkerConfiguration.defaultStoreCallTimeout, logger: Logger
    ) {
        self.store = store
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    /// How many periods it deleted.
    public func runOnce() async throws -> Int {
        var pruned = 0
        for _ in 0..<Self.batchesPerPass {
            let deleted = try await withTimeLimit(timeout, "prune expired unique periods") { [store] in
                try await store.pruneExpiredUniqueWindows(limit: Self.batchSize)
            }
            pruned += deleted
            if deleted < Self.batchSize { break }
        }
        if pruned > 0 {
            logger.debug("Pruned expired unique periods", metadata: ["periods.count": "\(pruned)"])
        }
        return pruned
    }
}

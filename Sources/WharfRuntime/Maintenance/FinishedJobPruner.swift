public import Logging
public import WharfCore

/// Deletes completed and cancelled jobs older than the retention period, oldest first.
public struct FinishedJobPruner: MaintenanceTask {
    let store: any WorkerJobStore
    let retention: Duration
    let logger: Logger
    public let interval: Duration
    public var name: String { "finished job pruner" }
    /// Rows deleted per statement.
    public static let batchSize = 1000
    /// Statements per pass: a huge backlog is worked off over several passes, not one long one.
    public static let batchesPerPass = 10

    public init(store: any WorkerJobStore, retention: Duration, interval: Duration = WorkerConfiguration.defaultReaperInterval, logger: Logger) {
        self.store = store
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    /// How many jobs it deleted.
    public func runOnce() async throws -> Int {
        var pruned = 0
        for _ in 0..<Self.batchesPerPass {
            let deleted = try await store.pruneFinished(olderThan: retention, limit: Self.batchSize)
            pruned += deleted
            if deleted < Self.batchSize { break }
        }
        if pruned > 0 {
            logger.info("Pruned finished jobs past retention", metadata: ["jobs.count": "\(pruned)", "retention": "\(retention)"])
        }
        return pruned
    }
}

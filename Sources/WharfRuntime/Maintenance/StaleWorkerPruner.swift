public import Logging
public import WharfCore

/// Removes `workers` rows that stopped beating (`stale_worker_after`). A worker that was only
/// frozen registers again on its next heartbeat.
public struct StaleWorkerPruner: MaintenanceTask {
    let registry: any WorkerRegistry
    let staleAfter: Duration
    let logger: Logger
    public let interval: Duration
    public var name: String { "stale worker pruner" }

    public init(registry: any WorkerRegistry, staleAfter: Duration, interval: Duration = WorkerConfiguration.defaultReaperInterval, logger: Logger) {
        self.registry = registry
        self.staleAfter = staleAfter
        self.interval = interval
        self.logger = logger
    }

    public func runOnce() async throws -> [WorkerID] {
        let pruned = try await registry.pruneStale(olderThan: staleAfter)
        for id in pruned {
            logger.notice("Pruned worker that stopped beating", metadata: ["worker.id": "\(id)"])
        }
        return pruned
    }
}

public import Logging
public import WharfCore

/// What one pass of the standard maintenance tasks did.
public struct ReapResult: Equatable, Sendable {
    public var requeued: [JobID] = []
    public var deadLettered: [JobID] = []
    /// The requeued and dead-lettered jobs with their queue, kind and former worker.
    public var jobs: [ReclaimedJob] = []
    public var prunedWorkers: [WorkerID] = []
    /// Finished jobs deleted because they were older than the retention period.
    public var prunedJobs = 0
    public var isEmpty: Bool { requeued.isEmpty && deadLettered.isEmpty && prunedWorkers.isEmpty && prunedJobs == 0 }
}

/// The standard maintenance tasks every worker's leader runs: the ``LeaseRescuer``, the
/// ``StaleWorkerPruner`` and, with a retention period, the ``FinishedJobPruner``. ``runOnce()``
/// runs them in that order, for tests and for embedders that schedule maintenance themselves.
public struct Reaper: Sendable {
    public let rescuer: LeaseRescuer
    public let workerPruner: StaleWorkerPruner
    /// `nil` keeps finished jobs forever.
    public let jobPruner: FinishedJobPruner?

    public init(store: any WorkerJobStore, registry: any WorkerRegistry, staleWorkerAfter: Duration, retention: Duration? = nil, logger: Logger) {
        self.init(
            store: store, registry: registry, staleWorkerAfter: staleWorkerAfter, retention: retention,
            interval: WorkerConfiguration.defaultReaperInterval, tally: nil, logger: logger)
    }

    init(
        store: any WorkerJobStore, registry: any WorkerRegistry, staleWorkerAfter: Duration, retention: Duration?, interval: Duration,
        tally: ActivityTally?, logger: Logger
    ) {
        rescuer = LeaseRescuer(store: store, interval: interval, tally: tally, logger: logger)
        workerPruner = StaleWorkerPruner(registry: registry, staleAfter: staleWorkerAfter, interval: interval, logger: logger)
        jobPruner = retention.map { FinishedJobPruner(store: store, retention: $0, interval: interval, logger: logger) }
    }

    /// The tasks, in the order the leader runs them.
    public var tasks: [any MaintenanceTask] { [rescuer, workerPruner] + (jobPruner.map { [$0] } ?? []) }

    public func runOnce() async throws -> ReapResult {
        let reclaimed = try await rescuer.runOnce()
        var result = ReapResult(requeued: reclaimed.requeued, deadLettered: reclaimed.deadLettered, jobs: reclaimed.jobs)
        result.prunedWorkers = try await workerPruner.runOnce()
        result.prunedJobs = try await jobPruner?.runOnce() ?? 0
        return result
    }
}

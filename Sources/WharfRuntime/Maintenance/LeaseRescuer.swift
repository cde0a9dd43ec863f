public import Logging
public import WharfCore

/// Takes back jobs whose lease expired (their worker crashed, froze or lost its network):
/// requeued, or dead-lettered when that was their last attempt.
public struct LeaseRescuer: MaintenanceTask {
    let store: any WorkerJobStore
    let tally: ActivityTally?
    let logger: Logger
    public let interval: Duration
    public var name: String { "lease rescuer" }
    /// Rows reclaimed per statement; a pass repeats until a statement takes fewer.
    public static let batchSize = 1000

    public init(store: any WorkerJobStore, interval: Duration = WorkerConfiguration.defaultReaperInterval, logger: Logger) {
        self.init(store: store, interval: interval, tally: nil, logger: logger)
    }

    init(store: any WorkerJobStore, interval: Duration, tally: ActivityTally?, logger: Logger) {
        self.store = store
        self.interval = interval
        self.tally = tally
        self.logger = logger
    }

    public func runOnce() async throws -> ReclaimResult {
        var result = ReclaimResult()
        while true {
            let batch = try await store.reclaimExpired(limit: Self.batchSize)
            result.requeued += batch.requeued
            result.deadLettered += batch.deadLettered
            result.jobs += batch.jobs
            if batch.requeued.count + batch.deadLettered.count < Self.batchSize { break }
        }
        for job in result.jobs {
            RuntimeMetrics.reclaimed(job)
            tally?.record(job.queue, failed: 1, deadLettered: job.deadLettered ? 1 : 0)
            let metadata: Logger.Metadata = [
                "job.id": "\(job.id)", "job.queue": "\(job.queue)", "job.kind": "\(job.kind)", "job.attempt": "\(job.attempt)",
                "worker.id": "\(job.worker)", "job.state.from": "running", "job.state.to": job.deadLettered ? "dead" : "available",
                "error.class": "lease_expired",
            ]
            if job.deadLettered {
                logger.info("Lease expired on last attempt; job dead-lettered", metadata: metadata)
            } else {
                logger.info("Lease expired; job reclaimed and requeued", metadata: metadata)
            }
        }
        return result
    }
}

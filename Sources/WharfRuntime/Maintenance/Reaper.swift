public import Logging
public import WharfCore

/// What one reaper pass did.
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

/// Takes back jobs whose lease expired (their worker crashed, froze or lost its network),
/// removes `workers` rows that stopped beating, and deletes finished jobs past their retention.
/// Runs only on the maintenance leader.
public struct Reaper: Sendable {
    let store: any JobStore
    let registry: any WorkerRegistry
    let staleWorkerAfter: Duration
    /// `nil` keeps finished jobs forever.
    let retention: Duration?
    let tally: ActivityTally?
    let logger: Logger
    /// Rows reclaimed per statement; a pass repeats until a statement takes fewer.
    public static let batchSize = 1000

    public init(store: any JobStore, registry: any WorkerRegistry, staleWorkerAfter: Duration, retention: Duration? = nil, logger: Logger) {
        self.init(store: store, registry: registry, staleWorkerAfter: staleWorkerAfter, retention: retention, tally: nil, logger: logger)
    }

    init(store: any JobStore, registry: any WorkerRegistry, staleWorkerAfter: Duration, retention: Duration?, tally: ActivityTally?, logger: Logger) {
        self.tally = tally
        self.store = store
        self.registry = registry
        self.staleWorkerAfter = staleWorkerAfter
        self.retention = retention
        self.logger = logger
    }

    public func runOnce() async throws -> ReapResult {
        var result = ReapResult()
        while true {
            let batch = try await store.reclaimExpired(limit: Self.batchSize)
            result.requeued += batch.requeued
            result.deadLettered += batch.deadLettered
            result.jobs += batch.jobs
            if batch.requeued.count + batch.deadLettered.count < Self.batchSize { break }
        }
        result.prunedWorkers = try await registry.pruneStale(olderThan: staleWorkerAfter)
        if let retention {
            // A bounded number of batches per pass, so a huge backlog is worked off over
            // several passes instead of one long one.
            for _ in 0..<10 {
                let deleted = try await store.pruneFinished(olderThan: retention, limit: Self.batchSize)
                result.prunedJobs += deleted
                if deleted < Self.batchSize { break }
            }
            if result.prunedJobs > 0 {
                logger.info("Pruned finished jobs past retention", metadata: ["jobs.count": "\(result.prunedJobs)", "retention": "\(retention)"])
            }
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
        for id in result.prunedWorkers {
            logger.notice("Pruned worker that stopped beating", metadata: ["worker.id": "\(id)"])
        }
        return result
    }
}

/// Runs the reaper on one process at a time: each pass first takes or renews the maintenance
/// leadership (a row with an expiry on the database clock). A leader that dies stops renewing,
/// and another process takes over once its lease runs out: within one lease TTL.
struct MaintenanceLeader: Sendable {
    static let lockName = "maintenance"
    let leader: any LeaderLock
    let reaper: Reaper
    let configuration: WorkerConfiguration
    let logger: Logger

    func run() async {
        var wasLeader = false
        while !Task.isCancelled {
            do {
                let isLeader = try await leader.tryAcquire(Self.lockName, holder: configuration.workerID, ttl: configuration.leaseTTL)
                if isLeader != wasLeader {
                    logger.notice(isLeader ? "Became maintenance leader" : "No longer maintenance leader", metadata: ["worker.id": "\(configuration.workerID)"])
                    wasLeader = isLeader
                }
                if isLeader { _ = try await reaper.runOnce() }
            } catch {
                logger.warning("Maintenance pass failed", metadata: ["error.message": "\(String(reflecting: error))"])
            }
            do { try await Task.sleep(for: configuration.reaperInterval) } catch { break }
        }
    }
}

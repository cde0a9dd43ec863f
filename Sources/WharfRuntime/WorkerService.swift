public import Logging
public import ServiceLifecycle
public import WharfCore
import Foundation

/// One worker process as a `Service`: starts its lifecycle handlers, registers itself, then runs
/// a producer per queue, the lease heartbeat, the deadline watcher, the outcome writer, the
/// maintenance leader, notification wake-ups and the systemd watchdog, all as child tasks. On
/// graceful shutdown it stops claiming, lets running jobs finish within the grace period, hands
/// back the rest without using an attempt, writes every outcome it holds, stops its lifecycle
/// handlers, gives up leadership and deregisters.
public struct WorkerService: Service {
    public let configuration: WorkerConfiguration
    let store: any WorkerJobStore
    let registry: any WorkerRegistry
    let leader: any LeaderLock
    let wakeups: (any QueueWakeups)?
    let handlers: HandlerRegistry
    let notifier: SystemdNotifier?
    let logger: Logger
    let worker: WorkerInfo
    let preflight: @Sendable () async throws -> Void
    let lifecycle: LifecycleState?
    /// Maintenance tasks the leader runs after the standard ones (see ``MaintenanceTask``). Their
    /// store calls are theirs to bound; the standard tasks use the time-limited ports.
    let extraMaintenance: [any MaintenanceTask]

    public init(
        configuration: WorkerConfiguration, store: any WorkerJobStore, registry: any WorkerRegistry, leader: any LeaderLock,
        wakeups: (any QueueWakeups)?, handlers: HandlerRegistry, notifier: SystemdNotifier? = nil,
        version: String, logger: Logger, preflight: @escaping @Sendable () async throws -> Void = {}, lifecycle: LifecycleState? = nil,
        maintenance extraMaintenance: [any MaintenanceTask] = []
    ) {
        self.extraMaintenance = extraMaintenance
        self.lifecycle = lifecycle
        self.preflight = preflight
        self.configuration = configuration
        // Every store call the runtime makes is time-limited (see TimeLimitedPorts).
        let limited = TimeLimitedPorts(store: store, registry: registry, leader: leader, timeout: configuration.storeCallTimeout)
        self.store = limited
        self.registry = limited
        self.leader = limited
        self.wakeups = wakeups
        self.handlers = handlers
        self.notifier = notifier
        self.logger = logger
        self.worker = WorkerInfo(
            id: configuration.workerID, host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier),
            queues: configuration.queues.map(\.name), concurrency: configuration.totalConcurrency, version: version)
    }

    /// A worker id unique to this process: host, pid and a random suffix (pids are reused).
    public static func makeWorkerID() -> WorkerID {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return WorkerID("\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(suffix)")
    }

    public func run() async throws {
        try await handlers.startHandlers()
        do {
            try await register()
        } catch {
            await handlers.stopHandlers()
            throw error
        }
        let running = RunningJobs()
        let shutdown = Flag()
        let tally = ActivityTally()
        let outcomes = OutcomeBuffer(store: store, batchSize: configuration.completionBatchSize, workerID: worker.id, tally: tally, logger: logger)
        let deadlines = JobDeadlines()
        let executor = JobExecutor(
            handlers: handlers, retry: configuration.retry, workerID: worker.id, deadlines: deadlines, logger: logger,
            maxSnoozes: configuration.maxSnoozes)
        let producers = configuration.queues.map { settings in
            QueueProducer(
                settings: settings, configuration: configuration, store: store, running: running, executor: executor,
                outcomes: outcomes, wake: WakeSignal(), shutdown: shutdown, logger: logger)
        }
        let wakeByQueue = Dictionary(uniqueKeysWithValues: producers.map { ($0.queue, $0.wake) })
        let heartbeat = LeaseHeartbeat(
            store: store, registry: registry, worker: worker, running: running, outcomes: outcomes, tally: tally, configuration: configuration,
            logger: logger)
        let standard = Reaper(
            store: store, registry: registry, staleWorkerAfter: configuration.effectiveStaleWorkerAfter,
            retention: configuration.retention, interval: configuration.reaperInterval, tally: tally, logger: logger)
        let maintenance = MaintenanceLeader(
            leader: leader, tasks: standard.tasks + extraMaintenance, configuration: configuration, logger: logger)

        notifier?.send("READY=1\nSTATUS=processing \(configuration.queues.map { "\($0.name)=\($0.concurrency)" }.joined(separator: " "))")
        logger.notice("Worker started", metadata: [
            "worker.id": "\(worker.id)", "queues": "\(configuration.queues.map { "\($0.name)=\($0.concurrency)" }.joined(separator: ","))",
        ])

        // The outcome writer runs outside `background`, whose cancellation would abandon a write
        // in flight that may already have committed: it is stopped once the producers are done,
        // after its current write.
        await withTaskGroup(of: Void.self) { writer in
            writer.addTask { await outcomes.run() }
            await withTaskGroup(of: Void.self) { background in
                background.addTask { await heartbeat.run() }
                background.addTask { await deadlines.run() }
                background.addTask { await maintenance.run() }
                background.addTask { await PollTicker(interval: configuration.pollInterval, wakes: Array(wakeByQueue.values)).run() }
                if let notifier { background.addTask { await notifier.runWatchdog() } }
                if let wakeups {
                    let queues = Set(wakeByQueue.keys)
                    background.addTask { await wakeups.run(queues: queues) { wakeByQueue[$0]?.signal() } }
                }
                await withGracefulShutdownHandler {
                    await withDiscardingTaskGroup { group in
                        for producer in producers { group.addTask { await producer.run() } }
                    }
                } onGracefulShutdown: {
                    shutdown.set()
                    lifecycle?.beginShutdown()
                    notifier?.send("STOPPING=1")
                    logger.notice("Shutting down: no new claims; running jobs have the grace period", metadata: [
                        "worker.id": "\(worker.id)", "jobs.running": "\(running.count)", "grace.period": "\(configuration.gracePeriod)",
                    ])
                    wakeByQueue.values.forEach { $0.signal() }
                }
                background.cancelAll()
            }
            outcomes.stop()
        }

        // Every producer is done, so every job's outcome is in the buffer.
        let left = await outcomes.drain(deadline: .now + .seconds(10))
        if left > 0 {
            logger.error("Could not record some outcomes before exit; their leases will expire and the jobs will run again", metadata: [
                "worker.id": "\(worker.id)", "outcomes.pending": "\(left)",
            ])
        }
        await handlers.stopHandlers()
        do {
            try await leader.release(MaintenanceLeader.lockName, holder: worker.id)
            try await registry.deregister(worker.id)
        } catch {
            logger.warning("Deregistering failed; the row will be pruned", metadata: ["error.message": "\(String(reflecting: error))"])
        }
        logger.notice("Worker stopped", metadata: ["worker.id": "\(worker.id)"])
    }

    /// Checks the database (`preflight`: the schema version) and registers, retrying with
    /// backoff while the database is unreachable, so a worker started before its database waits
    /// instead of exiting. A preflight that fails for another reason (schema not migrated) ends
    /// the worker with that error.
    private func register() async throws {
        var backoff = RetryBackoff()
        while true {
            do {
                try await preflight()
                try await registry.register(worker)
                return
            } catch let error where !Self.isTransient(error) {
                throw error
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { throw error }
                let delay = backoff.next()
                logger.warning("Registering worker failed; retrying", metadata: ["retry.delay": "\(delay)", "error.message": "\(String(reflecting: error))"])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Connection trouble is worth waiting out; anything else (a schema to migrate) is not.
    static func isTransient(_ error: any Error) -> Bool {
        (error as? any TransientStoreFailure)?.isTransient ?? true
    }
}

extension WorkerService: CustomStringConvertible {
    /// What ServiceLifecycle logs for this service: who and what, not every field.
    public var description: String {
        "WorkerService(worker: \(configuration.workerID), queues: \(configuration.queues.map { "\($0.name)=\($0.concurrency)" }.joined(separator: ",")))"
    }
}

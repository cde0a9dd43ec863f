import Logging
import WharfCore

/// Renews, in one statement per beat, the lease of every job this process holds (running or
/// with an outcome not yet written), and stamps the worker's heartbeat. A lease that could not
/// be renewed was taken over: its job is stopped, and whatever it produces is discarded.
struct LeaseHeartbeat: Sendable {
    let store: any WorkerJobStore
    let registry: any WorkerRegistry
    let worker: WorkerInfo
    let running: RunningJobs
    let outcomes: OutcomeBuffer
    let tally: ActivityTally
    let configuration: WorkerConfiguration
    let logger: Logger

    /// Beats every `heartbeatInterval` until cancelled.
    func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.heartbeatInterval)
            } catch {
                return
            }
            await beatOnce()
        }
    }

    func beatOnce() async {
        let refs = running.refs + outcomes.pendingRefs
        if !refs.isEmpty {
            do {
                let held = try await store.extendLeases(refs, ttl: configuration.leaseTTL)
                for ref in refs where !held.contains(ref) {
                    running.stop(ref, .leaseLost)
                }
            } catch {
                logger.warning("Lease renewal failed", metadata: ["worker.id": "\(worker.id)", "error.message": "\(String(reflecting: error))"])
            }
        }
        do {
            for queue in configuration.queues {
                RuntimeMetrics.slots(queue.name, running: running.count(in: queue.name), concurrency: queue.concurrency)
            }
            if try await !registry.heartbeat(worker.id, activity: tally.snapshot(running: running.count)) {
                // Pruned while we were unreachable or frozen: come back.
                try await registry.register(worker)
                logger.notice("Worker registered again after its row was pruned", metadata: ["worker.id": "\(worker.id)"])
            }
        } catch {
            logger.warning("Worker heartbeat failed", metadata: ["worker.id": "\(worker.id)", "error.message": "\(String(reflecting: error))"])
        }
    }
}

import Logging
import WharfCore

/// Claims jobs for one queue, only up to its free slots (Oban-style demand), and runs each in
/// its own child task so one slow job never holds up the others. A small queue's claims also
/// write the completions the outcome buffer holds (``OutcomeBuffer/takeCompletions(max:)``).
///
/// Wakes on a notification for its queue, on a freed slot, on shutdown, or on the worker's
/// ``PollTicker`` every `pollInterval` (which catches lost notifications and jobs scheduled for later).
struct QueueProducer: Sendable {
    let settings: WorkerConfiguration.QueueSettings
    let configuration: WorkerConfiguration
    let store: any WorkerJobStore
    let running: RunningJobs
    let executor: JobExecutor
    let outcomes: OutcomeBuffer
    let wake: WakeSignal
    let shutdown: Flag
    let logger: Logger

    var queue: QueueName { settings.name }

    /// Up to this many slots, a queue's completions go with its claims. A small queue's cycle is
    /// round trips, and one statement instead of two is the gain. A large one's is database work:
    /// there the completions and the claims, as separate statements, run side by side on two
    /// connections, and combining them made a 1 × 1000 drain about 20% slower here.
    static let completesWithClaimsUpTo = 64
    var completesWithClaims: Bool { settings.concurrency <= Self.completesWithClaimsUpTo }

    func run() async {
        await withDiscardingTaskGroup { group in
            var backoff = RetryBackoff()
            while !shutdown.isSet, !Task.isCancelled {
                let free = settings.concurrency - running.count(in: queue)
                if free > 0 {
                    // The completions offered in the buffer (small queues') go with the claim: one
                    // statement, one commit for both.
                    let done = completesWithClaims ? outcomes.takeCompletions(max: outcomes.batchSize) : []
                    let written: CompletedAndClaimed
                    do {
                        written = try await store.completeAndClaim(
                            done.map(\.ref), queue: queue, limit: free, worker: configuration.workerID, leaseTTL: configuration.leaseTTL)
                        backoff.reset()
                    } catch {
                        outcomes.putBack(done)
                        let delay = backoff.next()
                        logger.warning("Claim failed; retrying", metadata: [
                            "queue.name": "\(queue)", "retry.delay": "\(delay)", "error.message": "\(String(reflecting: error))",
                        ])
                        await wake.wait(timeout: delay)
                        continue
                    }
                    let jobs = written.claimed
                    if !jobs.isEmpty {
                        jobs.forEach(RuntimeMetrics.started)
                        logger.debug("Claimed jobs", metadata: ["queue.name": "\(queue)", "jobs.count": "\(jobs.count)"])
                    }
                    for job in jobs {
                        guard let ref = job.claimRef else { continue }
                        let signal = running.insert(ref, queue: queue)
                        group.addTask {
                            let started = ContinuousClock.now
                            if let outcome = await executor.execute(job, ref: ref, signal: signal) {
                                outcomes.add(OutcomeBuffer.Item(
                                    job: job, ref: ref, outcome: outcome, duration: .now - started, offered: completesWithClaims))
                            }
                            running.remove(ref)
                            wake.signal()
                        }
                    }
                    await outcomes.settle(done, written.completed)
                    // A full batch suggests more are waiting: claim again for the slots still free.
                    // (Waiting a few ms for more slots to free up before claiming was tried and
                    // measured 2-5x slower here: docs/benchmarks.md.)
                    if jobs.count == free { continue }
                }
                await wake.wait()
            }
            // Shutting down: claim nothing more, give running jobs the grace period, then stop
            // the rest; they are handed back without using an attempt.
            await running.waitUntilIdle(queue, deadline: .now + configuration.gracePeriod)
            let left = running.count(in: queue)
            if left > 0 {
                logger.notice("Grace period over; handing back running jobs", metadata: ["queue.name": "\(queue)", "jobs.count": "\(left)"])
                running.stopAll(.shutdown, in: [queue])
            }
        }
    }
}

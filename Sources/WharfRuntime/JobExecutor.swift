import Logging
import WharfCore

/// Runs one claimed job: finds its handler, races it against the kind's timeout and the job's
/// stop signal (lease lost, shutdown), and turns what happened into the outcome to record.
struct JobExecutor: Sendable {
    let handlers: HandlerRegistry
    let retry: RetryPolicies
    let workerID: WorkerID
    let logger: Logger

    /// How long a handler that lost the race (timeout, lost lease, shutdown) may take to
    /// return after its cancellation before the worker stops waiting for it: 10 s.
    static let stoppedHandlerGrace: Duration = .seconds(10)

    private enum Race: Sendable {
        case finished(HandlerOutcome)
        case threw(String)
        case timedOut
        case stopped(StopReason)
    }

    /// Returns the outcome to record, or `nil` when nothing may be written (the lease is lost).
    func execute(_ job: Job, ref: ClaimRef, signal: StopSignal) async -> PendingOutcome? {
        // Built only when a line is logged: at thousands of jobs a second, eager metadata
        // dictionaries were a measurable share of the worker's CPU.
        let metadata: @Sendable () -> Logger.Metadata = { [workerID] in
            [
                "job.id": "\(job.id)", "job.kind": "\(job.kind)", "job.queue": "\(job.queue)", "job.attempt": "\(job.attempt)",
                "worker.id": "\(workerID)", "lease.token": "\(ref.token)",
            ]
        }
        guard let entry = handlers.entry(for: job.kind) else {
            // Transient on purpose: during a rolling deploy another worker may know the kind.
            let known = handlers.kinds.map(\.rawValue).joined(separator: ", ")
            return failed(job, .noHandler, .transient("no handler for kind \"\(job.kind)\" on worker \(workerID) (it handles: \(known.isEmpty ? "nothing" : known))"))
        }
        logger.info("Job started", metadata: metadata().merging(["job.state.from": "available", "job.state.to": "running"]) { $1 })
        var jobLogger = logger
        jobLogger[metadataKey: "job.id"] = "\(job.id)"
        jobLogger[metadataKey: "job.kind"] = "\(job.kind)"
        let clock = ContinuousClock()
        let started = clock.now
        let context = JobContext(
            job: job, workerID: workerID, idempotencyKey: "wharf-job-\(job.id)", deadline: started + entry.timeout,
            timeout: entry.timeout, logger: jobLogger)

        // The handler, its timeout and its stop signal race; the first to finish decides. A
        // handler that ignores cancellation is abandoned rather than waited for (see firstOf),
        // so it can neither hold its slot nor block shutdown.
        let handler = entry.handler
        let race: Race = await firstOf(
            [
                {
                    do {
                        return .finished(try await handler.handle(context))
                    } catch {
                        return Task.isCancelled ? nil : .threw(String(reflecting: error))
                    }
                },
                {
                    do { try await Task.sleep(for: entry.timeout) } catch { return nil }
                    return .timedOut
                },
                { await signal.wait().map(Race.stopped) },
            ],
            // This task itself was cancelled (a hard stop): hand the job back.
            ifCancelled: .stopped(.shutdown),
            // A stopped handler gets this long to wind down (an exec command's process group
            // is sent SIGTERM, then SIGKILL) before it is abandoned.
            graceForLosers: Self.stoppedHandlerGrace)
        let duration = clock.now - started
        RuntimeMetrics.ran(job, for: duration)

        switch race {
        case .finished(.success):
            return .complete
        case .finished(.failure(let message)):
            return failed(job, .error, .transient(message))
        case .finished(.retry(let after, let reason)):
            return failed(job, .error, .transient(reason, retryAfter: after))
        case .finished(.permanentFailure(let message)):
            return failed(job, .permanent, .permanent(message))
        case .threw(let description):
            return failed(job, .error, .transient(description))
        case .timedOut:
            return failed(job, .timeout, .transient("timed out after \(entry.timeout)"))
        case .stopped(.leaseLost):
            RuntimeMetrics.leaseLost(job)
            logger.warning("Lease lost; job stopped", metadata: metadata().merging(["job.duration": "\(duration)"]) { $1 })
            return nil
        case .stopped(.shutdown):
            return .release
        }
    }

    private func failed(_ job: Job, _ reason: FailureClass, _ failure: Failure) -> PendingOutcome {
        let policy = retry.policy(queue: job.queue, kind: job.kind)
        let decision = FailureDecision.decide(
            failure, attempt: job.attempt, jobMaxAttempts: job.maxAttempts, policy: policy, random: Double.random(in: 0..<1))
        return .fail(failure, decision, reason)
    }
}

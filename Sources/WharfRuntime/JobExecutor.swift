import Logging
import WharfCore

/// Runs one claimed job: finds its handler, races it against the job's stop signal (timeout,
/// lease lost, shutdown), and turns what happened into the outcome to record.
struct JobExecutor: Sendable {
    let handlers: HandlerRegistry
    let retry: RetryPolicies
    let workerID: WorkerID
    let deadlines: JobDeadlines
    let logger: Logger
    /// Snoozes a job may take before a snooze counts as a failed attempt.
    var maxSnoozes = WorkerConfiguration.defaultMaxSnoozes

    /// How long a handler that lost the race (timeout, lost lease, shutdown) may take to
    /// return after its cancellation before the worker stops waiting for it: 10 s.
    static let stoppedHandlerGrace: Duration = .seconds(10)

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
        let clock = ContinuousClock()
        let started = clock.now
        let context = JobContext(
            job: job, workerID: workerID, idempotencyKey: "wharf-job-\(job.id)", deadline: started + entry.timeout,
            timeout: entry.timeout, logger: logger)

        // The handler races its stop signal (timeout, lost lease, shutdown); the first to end
        // decides. A stopped handler that ignores cancellation is abandoned after a grace period
        // rather than waited for (see RunRace), so it can neither hold its slot nor block shutdown.
        let armed = deadlines.arm(signal, at: started + entry.timeout)
        let result = await RunRace.run(entry.handler, context, signal: signal, grace: Self.stoppedHandlerGrace)
        deadlines.disarm(armed)
        let duration = clock.now - started
        RuntimeMetrics.ran(job, for: duration)

        switch result {
        case .finished(.success):
            return .complete
        case .finished(.failure(let message)):
            return failed(job, .error, .transient(message))
        case .finished(.retry(let after, let reason)):
            return failed(job, .error, .transient(reason, retryAfter: after))
        case .finished(.snooze(let delay)):
            // Kept to the accepted run_at range, like a retry delay.
            let bounded = min(max(delay, .zero), DurationParsing.maximum)
            let capped = failed(job, .error, .transient("snoozed \(maxSnoozes) times, the most a job may (max_snoozes); counted as a failed attempt"))
            guard case .fail(let failure, let decision, let reason) = capped else { return capped }
            return .snooze(delay: bounded, max: maxSnoozes, capped: (failure, decision, reason))
        case .finished(.permanentFailure(let message)):
            return failed(job, .permanent, .permanent(message))
        case .threw(let description):
            return failed(job, .error, .transient(description))
        case .stopped(.timedOut):
            return failed(job, .timeout, .transient("timed out after \(entry.timeout)"))
        case .stopped(.leaseLost):
            RuntimeMetrics.leaseLost(job)
            logger.warning("Lease lost; job stopped", metadata: metadata().merging(["job.duration": "\(duration)"]) { $1 })
            return nil
        case .stopped(.shutdown):
            return .release
        }
    }

    private func failed(_ job: Job, _ reason: FailureReason, _ failure: Failure) -> PendingOutcome {
        let policy = retry.policy(queue: job.queue, kind: job.kind)
        let decision = FailureDecision.decide(
            failure, attempt: job.attempt, jobMaxAttempts: job.maxAttempts, policy: policy, random: Double.random(in: 0..<1))
        return .fail(failure, decision, reason)
    }
}

/// One run of a handler against its stop signal. The handler runs in its own unstructured task,
/// so that when the signal wins the caller can return without waiting for a handler that
/// ignores cancellation (structured concurrency would wait for it, which is exactly the case a
/// timeout exists for). Per job this is one task and no timer: the deadline is watched by the
/// process's ``JobDeadlines``.
enum RunRace {
    enum Result: Sendable {
        case finished(HandlerOutcome)
        case threw(String)
        case stopped(StopReason)
    }

    static func run(_ handler: any JobHandler, _ context: JobContext, signal: StopSignal, grace: Duration) async -> Result {
        let race = Race<Result>()
        let handlerEnded = Flag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.install(continuation)
                signal.onStop { race.finish(.stopped($0)) }
                race.add(Task {
                    do {
                        race.finish(.finished(try await handler.handle(context)))
                    } catch {
                        // Thrown because it was stopped: the stop reason already decided.
                        if !Task.isCancelled { race.finish(.threw(String(reflecting: error))) }
                    }
                    handlerEnded.set()
                })
            }
        } onCancel: {
            // The calling task itself was cancelled (a hard stop): hand the job back.
            race.finish(.stopped(.shutdown))
        }
        if case .stopped = result {
            // A stopped handler gets this long to wind down (an exec command's process group is
            // sent SIGTERM, then SIGKILL) before it is abandoned.
            // A hard stop (this task cancelled) abandons it at once: the sleep would not wait.
            let deadline = ContinuousClock.now + grace
            while !handlerEnded.isSet, ContinuousClock.now < deadline, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        return result
    }
}

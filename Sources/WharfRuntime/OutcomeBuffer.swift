import Logging
import Synchronization
import WharfCore

/// A result to write for a job that ran.
enum PendingOutcome: Sendable {
    case complete
    case fail(Failure, FailureDecision, FailureReason)
    /// Handed back on shutdown: no attempt used.
    case release
    /// The handler's "not yet": back after `delay`, no attempt used, at most `max` times; past
    /// that, `capped` is written instead.
    case snooze(delay: Duration, max: Int, capped: (Failure, FailureDecision, FailureReason))
}

/// Holds finished jobs' outcomes until they are written, and writes them in batches: all
/// completions pending at a moment go out in one fenced statement. A small queue's completion
/// first waits up to ``handoff`` for a producer to take it (``takeCompletions(max:)``) and write
/// it with its next claim, one statement for both; the rest this buffer writes itself. While the database is down
/// the outcomes stay here and are retried with backoff; if a lease expires meanwhile, the fenced
/// write reports `.leaseLost` and the job runs again elsewhere (at least once, never lost).
final class OutcomeBuffer: Sendable {
    struct Item: Sendable {
        var job: Job
        var ref: ClaimRef
        var outcome: PendingOutcome
        /// How long the handler ran, for the log.
        var duration: Duration? = nil
        /// An earlier write of this outcome failed without an answer (cut connection, time
        /// limit): it may have committed. A later `.leaseLost` is then checked against the row.
        var uncertain = false
        /// When it was added: a completion is offered to the producers until `added + handoff`.
        var added = ContinuousClock.now
        /// Offered to the producers (its queue's producer writes completions with its claims);
        /// otherwise the writer writes it at once.
        var offered = false

        var isCompletion: Bool { if case .complete = outcome { true } else { false } }
    }

    private let items = Mutex<[Item]>([])
    private let wake = WakeSignal()
    private let stopping = Flag()
    let store: any WorkerJobStore
    let batchSize: Int
    let workerID: WorkerID
    let tally: ActivityTally
    let logger: Logger
    /// How long an offered completion waits for a producer's claim before this buffer writes it
    /// alone. A producer takes completions as soon as it claims for the slots
    /// their jobs freed, so on a healthy worker this is never reached; the writer's next look
    /// (at most a second later) writes those of a producer that is stuck (a claim that failed and
    /// backs off) or stopped (shutdown).
    let handoff: Duration
    static let defaultHandoff: Duration = .milliseconds(50)

    init(
        store: any WorkerJobStore, batchSize: Int, workerID: WorkerID, tally: ActivityTally, logger: Logger,
        handoff: Duration = defaultHandoff
    ) {
        self.handoff = handoff
        self.tally = tally
        self.store = store
        self.batchSize = batchSize
        self.workerID = workerID
        self.logger = logger
    }

    func add(_ item: Item) {
        items.withLock { $0.append(item) }
        // A completion offered to the producers does not wake the writer: a producer takes it
        // within moments, and waking the writer for each (a task switch and a timer per job) was
        // a visible share of a small queue's CPU. One no producer takes is written when the
        // writer next looks, within about a second.
        if dueAt(item) <= item.added { wake.signal() }
    }

    /// When this buffer writes `item` itself: at once, or for a completion offered to the
    /// producers, once its handoff is over. An outcome whose earlier write failed is due at once.
    private func dueAt(_ item: Item) -> ContinuousClock.Instant {
        guard item.isCompletion, item.offered, !item.uncertain else { return item.added }
        return item.added + handoff
    }

    /// Takes up to `max` pending completions, oldest first, for a producer to write with its
    /// claim. It hands each back with ``settle(_:_:)`` once written, or ``putBack(_:)`` when the
    /// write failed.
    func takeCompletions(max: Int) -> [Item] {
        items.withLock { $0.removeAndReturn(max: max) { $0.isCompletion && $0.offered } }
    }

    /// Records what the producer's write of `taken` did: one result per item, in order.
    func settle(_ taken: [Item], _ results: [FencedOutcome]) async {
        for (item, result) in zip(taken, results) { record(item, await confirmed(item, result)) }
    }

    /// Returns completions whose write failed without an answer (it may have committed): this
    /// buffer retries them, as it does its own.
    func putBack(_ taken: [Item]) {
        if taken.isEmpty { return }
        items.withLock { $0.insert(contentsOf: taken.map { var item = $0; item.uncertain = true; return item }, at: 0) }
        wake.signal()
    }

    var pendingCount: Int { items.withLock { $0.count } }
    /// Claims whose outcome is not written yet: the heartbeat keeps their leases alive.
    var pendingRefs: [ClaimRef] { items.withLock { $0.map(\.ref) } }

    /// Writes outcomes as they arrive until ``stop()`` (or cancellation). Stop it with ``stop()``
    /// on a graceful shutdown: cancelling it would abandon a write in flight that may already
    /// have committed, and its retry would then report the job's lease as lost.
    func run() async {
        var backoff = RetryBackoff()
        while !Task.isCancelled && !stopping.isSet {
            let next = items.withLock { $0.lazy.map(dueAt).min() }
            let now = ContinuousClock.now
            if let next {
                if next > now { await wake.wait(timeout: next - now) }
            } else {
                await wake.wait(timeout: .seconds(1))
            }
            if await flushOnce(dueBy: .now) {
                backoff.reset()
            } else {
                try? await Task.sleep(for: backoff.next())
            }
        }
    }

    /// Ends ``run()`` once the write in flight, if any, has finished.
    func stop() {
        stopping.set()
        wake.signal()
    }

    /// Keeps flushing until nothing is pending or `deadline` passes. Returns what is left.
    func drain(deadline: ContinuousClock.Instant) async -> Int {
        var backoff = RetryBackoff()
        while pendingCount > 0, ContinuousClock.now < deadline {
            if !(await flushOnce()) { try? await Task.sleep(for: min(backoff.next(), deadline - .now)) }
        }
        return pendingCount
    }

    /// Takes everything pending (with `dueBy`: what is due by then) and writes it. Returns
    /// `false` (and puts back what was not written) when the store failed.
    func flushOnce(dueBy: ContinuousClock.Instant? = nil) async -> Bool {
        let taken = items.withLock { items -> [Item] in
            guard let dueBy else {
                defer { items = [] }
                return items
            }
            return items.removeAndReturn { dueAt($0) <= dueBy }
        }
        if taken.isEmpty { return true }
        var written = Set<ClaimRef>()
        do {
            let completes = taken.filter { if case .complete = $0.outcome { true } else { false } }
            let releases = taken.filter { if case .release = $0.outcome { true } else { false } }
            for chunk in completes.chunked(batchSize) {
                let outcomes = try await store.complete(chunk.map(\.ref))
                for (item, outcome) in zip(chunk, outcomes) { record(item, await confirmed(item, outcome)) }
                written.formUnion(chunk.map(\.ref))
            }
            for chunk in releases.chunked(batchSize) {
                let outcomes = try await store.release(chunk.map(\.ref))
                for (item, outcome) in zip(chunk, outcomes) { record(item, await confirmed(item, outcome)) }
                written.formUnion(chunk.map(\.ref))
            }
            for item in taken {
                switch item.outcome {
                case .fail(let failure, let decision, _):
                    record(item, await confirmed(item, try await store.fail(item.ref, failure: failure, decision: decision)))
                case .snooze(let delay, let max, let capped):
                    try await snooze(item, delay: delay, max: max, capped: capped)
                case .complete, .release:
                    continue
                }
                written.insert(item.ref)
            }
            return true
        } catch {
            var unwritten = taken.filter { !written.contains($0.ref) }
            for index in unwritten.indices { unwritten[index].uncertain = true }
            logger.warning("Recording job outcomes failed; keeping them to retry", metadata: [
                "worker.id": "\(workerID)", "outcomes.pending": "\(unwritten.count)", "error.message": "\(String(reflecting: error))",
            ])
            items.withLock { $0.insert(contentsOf: unwritten, at: 0) }
            return false
        }
    }

    /// Writes a snooze; at the cap, the failed attempt it turns into.
    private func snooze(_ item: Item, delay: Duration, max: Int, capped: (Failure, FailureDecision, FailureReason)) async throws {
        switch try await store.snooze(item.ref, for: delay, maxSnoozes: max) {
        case .snoozed(let count):
            record(item, .applied, snoozes: count)
        case .leaseLost:
            record(item, await confirmed(item, .leaseLost))
        case .capReached:
            var failing = item
            failing.outcome = .fail(capped.0, capped.1, capped.2)
            record(failing, await confirmed(failing, try await store.fail(item.ref, failure: capped.0, decision: capped.1)))
        }
    }

    /// `.leaseLost` for an outcome whose earlier write may have committed is checked against the
    /// job: if its last state change is this very outcome, by this worker at this attempt, the
    /// earlier write did land, and the result is `.applied`. Only true losses are reported.
    private func confirmed(_ item: Item, _ result: FencedOutcome) async -> FencedOutcome {
        guard result == .leaseLost, item.uncertain else { return result }
        guard let job = try? await store.job(item.job.id), let last = job.history.last, last.worker == workerID.rawValue else {
            return result
        }
        let landed: Bool
        let event = last.transition?.event
        switch item.outcome {
        case .complete: landed = job.state == .completed && event == .succeeded && last.attempt == item.job.attempt
        case .release: landed = event == .released && last.attempt == item.job.attempt - 1
        case .snooze: landed = event == .snoozed && last.attempt == item.job.attempt - 1
        case .fail(_, .retry, _): landed = event == .failedWillRetry && last.attempt == item.job.attempt
        case .fail(_, .deadLetter, _): landed = false  // the row moved to dead_jobs: job(id) found nothing
        }
        return landed ? .applied : result
    }

    /// Counts the state change and logs it.
    private func record(_ item: Item, _ result: FencedOutcome, snoozes: Int? = nil) {
        let job = item.job
        guard result == .applied else {
            RuntimeMetrics.leaseLost(job)
            logger.warning("Lease lost; result discarded", metadata: metadata(item))
            return
        }
        switch item.outcome {
        case .complete:
            RuntimeMetrics.completed(job)
            tally.record(job.queue, completed: 1)
        case .release:
            RuntimeMetrics.released(job)
        case .snooze:
            RuntimeMetrics.snoozed(job)
        case .fail(_, let decision, let reason):
            let dead = if case .deadLetter = decision { true } else { false }
            RuntimeMetrics.failed(job.queue, job.kind, reason: reason, deadLettered: dead)
            tally.record(job.queue, failed: 1, deadLettered: dead ? 1 : 0)
        }
        // Metadata is built only when the line is logged (see JobExecutor).
        guard logger.logLevel <= .info else { return }
        var metadata = metadata(item)
        let message: Logger.Message
        let to: String
        switch item.outcome {
        case .complete:
            (message, to) = ("Job completed", "completed")
        case .release:
            (message, to) = ("Job released", "available")
        case .snooze(let delay, let max, _):
            metadata["snooze.delay"] = "\(delay)"
            metadata["snooze.count"] = "\(snoozes.map(String.init) ?? "?") of \(max)"
            (message, to) = ("Job snoozed", "available")
        case .fail(let failure, .retry(let delay), let reason):
            metadata["error.message"] = "\(failure.message)"
            metadata["error.class"] = "\(reason.rawValue)"
            metadata["retry.delay"] = "\(delay)"
            (message, to) = ("Job failed; will retry", "available")
        case .fail(let failure, .deadLetter(let deathReason), let reason):
            metadata["error.message"] = "\(failure.message)"
            metadata["error.class"] = "\(reason.rawValue)"
            metadata["dead.reason"] = "\(deathReason.rawValue)"
            (message, to) = ("Job dead-lettered", "dead")
        }
        metadata["job.state.from"] = "running"
        metadata["job.state.to"] = "\(to)"
        if let duration = item.duration { metadata["job.duration"] = "\(duration)" }
        logger.info(message, metadata: metadata)
    }

    private func metadata(_ item: Item) -> Logger.Metadata {
        let job = item.job
        return [
            "job.id": "\(job.id)", "job.kind": "\(job.kind)", "job.queue": "\(job.queue)", "job.attempt": "\(job.attempt)",
            "worker.id": "\(workerID)", "lease.token": "\(item.ref.token)",
        ]
    }
}

extension Array {
    /// Removes the first `max` elements that match, in order, and returns them.
    mutating func removeAndReturn(max: Int = .max, where matches: (Element) -> Bool) -> [Element] {
        var taken: [Element] = []
        removeAll { element in
            guard taken.count < max, matches(element) else { return false }
            taken.append(element)
            return true
        }
        return taken
    }

    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: Swift.max(1, size)).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

/// The real store, with a pause after each completion has committed: the window in which a
/// graceful shutdown used to cancel the write, whose retry then found the job already completed
/// and reported a lost lease.
struct CommitThenPauseStore: WorkerJobStore {
    let base: PostgresJobStore
    let pause: Duration
    /// Instead of pausing, the first completion call fails after its commit, as a connection cut
    /// between the commit and its answer makes it fail.
    var failFirstAfterCommit = false
    let completionsCommitted = Flag()
    let failedOnce = Flag()

    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    func complete(_ refs: [ClaimRef]) async throws -> [FencedOutcome] {
        let outcomes = try await base.complete(refs)
        completionsCommitted.set()
        if failFirstAfterCommit && !failedOnce.isSet {
            failedOnce.set()
            throw StoreError.unreachable(host: "test", port: 0, reason: "connection cut after the commit")
        }
        try? await Task.sleep(for: pause)
        return outcomes
    }

    func claim(queue: QueueName, limit: Int, worker: WorkerID, leaseTTL: Duration) async throws -> [Job] {
        try await base.claim(queue: queue, limit: limit, worker: worker, leaseTTL: leaseTTL)
    }
    /// In two calls, so that every completion goes through ``complete(_:)`` and its pause.
    func completeAndClaim(_ refs: [ClaimRef], queue: QueueName, limit: Int, worker: WorkerID, leaseTTL: Duration) async throws
        -> CompletedAndClaimed
    {
        let completed = refs.isEmpty ? [] : try await complete(refs)
        return CompletedAndClaimed(completed: completed, claimed: try await claim(queue: queue, limit: limit, worker: worker, leaseTTL: leaseTTL))
    }
    func fail(_ ref: ClaimRef, failure: Failure, decision: FailureDecision) async throws -> FencedOutcome {
        try await base.fail(ref, failure: failure, decision: decision)
    }
    func release(_ refs: [ClaimRef]) async throws -> [FencedOutcome] { try await base.release(refs) }
    func snooze(_ ref: ClaimRef, for delay: Duration, maxSnoozes: Int) async throws -> SnoozeResult {
        try await base.snooze(ref, for: delay, maxSnoozes: maxSnoozes)
    }
    func extendLeases(_ refs: [ClaimRef], ttl: Duration) async throws -> Set<ClaimRef> { try await base.extendLeases(refs, ttl: ttl) }
    func reclaimExpired(limit: Int) async throws -> ReclaimResult { try await base.reclaimExpired(limit: limit) }
    func pruneFinished(olderThan retention: Duration, limit: Int) async throws -> Int {
        try await base.pruneFinished(olderThan: retention, limit: limit)
    }
    func job(_ id: JobID) async throws -> Job? { try await base.job(id) }
}

@Suite("Graceful shutdown and outcome writes")
struct ShutdownOutcomeTests {
    /// One quick job, and a worker that writes through `store` and logs into `log`.
    func quickJobAndWorker(_ db: TestDatabase, store: CommitThenPauseStore, log: CapturedLog) async throws -> (JobID, WorkerService) {
        var handlers = HandlerRegistry()
        handlers.register(try JobKind("quick"), handler: ClosureHandler { _ in .success })
        let id = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("quick"))])[0].id
        var configuration = WorkerConfiguration(workerID: WorkerID("outcomes-\(UUID().uuidString.prefix(8))"), queues: [.init(name: .default, concurrency: 2)])
        configuration.leaseTTL = .seconds(10)
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.pollInterval = .milliseconds(200)
        configuration.gracePeriod = .seconds(5)
        let worker = WorkerService(
            configuration: configuration, store: store, registry: db.store, leader: db.store, wakeups: nil,
            handlers: handlers, version: "test", logger: log.logger)
        return (id, worker)
    }

    @Test("a completion in flight at shutdown finishes; the job is reported completed, not as a lost lease")
    func shutdownLetsTheOutcomeWriteFinish() async throws {
        try await withTestDatabase { db in
            let store = CommitThenPauseStore(base: db.store, pause: .seconds(2))
            let log = CapturedLog()
            let (id, worker) = try await quickJobAndWorker(db, store: store, log: log)
            try await running(worker) {
                // The completion has committed and its call has not returned yet: shut down now.
                try await expectEventually("the completion committed") { store.completionsCommitted.isSet }
            }
            let job = try #require(try await db.store.job(id))
            #expect(job.state == .completed && job.attempt == 1)
            #expect(!log.all.contains("Lease lost; result discarded"), "\(log.all)")
            #expect(log.all.contains("Job completed"))
        }
    }

    @Test("a completion whose answer was lost after it committed is reported completed when retried, not as a lost lease")
    func uncertainWriteIsConfirmed() async throws {
        try await withTestDatabase { db in
            var store = CommitThenPauseStore(base: db.store, pause: .zero)
            store.failFirstAfterCommit = true
            let log = CapturedLog()
            let (id, worker) = try await quickJobAndWorker(db, store: store, log: log)
            try await running(worker) {
                try await expectEventually("the retried write was answered") { log.all.contains("Job completed") || log.all.contains("Lease lost; result discarded") }
            }
            #expect(store.failedOnce.isSet)
            #expect(try await db.store.job(id)?.state == .completed)
            #expect(!log.all.contains("Lease lost; result discarded"), "\(log.all)")
            // The completion went with the producer's next claim (the failed write is logged as
            // the claim's) or alone from the outcome buffer.
            #expect(log.all.contains("Claim failed; retrying") || log.all.contains("Recording job outcomes failed; keeping them to retry"))
        }
    }
}

import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

/// A worker in this process on the test's schema, with short intervals.
func makeWorker(
    _ db: TestDatabase, handlers: HandlerRegistry, queues: [String: Int] = ["default": 8],
    configure: (inout WorkerConfiguration) -> Void = { _ in }, wakeups: Bool = true, maintenance: [any MaintenanceTask] = [],
    logger: Logger? = nil
) throws -> WorkerService {
    var configuration = WorkerConfiguration(
        workerID: WorkerID("test-\(UUID().uuidString.prefix(8))"),
        queues: try queues.sorted { $0.key < $1.key }.map { .init(name: try QueueName($0.key), concurrency: $0.value) })
    // No test here waits for a lease to run out (a lost lease is made by taking the job away),
    // so the lease is long: on a loaded 2-core CI machine a 3 s lease expired under a 200 ms
    // heartbeat, and jobs ran twice. Renewals still happen every 200 ms.
    configuration.leaseTTL = .seconds(10)
    configuration.heartbeatInterval = .milliseconds(200)
    configuration.pollInterval = .milliseconds(200)
    configuration.reaperInterval = .milliseconds(300)
    configuration.gracePeriod = .seconds(2)
    configuration.retry = RetryPolicies(default: try RetryPolicy(base: .milliseconds(20), cap: .milliseconds(50), jitter: .none))
    configure(&configuration)
    #expect(configuration.validate() == [])
    return WorkerService(
        configuration: configuration, store: db.store, registry: db.store, leader: db.store,
        wakeups: wakeups ? PostgresQueueWakeups(database: db.url, logger: db.logger) : nil,
        handlers: handlers, version: "test", logger: logger ?? db.logger, maintenance: maintenance)
}

/// Runs `worker` while `body` runs, then shuts it down gracefully and waits for it to finish.
func running(_ worker: WorkerService, _ body: () async throws -> Void) async throws {
    try await testGracefulShutdown { trigger in
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            do {
                try await body()
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            } catch {
                trigger.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}

func count(_ db: TestDatabase, _ query: PostgresQuery) async throws -> Int64 { try await db.scalar(query) }

final class Counter: Sendable {
    private let value = Mutex(0)
    func add(_ delta: Int) -> Int { value.withLock { $0 += delta; return $0 } }
    func increment() -> Int { add(1) }
    func decrement() -> Int { add(-1) }
    var current: Int { value.withLock { $0 } }
}

@Suite("Worker runtime against PostgreSQL")
struct WorkerServiceTests {
    @Test("a worker drains its queues with bounded concurrency and completes every job once")
    func drainsWithBoundedConcurrency() async throws {
        try await withTestDatabase { db in
            let inFlight = Counter(), peak = Mutex(0), runs = Counter()
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("work"), handler: ClosureHandler { _ in
                let now = inFlight.increment()
                peak.withLock { $0 = max($0, now) }
                try await Task.sleep(for: .milliseconds(5))
                _ = inFlight.decrement()
                _ = runs.increment()
                return .success
            })
            _ = try await db.store.enqueue((0..<400).map { i in
                EnqueueRequest(kind: try! JobKind("work"), options: try! EnqueueOptions(queue: try! QueueName(i % 2 == 0 ? "a" : "b")))  // safe: constant valid names
            })
            let worker = try makeWorker(db, handlers: handlers, queues: ["a": 4, "b": 3])
            try await running(worker) {
                try await expectEventually(timeout: .seconds(30)) { try await count(db, "SELECT count(*) FROM jobs WHERE state = 'completed'") == 400 }
            }
            #expect(runs.current == 400)
            #expect(peak.withLock { $0 } <= 7, "never more than the configured 4 + 3 at once")
            #expect(try await count(db, "SELECT count(*) FROM jobs WHERE attempt <> 1 OR jsonb_array_length(history) <> 3") == 0)
            #expect(try await count(db, "SELECT count(*) FROM workers") == 0, "deregistered on shutdown")
        }
    }

    @Test("a failing job is retried with backoff, then dead-lettered with every attempt's error")
    func failingJobIsRetriedThenDeadLettered() async throws {
        try await withTestDatabase { db in
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("flaky"), handler: ClosureHandler { context in .failure("no luck on attempt \(context.job.attempt)") })
            let id = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("flaky"), options: try EnqueueOptions(maxAttempts: 3))])[0].id
            try await running(try makeWorker(db, handlers: handlers)) {
                try await expectEventually { try await db.store.deadJob(id) != nil }
            }
            let dead = try #require(try await db.store.deadJob(id))
            #expect(dead.job.errors.map(\.error) == ["no luck on attempt 1", "no luck on attempt 2", "no luck on attempt 3"])
            #expect(dead.reason == .maxAttemptsExhausted)
        }
    }

    @Test("a job past its kind's timeout is stopped and counts as a failed attempt")
    func timeoutIsAFailedAttempt() async throws {
        try await withTestDatabase { db in
            let cancelled = Counter()
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("slow"), timeout: .milliseconds(300), handler: ClosureHandler { _ in
                do { try await Task.sleep(for: .seconds(60)) } catch { _ = cancelled.increment(); throw error }
                return .success
            })
            let id = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("slow"), options: try EnqueueOptions(maxAttempts: 1))])[0].id
            try await running(try makeWorker(db, handlers: handlers)) {
                try await expectEventually { try await db.store.deadJob(id) != nil }
            }
            let dead = try #require(try await db.store.deadJob(id))
            #expect(dead.job.errors.first?.error == "timed out after 0.3 seconds")
            #expect(cancelled.current == 1, "the handler saw the cancellation")
        }
    }

    @Test("unknown kinds and undecodable payloads fail the job with a clear error and crash nothing")
    func unknownKindsAndBadPayloadsFailCleanly() async throws {
        struct Order: Decodable, Sendable { var id: Int }
        try await withTestDatabase { db in
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("order"), as: Order.self) { _, _ in .success }
            let results = try await db.store.enqueue([
                EnqueueRequest(kind: try JobKind("mystery"), options: try EnqueueOptions(maxAttempts: 1)),
                EnqueueRequest(kind: try JobKind("order"), payload: try JobPayload(json: "{\"id\": \"seven\"}")),
                EnqueueRequest(kind: try JobKind("order"), payload: try JobPayload(json: "{\"id\": 7}")),
            ])
            try await running(try makeWorker(db, handlers: handlers)) {
                try await expectEventually { try await count(db, "SELECT count(*) FROM dead_jobs") == 2 }
                try await expectEventually { try await db.store.job(results[2].id)?.state == .completed }
            }
            let mystery = try #require(try await db.store.deadJob(results[0].id))
            #expect(mystery.job.errors.first?.error.contains("no handler for kind \"mystery\"") == true)
            let badPayload = try #require(try await db.store.deadJob(results[1].id))
            #expect(badPayload.reason == .permanentFailure)
            #expect(badPayload.job.errors.first?.error.contains("payload does not decode as Order") == true)
            #expect(badPayload.job.attempt == 1, "dead-lettered at once, not retried")
        }
    }

    @Test("a job whose lease is lost is stopped and its late result never overwrites the new state")
    func lostLeaseStopsTheJob() async throws {
        try await withTestDatabase { db in
            let started = Counter(), stopped = Counter()
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("long"), handler: ClosureHandler { _ in
                _ = started.increment()
                do { try await Task.sleep(for: .seconds(60)) } catch { _ = stopped.increment() }
                return .success  // the late result, which must be discarded
            })
            let id = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("long"))])[0].id
            try await running(try makeWorker(db, handlers: handlers)) {
                try await expectEventually { started.current == 1 }
                // An operator cancels the running job: the worker's next lease renewal misses.
                _ = try await db.store.cancel(id)
                try await expectEventually { stopped.current == 1 }
                try await Task.sleep(for: .milliseconds(300))  // give a wrong write the chance to happen
            }
            #expect(try await db.store.job(id)?.state == .cancelled)
        }
    }

    @Test("graceful shutdown: jobs that finish within the grace period complete, the rest go back without using an attempt")
    func gracefulShutdownDrainsThenHandsBack() async throws {
        try await withTestDatabase { db in
            let started = Counter()
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("sleep"), handler: ClosureHandler { context in
                _ = started.increment()
                let ms = context.job.payload.json.contains("short") ? 400 : 60_000
                try await Task.sleep(for: .milliseconds(ms))
                return .success
            })
            let ids = try await db.store.enqueue([
                EnqueueRequest(kind: try JobKind("sleep"), payload: try JobPayload(json: "\"short\"")),
                EnqueueRequest(kind: try JobKind("sleep"), payload: try JobPayload(json: "\"long\"")),
            ]).map(\.id)
            // 3 s of grace for a 400 ms job: room for a loaded machine, and the 60 s job still
            // cannot finish in it.
            let worker = try makeWorker(db, handlers: handlers) { $0.gracePeriod = .seconds(3) }
            try await running(worker) {
                try await expectEventually { started.current == 2 }
            }
            #expect(try await db.store.job(ids[0])?.state == .completed)
            let handedBack = try #require(try await db.store.job(ids[1]))
            #expect(handedBack.state == .available)
            #expect(handedBack.attempt == 0)
            #expect(handedBack.history.last?.event == "released")
        }
    }

    @Test("a notification wakes an idle worker long before its poll interval")
    func notificationWakesIdleWorker() async throws {
        try await withTestDatabase { db in
            let ran = Counter()
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("ping"), handler: ClosureHandler { _ in _ = ran.increment(); return .success })
            let worker = try makeWorker(db, handlers: handlers) { $0.pollInterval = .seconds(120) }
            try await running(worker) {
                // Let the worker do its first (empty) claim and start listening.
                try await expectEventually { try await count(db, "SELECT count(*) FROM workers") == 1 }
                try await Task.sleep(for: .milliseconds(500))
                _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("ping"))])
                // With a 120 s poll interval, only the NOTIFY can make this happen in time.
                try await expectEventually(timeout: .seconds(30)) { ran.current == 1 }
            }
        }
    }

    @Test("without notifications, polling still picks up new and scheduled jobs")
    func pollingCatchesWhatNotificationsMiss() async throws {
        try await withTestDatabase { db in
            let ran = Counter()
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("ping"), handler: ClosureHandler { _ in _ = ran.increment(); return .success })
            let worker = try makeWorker(db, handlers: handlers, wakeups: false)
            try await running(worker) {
                _ = try await db.store.enqueue([
                    EnqueueRequest(kind: try JobKind("ping")),
                    EnqueueRequest(kind: try JobKind("ping"), options: try EnqueueOptions(schedule: .after(.milliseconds(700)))),
                ])
                try await expectEventually(timeout: .seconds(30)) { ran.current == 2 }
            }
        }
    }
}


import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

@Suite("Maintenance: reaper and leadership")
struct MaintenanceTests {
    @Test("one reaper pass requeues expired jobs, dead-letters expired last attempts and prunes silent workers")
    func reaperPass() async throws {
        try await withTestDatabase { db in
            let requeue = try await JobFactory.insert(db, state: .running, attempt: 1, maxAttempts: 5, worker: "gone:1", leaseExpiresAt: Date().addingTimeInterval(-2))
            let kill = try await JobFactory.insert(db, state: .running, attempt: 5, maxAttempts: 5, worker: "gone:1", leaseExpiresAt: Date().addingTimeInterval(-2))
            let healthy = try await JobFactory.insert(db, state: .running, attempt: 1, leaseExpiresAt: Date().addingTimeInterval(60))
            try await db.store.register(WorkerInfo(id: WorkerID("gone:1"), host: "gone", pid: 1, queues: [.default], concurrency: 1, version: "t"))
            try await db.store.register(WorkerInfo(id: WorkerID("alive:2"), host: "alive", pid: 2, queues: [.default], concurrency: 1, version: "t"))
            try await db.query("UPDATE workers SET heartbeat_at = now() - interval '10 minutes' WHERE id = 'gone:1'")

            let reaper = Reaper(store: db.store, registry: db.store, staleWorkerAfter: .seconds(90), logger: db.logger)
            let result = try await reaper.runOnce()
            #expect(result.requeued == [requeue.id])
            #expect(result.deadLettered == [kill.id])
            #expect(result.prunedWorkers == [WorkerID("gone:1")])
            #expect(try await db.store.job(healthy.id)?.state == .running)
            #expect(try await db.store.workers().map(\.id) == [WorkerID("alive:2")])
            #expect(try await reaper.runOnce().isEmpty, "a second pass finds nothing")
        }
    }

    @Test("the reaper deletes finished jobs past retention, oldest first, and nothing else")
    func reaperPrunesFinishedJobs() async throws {
        try await withTestDatabase { db in
            let old = try await JobFactory.insert(db, state: .completed, attempt: 1)
            let oldCancelled = try await JobFactory.insert(db, state: .cancelled)
            let recent = try await JobFactory.insert(db, state: .completed, attempt: 1)
            let waiting = try await JobFactory.insert(db)
            try await db.query("UPDATE jobs SET finished_at = now() - interval '2 days' WHERE id IN (\(old.id.rawValue), \(oldCancelled.id.rawValue))")
            let reaper = Reaper(store: db.store, registry: db.store, staleWorkerAfter: .seconds(90), retention: .seconds(86_400), logger: db.logger)
            #expect(try await reaper.runOnce().prunedJobs == 2)
            #expect(try await db.store.job(old.id) == nil)
            #expect(try await db.store.job(oldCancelled.id) == nil)
            #expect(try await db.store.job(recent.id) != nil)
            #expect(try await db.store.job(waiting.id) != nil)
            let keepForever = Reaper(store: db.store, registry: db.store, staleWorkerAfter: .seconds(90), retention: nil, logger: db.logger)
            try await db.query("UPDATE jobs SET finished_at = now() - interval '200 days' WHERE id = \(recent.id.rawValue)")
            #expect(try await keepForever.runOnce().prunedJobs == 0)
        }
    }

    @Test("the leader runs added tasks after the standard ones, each on its own interval; a failing task does not stop the others")
    func addedTasksRunOnTheirIntervals() async throws {
        try await withTestDatabase { db in
            let everyTick = CountingTask(name: "every tick", interval: .zero)
            let failing = CountingTask(name: "failing", interval: .zero, fails: true)
            let hourly = CountingTask(name: "hourly", interval: .seconds(3600))
            // On a queue this worker does not serve, so it stays `available` once rescued.
            let expired = try await JobFactory.insert(db, queue: "elsewhere", state: .running, attempt: 1, maxAttempts: 5, worker: "gone:1", leaseExpiresAt: Date().addingTimeInterval(-2))
            let worker = try makeWorker(db, handlers: HandlerRegistry(), maintenance: [failing, everyTick, hourly])
            try await running(worker) {
                try await expectEventually("both every-tick tasks ran three times") { everyTick.runs.current >= 3 && failing.runs.current >= 3 }
                #expect(hourly.runs.current == 1, "an hourly task runs once, on the first tick")
                #expect(try await db.store.job(expired.id)?.state == .available, "the standard lease rescuer still ran")
            }
        }
    }

    @Test("leadership: one holder at a time, renewable by its holder, taken over after it expires or is released")
    func leadership() async throws {
        try await withTestDatabase { db in
            let a = WorkerID("a"), b = WorkerID("b")
            // Long TTLs, so a slow machine cannot let a lease run out between two checks; the
            // expiry is then made to happen with an UPDATE instead of a wait.
            #expect(try await db.store.tryAcquire("maintenance", holder: a, ttl: .seconds(30)))
            #expect(try await !db.store.tryAcquire("maintenance", holder: b, ttl: .seconds(30)))
            #expect(try await db.store.tryAcquire("maintenance", holder: a, ttl: .seconds(30)), "the holder renews")
            #expect(try await db.store.tryAcquire("other-task", holder: b, ttl: .seconds(5)), "names are independent")
            // a dies (stops renewing): b takes over once a's lease has run out.
            try await db.query("UPDATE leaders SET expires_at = now() - interval '1 second' WHERE name = 'maintenance'")
            #expect(try await db.store.tryAcquire("maintenance", holder: b, ttl: .seconds(5)))
            #expect(try await !db.store.tryAcquire("maintenance", holder: a, ttl: .seconds(5)))
            try await db.store.release("maintenance", holder: b)
            #expect(try await db.store.tryAcquire("maintenance", holder: a, ttl: .seconds(5)), "released: free at once")
        }
    }

    @Test("concurrent acquirers: exactly one wins")
    func concurrentAcquirersOneWins() async throws {
        try await withTestDatabase { db in
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<12 { group.addTask { try await db.store.tryAcquire("maintenance", holder: WorkerID("w\(i)"), ttl: .seconds(30)) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1)
        }
    }

    @Test("a worker whose row was pruned registers again on its next heartbeat")
    func prunedWorkerComesBack() async throws {
        try await withTestDatabase { db in
            let id = WorkerID("frozen:1")
            try await db.store.register(WorkerInfo(id: id, host: "h", pid: 1, queues: [.default], concurrency: 2, version: "t"))
            #expect(try await db.store.heartbeat(id, activity: WorkerActivity()))
            try await db.store.deregister(id)
            #expect(try await !db.store.heartbeat(id, activity: WorkerActivity()))
        }
    }
}

/// A maintenance task that counts its passes, and fails each one if asked to.
struct CountingTask: MaintenanceTask {
    struct Planned: Error {}
    let name: String
    let interval: Duration
    var fails = false
    let runs = Counter()
    func runOnce() async throws -> Int {
        let count = runs.increment()
        if fails { throw Planned() }
        return count
    }
}

@Suite("Worker configuration")
struct WorkerConfigurationTests {
    @Test("validation lists every problem with its setting")
    func validationListsEveryProblem() throws {
        var configuration = WorkerConfiguration(workerID: WorkerID("w"), queues: [.init(name: .default, concurrency: 0), .init(name: .default)])
        configuration.leaseTTL = .seconds(10)
        configuration.heartbeatInterval = .seconds(5)
        configuration.reaperInterval = .seconds(20)
        let problems = configuration.validate()
        #expect(problems.count == 4)
        #expect(problems.contains { $0.hasPrefix("queues.default: listed twice") })
        #expect(problems.contains { $0.hasPrefix("queues.default.concurrency: 0 is out of range") })
        #expect(problems.contains { $0.hasPrefix("heartbeat_interval:") && $0.contains("a third of lease_ttl") })
        #expect(problems.contains { $0.hasPrefix("reaper_interval:") })
    }

    @Test("the defaults are valid")
    func defaultsAreValid() {
        #expect(WorkerConfiguration(workerID: WorkerID("w"), queues: [.init(name: .default)]).validate() == [])
    }
}

import Foundation
import PostgresNIO
import Testing
import WharfCore
@testable import WharfPostgres
import WharfTesting

@Suite("Monitoring reads")
struct MonitoringQueryTests {
    @Test("the queue overview counts due, scheduled, running and dead jobs and paused queues, never finished ones")
    func overviewCounts() async throws {
        try await withTestDatabase { db in
            let due = Date().addingTimeInterval(-30)
            for _ in 0..<3 { try await JobFactory.insert(db, queue: "a", runAt: due) }
            try await JobFactory.insert(db, queue: "a", runAt: Date().addingTimeInterval(3600))
            try await JobFactory.insert(db, queue: "a", state: .running)
            try await JobFactory.insert(db, queue: "a", state: .completed)
            try await JobFactory.insert(db, queue: "b", state: .cancelled)
            try await JobFactory.insertDead(db, queue: "c")
            try await db.store.setPaused(try QueueName("d"), paused: true)
            let overview = try await db.store.queueOverview()
            #expect(overview.map(\.queue.rawValue) == ["a", "c", "d"], "b has only finished jobs")
            let a = try #require(overview.first)
            #expect((a.available, a.scheduled, a.running, a.dead, a.paused) == (3, 1, 1, 0, false))
            // Age on the database clock, which is this machine's: compare with the time elapsed
            // since `due`, whatever this (possibly slow) test took to get here.
            #expect(abs((a.oldestAvailableAgeSeconds ?? 0) - Date().timeIntervalSince(due)) < 2)
            #expect(overview[1].dead == 1 && overview[1].oldestAvailableAgeSeconds == nil)
            #expect(overview[2].paused)
            try await db.store.setPaused(try QueueName("d"), paused: false)
            #expect(try await db.store.pausedQueues().isEmpty)
        }
    }

    @Test("with many finished rows the overview is served by partial indexes, not a scan of the table")
    func overviewUsesIndexes() async throws {
        try await withTestDatabase { db in
            try await db.query("""
                INSERT INTO jobs (queue, kind, state, attempt, started_at, finished_at)
                SELECT 'q' || (i % 5), 'k', 'completed', 1, now(), now() FROM generate_series(1, 50000) i
                """)
            for _ in 0..<20 { try await JobFactory.insert(db, queue: "q1") }
            try await db.query("ANALYZE jobs")
            let rows = try await db.query(PostgresQuery(unsafeSQL: "EXPLAIN " + QueueOverviewGet.sql))
            let text = try rows.map { try $0.decode(String.self) }.joined(separator: "\n")
            #expect(!text.contains("Seq Scan on jobs"), "\(text)")
            #expect(text.contains("jobs_claimable_idx") && text.contains("jobs_lease_expiry_idx"), "\(text)")
        }
    }

    @Test("recent failures merge jobs waiting to retry with dead jobs, newest first, with the last error")
    func recentFailures() async throws {
        try await withTestDatabase { db in
            let id = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("flaky"), options: try EnqueueOptions(maxAttempts: 5))])[0].id
            let job = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30)).first)
            _ = try await db.store.fail(try #require(job.claimRef), failure: .transient("socket closed"), decision: .retry(after: .seconds(60)))
            try await Task.sleep(for: .milliseconds(20))
            let dead = try await JobFactory.insertDead(db, error: "no such user")
            let failures = try await db.store.recentFailures(limit: 10)
            #expect(failures.map(\.jobID) == [dead, id])
            #expect(failures[0].dead && failures[0].error == "no such user")
            #expect(!failures[1].dead && failures[1].error == "socket closed" && failures[1].attempt == 1)
            #expect(try await db.store.recentFailures(limit: 1).count == 1)
        }
    }

    @Test("recent timings give each completed job's wait and run time")
    func recentTimings() async throws {
        try await withTestDatabase { db in
            try await db.query("""
                INSERT INTO jobs (queue, kind, state, attempt, run_at, started_at, finished_at)
                VALUES ('q', 'k', 'completed', 1, now() - interval '10 s', now() - interval '7 s', now() - interval '4 s')
                """)
            let timings = try await db.store.recentTimings(limit: 10)
            #expect(timings.count == 1)
            #expect(abs(timings[0].waitSeconds - 3) < 0.01 && abs(timings[0].runSeconds - 3) < 0.01)
        }
    }

    @Test("a heartbeat records the worker's load and per-queue counts, and the listing returns them")
    func heartbeatActivity() async throws {
        try await withTestDatabase { db in
            let id = WorkerID("w-activity")
            try await db.store.register(WorkerInfo(id: id, host: "h", pid: 1, queues: [.default], concurrency: 4, version: "t"))
            let activity = WorkerActivity(running: 3, queues: ["default": QueueActivity(completed: 10, failed: 2, deadLettered: 1)])
            #expect(try await db.store.heartbeat(id, activity: activity))
            #expect(try await db.store.workers().first?.activity == activity)
        }
    }
}

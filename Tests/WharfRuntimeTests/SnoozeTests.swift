import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

/// A handler's "not yet" against a real database: no attempt used, each snooze in the history,
/// the cap turning the next one into a failed attempt, and the fence.
@Suite("Snoozing")
struct SnoozeTests {
    @Test("a job that snoozes twice then succeeds completes at attempt 1, with both snoozes in its history and run_at pushed back")
    func snoozeThenSucceed() async throws {
        try await withTestDatabase { db in
            let runs = Counter()
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("later"), handler: ClosureHandler { _ in
                runs.increment() <= 2 ? .snooze(for: .milliseconds(300)) : .success
            })
            let job = try await JobFactory.insert(db, kind: "later")
            try await running(try makeWorker(db, handlers: handlers)) {
                try await expectEventually("completed", timeout: .seconds(60)) { try await db.store.job(job.id)?.state == .completed }
            }
            let done = try #require(try await db.store.job(job.id))
            #expect(done.attempt == 1 && done.errors.isEmpty && runs.current == 3)
            let events = done.history.compactMap { $0.transition?.event }
            #expect(events == [.claimed, .snoozed, .claimed, .snoozed, .claimed, .succeeded], "\(events)")
            let snoozes = done.history.filter { $0.transition?.event == .snoozed }
            #expect(snoozes.map(\.attempt) == [0, 0], "a snooze gives the claim's attempt back")
            // Each claim after a snooze came at least the delay later (the database's clock).
            let gaps = try await db.query("""
                SELECT extract(epoch FROM (h2->>'at')::timestamptz - (h1->>'at')::timestamptz)::float8
                FROM jobs, jsonb_array_elements(history) WITH ORDINALITY AS a(h1, i), jsonb_array_elements(history) WITH ORDINALITY AS b(h2, k)
                WHERE id = \(job.id.rawValue) AND k = i + 1 AND h1->>'event' = 'snoozed'
                """).map { try $0.decode(Double.self) }
            #expect(gaps.count == 2 && gaps.allSatisfy { $0 >= 0.3 }, "\(gaps)")
        }
    }

    @Test("past max_snoozes a snooze counts as a failed attempt with a clear error; the attempts then run out as usual")
    func capTurnsIntoFailure() async throws {
        try await withTestDatabase { db in
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("never"), handler: ClosureHandler { _ in .snooze(for: .milliseconds(10)) })
            let job = try await JobFactory.insert(db, kind: "never", maxAttempts: 2)
            let worker = try makeWorker(db, handlers: handlers) { $0.maxSnoozes = 3 }
            try await running(worker) {
                try await expectEventually("dead-lettered", timeout: .seconds(60)) { try await db.store.deadJob(job.id) != nil }
            }
            let dead = try #require(try await db.store.deadJob(job.id))
            #expect(dead.job.attempt == 2 && dead.reason == .maxAttemptsExhausted)
            #expect(dead.job.errors.count == 2)
            #expect(dead.job.errors.map(\.error).allSatisfy { $0.contains("snoozed 3 times, the most a job may (max_snoozes)") })
            let events = dead.job.history.compactMap { $0.transition?.event }
            #expect(events.filter { $0 == .snoozed }.count == 3, "three snoozes, then the cap: \(events)")
            #expect(events.filter { $0 == .failedWillRetry }.count == 1)
        }
    }

    @Test("the store: a snooze is fenced by the lease, counts the history's snoozes and writes nothing at the cap")
    func storeSnooze() async throws {
        try await withTestDatabase { db in
            let job = try await JobFactory.insert(db, kind: "k")
            func claim() async throws -> ClaimRef {
                let claimed = try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30))
                return try #require(claimed.first?.claimRef)
            }
            let first = try await claim()
            #expect(try await db.store.snooze(first, for: .zero, maxSnoozes: 2) == .snoozed(count: 1))
            #expect(try await db.store.snooze(first, for: .zero, maxSnoozes: 2) == .leaseLost, "the claim it belonged to is over")
            let second = try await claim()
            #expect(try await db.store.snooze(second, for: .seconds(3600), maxSnoozes: 2) == .snoozed(count: 2))
            let later = try #require(try await db.store.job(job.id))
            #expect(later.state == .available && later.attempt == 0 && later.runAt > Date().addingTimeInterval(3000))
            _ = try await db.query("UPDATE jobs SET run_at = now() WHERE id = \(job.id.rawValue)")
            let third = try await claim()
            #expect(try await db.store.snooze(third, for: .zero, maxSnoozes: 2) == .capReached(2))
            #expect(try await db.store.job(job.id)?.state == .running, "at the cap nothing is written")
        }
    }
}

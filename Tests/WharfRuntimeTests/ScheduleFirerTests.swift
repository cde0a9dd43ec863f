import Foundation
import Logging
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

/// The schedule firer against a real database: missed-tick policies, exactly one job per tick
/// with two firers racing, and a schedule the leader cannot read.
@Suite("Cron schedules: firing")
struct ScheduleFirerTests {
    /// A yearly schedule (1 January, 00:00 UTC) whose anchor is three years and a day back, so
    /// exactly three ticks are due, whatever the day the test runs (except in the minute after
    /// New Year, when the newest tick may not have been counted yet by the skip rule).
    static func yearly(_ db: TestDatabase, _ name: String, missed: String) async throws {
        _ = try await db.query("SELECT schedule(\(name), '0 0 1 1 *', 'report', missed => \(missed))")
        _ = try await db.query("UPDATE schedules SET anchor = now() - interval '3 years 1 day' WHERE name = \(name)")
    }

    static func jobs(_ db: TestDatabase, _ name: String) async throws -> [String] {
        try await db.query("SELECT unique_key FROM jobs WHERE unique_key LIKE \("cron:\(name):%") ORDER BY id").map { try $0.decode(String.self) }
    }

    @Test("all runs every missed tick in order, latest runs the newest once, skip runs none; a second pass fires nothing")
    func missedTickPolicies() async throws {
        try await withTestDatabase { db in
            try await Self.yearly(db, "every", missed: "all")
            try await Self.yearly(db, "newest", missed: "latest")
            try await Self.yearly(db, "none", missed: "skip")
            let firer = ScheduleFirer(store: db.store, logger: db.logger)
            let fired = try await firer.runOnce()
            #expect(Set(fired.map(\.name)) == ["every", "newest", "none"])
            let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .gmt, from: Date()).year ?? 0
            #expect(try await Self.jobs(db, "every") == (year - 2...year).map { "cron:every:\($0)-01-01T00:00:00Z" })
            #expect(try await Self.jobs(db, "newest") == ["cron:newest:\(year)-01-01T00:00:00Z"])
            #expect(try await Self.jobs(db, "none") == [])
            // The schedule records the job of its newest tick, whatever the order of the batch.
            let newestJob = try await db.scalar("SELECT id FROM jobs WHERE unique_key = \("cron:every:\(year)-01-01T00:00:00Z")", as: Int64.self)
            #expect(try await db.scalar("SELECT last_job_id FROM schedules WHERE name = 'every'", as: Int64?.self) == newestJob)
            #expect(try await db.scalar("SELECT last_job_id FROM schedules WHERE name = 'none'", as: Int64?.self) == nil)
            // Each schedule now waits for next year: nothing is due, nothing fires again.
            #expect(try await firer.runOnce().isEmpty)
            let next = try await db.scalar("SELECT count(*) FROM schedules WHERE next_tick > now() AND last_tick IS NOT NULL", as: Int64.self)
            #expect(next == 3)
        }
    }

    @Test("two firers racing over the same due schedules enqueue each tick exactly once")
    func racingFirersFireOnce() async throws {
        try await withTestDatabase { db in
            for index in 0..<20 { try await Self.yearly(db, "race\(index)", missed: "all") }
            let first = ScheduleFirer(store: db.store, logger: db.logger), second = ScheduleFirer(store: db.store, logger: db.logger)
            async let a = first.runOnce()
            async let b = second.runOnce()
            let (fromFirst, fromSecond) = try await (a, b)
            let jobs = try await db.scalar("SELECT count(*) FROM jobs WHERE unique_key LIKE 'cron:race%'", as: Int64.self)
            let distinct = try await db.scalar("SELECT count(DISTINCT unique_key) FROM jobs WHERE unique_key LIKE 'cron:race%'", as: Int64.self)
            #expect(jobs == 60 && distinct == 60)
            // Every schedule was fired by exactly one of the two.
            #expect((fromFirst + fromSecond).filter { !$0.jobs.isEmpty }.count == 20)
        }
    }

    @Test("one pass fires every due schedule, batch after batch, not one batch a pass")
    func onePassFiresAllBatches() async throws {
        try await withTestDatabase { db in
            let count = ScheduleFirer.batchSize * 2 + 100
            _ = try await db.query(PostgresQuery(unsafeSQL: """
                INSERT INTO schedules (name, expression, kind, source, anchor)
                SELECT 'many-' || g, '0 0 1 1 *', 'report', 'sql', now() - interval '1 year 1 day' FROM generate_series(1, \(count)) g
                """))
            let fired = try await ScheduleFirer(store: db.store, logger: db.logger).runOnce()
            #expect(fired.count == count && fired.allSatisfy { $0.jobs.count == 1 })
            #expect(try await db.scalar("SELECT count(*) FROM jobs WHERE unique_key LIKE 'cron:many-%'", as: Int64.self) == Int64(count))
        }
    }

    @Test("after a pass the leader learns how long until the next tick, on the database's clock: none, due now, or the wait")
    func timeUntilNextTick() async throws {
        try await withTestDatabase { db in
            let firer = ScheduleFirer(store: db.store, logger: db.logger)
            #expect(try await db.store.timeUntilNextDue() == nil, "no schedules: nothing to wake for")
            // A daily schedule at the minute 12 hours from now (UTC), so the wait is known to
            // within the test's own run time.
            let target = try await db.scalar("SELECT to_char((now() + interval '12 hours') AT TIME ZONE 'UTC', 'MI HH24')", as: String.self)
            _ = try await db.query(PostgresQuery(unsafeSQL: "SELECT schedule('daily', '\(target) * * *', 'report', missed => 'skip')"))
            #expect(try await db.store.timeUntilNextDue() == .zero, "never evaluated: due at once")
            let wait = try #require(try await firer.runPass())
            #expect(wait > .seconds(11 * 3600) && wait <= .seconds(12 * 3600), "\(wait)")
            _ = try await db.query("UPDATE schedules SET paused = true")
            #expect(try await firer.runPass() == nil, "only paused schedules: nothing to wake for")
        }
    }

    @Test("a schedule written around the checks is recorded as unreadable and left unfired; the others still fire")
    func unreadableScheduleIsRecorded() async throws {
        try await withTestDatabase { db in
            try await Self.yearly(db, "good", missed: "latest")
            _ = try await db.query("SELECT schedule('bad', '0 0 1 1 *', 'report')")
            _ = try await db.query("UPDATE schedules SET expression = '99 99 * * *' WHERE name = 'bad'")
            let firer = ScheduleFirer(store: db.store, logger: db.logger)
            _ = try await firer.runOnce()
            let error = try await db.scalar("SELECT last_error FROM schedules WHERE name = 'bad'", as: String?.self)
            #expect(error?.contains("minute field") == true, "\(error ?? "nil")")
            let bad = try await Self.jobs(db, "bad"), good = try await Self.jobs(db, "good")
            #expect(bad == [] && good.count == 1)
            #expect(try await firer.runOnce().isEmpty, "the unreadable schedule is not retried every pass")
        }
    }

    @Test("the SQL function refuses a malformed expression and an unknown zone, and writes nothing")
    func sqlFunctionRefuses() async throws {
        try await withTestDatabase { db in
            for call in [
                "SELECT schedule('x', 'every day', 'report')", "SELECT schedule('x', '0 0 * * *', 'report', time_zone => 'Mars/Base')",
                "SELECT schedule('bad name!', '0 0 * * *', 'report')", "SELECT schedule('x', '0 0 * * *', 'report', missed => 'sometimes')",
            ] {
                do {
                    _ = try await db.query(PostgresQuery(unsafeSQL: call))
                    Issue.record("\(call) was accepted")
                } catch {}
            }
            let count = try await db.scalar("SELECT count(*) FROM schedules", as: Int64.self)
            let removed = try await db.scalar("SELECT unschedule('x')", as: Bool.self)
            #expect(count == 0 && !removed)
        }
    }

    @Test("a deployment's config schedules are synced: created, updated, removed when dropped from the file; others' are never taken over")
    func configSync() async throws {
        try await withTestDatabase { db in
            _ = try await db.query("SELECT schedule('mine', '0 0 * * *', 'report')")
            let nightly = try ScheduleDefinition(name: "nightly", expression: "0 3 * * *", kind: try JobKind("backup"))
            let hourly = try ScheduleDefinition(name: "hourly", expression: "@hourly", kind: try JobKind("sweep"))
            let clash = try ScheduleDefinition(name: "mine", expression: "@hourly", kind: try JobKind("other"))
            #expect(try await db.store.syncConfigSchedules([nightly, hourly, clash], deployment: "eu") == ["mine"])
            _ = try await db.store.syncConfigSchedules([nightly], deployment: "us")
            let rows = try await db.query("SELECT name || '=' || source || '=' || kind FROM schedules ORDER BY name").map { try $0.decode(String.self) }
            #expect(rows == ["hourly=config:eu=sweep", "mine=sql=report", "nightly=config:eu=backup"], "the us deployment does not take eu's nightly")
            var changed = nightly
            changed.expression = "0 4 * * *"
            _ = try await db.store.syncConfigSchedules([changed], deployment: "eu")
            let after = try await db.query("SELECT name || '=' || expression FROM schedules ORDER BY name").map { try $0.decode(String.self) }
            #expect(after == ["mine=0 0 * * *", "nightly=0 4 * * *"], "hourly left the file, so it left the table; mine stays")
        }
    }
}

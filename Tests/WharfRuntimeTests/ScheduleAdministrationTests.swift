import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

/// The operator side of schedules against a real database: define, show, pause and resume,
/// trigger, remove, and what a config file owns.
@Suite("Cron schedules: administration")
struct ScheduleAdministrationTests {
    static func definition(_ name: String, _ expression: String = "0 0 1 1 *", missed: MissedTickPolicy = .latest) throws -> ScheduleDefinition {
        try ScheduleDefinition(name: name, expression: expression, kind: try JobKind("report"), payload: try JobPayload(json: #"{"n": 1}"#), missed: missed)
    }

    @Test("define creates, then replaces keeping the last tick; a config-owned name is refused and left as it was")
    func defineAndOwnership() async throws {
        try await withTestDatabase { db in
            #expect(try await db.store.defineSchedule(Self.definition("report"), source: "api") == .created)
            _ = try await db.query("UPDATE schedules SET last_tick = '2025-01-01T00:00:00Z' WHERE name = 'report'")
            var changed = try Self.definition("report", "0 6 * * *")
            changed.queue = try QueueName("reports")
            #expect(try await db.store.defineSchedule(changed, source: "cli") == .replaced)
            let status = try #require(try await db.store.schedule(named: "report"))
            #expect(status.definition == changed && status.source == "cli")
            #expect(status.lastTick == Date(timeIntervalSince1970: 1_735_689_600), "replacing keeps the last tick")
            #expect(status.nextTick == nil, "the leader evaluates the new definition")

            _ = try await db.store.syncConfigSchedules([try Self.definition("owned")], deployment: "eu")
            #expect(try await db.store.defineSchedule(try Self.definition("owned", "@hourly"), source: "api") == .ownedByConfig(source: "config:eu"))
            do {
                _ = try await db.query("SELECT schedule('owned', '@daily', 'other')")
                Issue.record("wharf.schedule replaced a config-owned schedule")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.message]?.contains("belongs to config:eu") == true, "\(String(reflecting: error))")
            }
            let owned = try #require(try await db.store.schedule(named: "owned"))
            #expect(owned.definition.expression == "0 0 1 1 *" && owned.source == "config:eu")
            #expect(try await db.store.schedule(named: "missing") == nil)
            #expect(try await db.store.schedule(named: "") == nil)
            #expect(try await db.store.schedules().map(\.definition.name) == ["owned", "report"])
        }
    }

    @Test("a fired schedule shows its last job, that job's state and the lag; a trigger enqueues outside the ticks")
    func statusAndTrigger() async throws {
        try await withTestDatabase { db in
            try await ScheduleFirerTests.yearly(db, "yearly", missed: "latest")
            _ = try await ScheduleFirer(store: db.store, logger: db.logger).runOnce()
            let fired = try #require(try await db.store.schedule(named: "yearly"))
            let jobID = try #require(fired.lastJob?.id)
            #expect(fired.lastJob?.state == "available")
            #expect(try #require(fired.lastLagSeconds) > 0, "the tick (1 January) is in the past")
            #expect(try #require(fired.nextTick) > Date())

            let triggered = try #require(try await db.store.triggerSchedule("yearly"))
            let job = try #require(try await db.store.job(triggered))
            #expect(job.kind.rawValue == "report" && job.uniqueKey == nil && job.id != jobID)
            let after = try #require(try await db.store.schedule(named: "yearly"))
            #expect(after.lastTick == fired.lastTick && after.lastJob?.id == jobID, "a trigger leaves the ticks alone")
            #expect(try await db.store.triggerSchedule("missing") == nil)

            _ = try await db.query("DELETE FROM jobs WHERE id = \(jobID.rawValue)")
            let pruned = try #require(try await db.store.schedule(named: "yearly"))
            #expect(pruned.lastJob?.id == jobID && pruned.lastJob?.state == nil && pruned.lastLagSeconds == nil)
        }
    }

    @Test("a paused schedule does not fire; resumed, the ticks missed meanwhile follow its policy")
    func pauseAndResume() async throws {
        try await withTestDatabase { db in
            try await ScheduleFirerTests.yearly(db, "every", missed: "all")
            try await ScheduleFirerTests.yearly(db, "newest", missed: "latest")
            #expect(try await db.store.setSchedulePaused("every", paused: true))
            #expect(try await db.store.setSchedulePaused("newest", paused: true))
            #expect(try await !db.store.setSchedulePaused("missing", paused: true))
            let firer = ScheduleFirer(store: db.store, logger: db.logger)
            #expect(try await firer.runOnce().isEmpty)
            #expect(try await db.store.schedule(named: "every")?.paused == true)
            _ = try await db.store.setSchedulePaused("every", paused: false)
            _ = try await db.store.setSchedulePaused("newest", paused: false)
            _ = try await firer.runOnce()
            #expect(try await ScheduleFirerTests.jobs(db, "every").count == 3)
            #expect(try await ScheduleFirerTests.jobs(db, "newest").count == 1)
        }
    }

    @Test("remove returns the source and keeps the jobs; the table refuses instants the leader cannot step through")
    func removeAndRanges() async throws {
        try await withTestDatabase { db in
            try await ScheduleFirerTests.yearly(db, "gone", missed: "latest")
            _ = try await ScheduleFirer(store: db.store, logger: db.logger).runOnce()
            #expect(try await db.store.removeSchedule("gone") == "sql")
            #expect(try await db.store.removeSchedule("gone") == nil)
            #expect(try await ScheduleFirerTests.jobs(db, "gone").count == 1)

            _ = try await db.store.defineSchedule(try Self.definition("edge"), source: "api")
            for update in [
                "UPDATE schedules SET last_tick = 'infinity'", "UPDATE schedules SET anchor = '-infinity'",
                "UPDATE schedules SET last_tick = '0001-01-01T00:00:00Z'",
            ] {
                do {
                    _ = try await db.query(PostgresQuery(unsafeSQL: update))
                    Issue.record("\(update) was accepted")
                } catch {}
            }
        }
    }
}

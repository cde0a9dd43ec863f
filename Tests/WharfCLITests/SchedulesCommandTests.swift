import Foundation
import Testing
@testable import WharfCLI
import WharfCore
import WharfPostgres
import WharfTesting

@Suite("wharf schedules")
struct SchedulesCommandTests {
    @Test("list, show, pause, resume, trigger and remove against a real database; an unknown name exits 1")
    func commands() async throws {
        try await withTestDatabase { db in
            #expect(await wharf(db, ["schedules"]).out == "no schedules")
            _ = try await db.store.defineSchedule(
                try ScheduleDefinition(name: "nightly", expression: "30 2 * * *", timeZone: "Europe/Berlin", kind: try JobKind("report.build")),
                source: "sql")
            _ = try await db.store.syncConfigSchedules(
                [try ScheduleDefinition(name: "hourly", expression: "@hourly", kind: try JobKind("sweep"))], deployment: "eu")

            let list = await wharf(db, ["schedules", "list"])
            #expect(list.status == 0)
            let lines = list.out.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("NAME") == true && lines.count == 3, "\(list.out)")
            #expect(lines.contains { $0.hasPrefix("nightly") && $0.contains("30 2 * * *") && $0.contains("Europe/Berlin") && $0.contains("sql") })
            #expect(lines.contains { $0.hasPrefix("hourly") && $0.contains("config:eu") })

            let json = try jsonObject(await wharf(db, ["schedules", "show", "nightly", "--json"]).out)
            #expect(json["cron"] as? String == "30 2 * * *" && json["kind"] as? String == "report.build" && json["paused"] as? Bool == false)
            #expect(await wharf(db, ["schedules", "show", "nightly"]).out.contains("time zone    Europe/Berlin"))

            #expect(await wharf(db, ["schedules", "pause", "nightly"]).out == "schedule nightly paused")
            #expect(try await db.store.schedule(named: "nightly")?.paused == true)
            #expect(await wharf(db, ["schedules", "resume", "nightly"]).out == "schedule nightly resumed")
            #expect(try await db.store.schedule(named: "nightly")?.paused == false)

            let trigger = await wharf(db, ["schedules", "trigger", "nightly", "--json"])
            let id = try #require(try jsonObject(trigger.out)["job_id"] as? Int)
            #expect(try await db.store.job(JobID(Int64(id)))?.kind.rawValue == "report.build")

            let removed = await wharf(db, ["schedules", "remove", "hourly"])
            #expect(removed.out == "schedule hourly removed" && removed.err.contains("deployment \"eu\""), "\(removed)")
            #expect(try await db.store.schedules().map(\.definition.name) == ["nightly"])

            for verb in ["show", "pause", "resume", "trigger", "remove"] {
                let missing = await wharf(db, ["schedules", verb, "nope"])
                #expect(missing.status == 1 && missing.err.contains("no schedule named \"nope\""), "\(verb): \(missing)")
            }
        }
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import WharfCore
import WharfHTTP
import WharfPostgres
import WharfRuntime
import WharfTesting

@Suite("Admin API: schedules")
struct ScheduleAPITests {
    @Test("PUT creates then replaces; GET lists and shows; pause, resume, trigger and DELETE act; each action needs the token")
    func lifecycle() async throws {
        try await withAPI { db, client, _ in
            let body = #"{"cron": "*/5 * * * *", "kind": "report.build", "payload": {"format": "pdf"}, "time_zone": "Europe/Berlin", "missed": "all"}"#
            #expect(try await client.send(.put, "/api/v1/schedules/reports", body: body).status == .unauthorized)
            let created = try await client.send(.put, "/api/v1/schedules/reports", token: testToken, body: body)
            #expect(created.status == .created && created.json["action"] as? String == "created")
            let replaced = try await client.send(.put, "/api/v1/schedules/reports", token: testToken, body: body)
            #expect(replaced.status == .ok && replaced.json["action"] as? String == "replaced")

            let list = try await client.send(.get, "/api/v1/schedules")
            let first = try #require((list.json["schedules"] as? [[String: Any]])?.first)
            #expect(first["name"] as? String == "reports" && first["cron"] as? String == "*/5 * * * *" && first["source"] as? String == "api")
            #expect(first["time_zone"] as? String == "Europe/Berlin" && first["missed"] as? String == "all")
            #expect((first["payload"] as? [String: Any])?["format"] as? String == "pdf")

            #expect(try await client.send(.post, "/api/v1/schedules/reports/pause", token: testToken).status == .ok)
            #expect(try await client.send(.get, "/api/v1/schedules/reports").json["paused"] as? Bool == true)
            #expect(try await client.send(.post, "/api/v1/schedules/reports/resume", token: testToken).status == .ok)
            #expect(try await client.send(.get, "/api/v1/schedules/reports").json["paused"] as? Bool == false)

            let triggered = try await client.send(.post, "/api/v1/schedules/reports/trigger", token: testToken)
            #expect(triggered.status == .created)
            let id = try #require(triggered.json["job_id"] as? Int)
            #expect(try await db.store.job(JobID(Int64(id)))?.kind.rawValue == "report.build")

            #expect(try await client.send(.delete, "/api/v1/schedules/reports").status == .unauthorized)
            #expect(try await client.send(.delete, "/api/v1/schedules/reports", token: testToken).status == .ok)
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/schedules/reports"), (.post, "/api/v1/schedules/reports/pause"),
                (.post, "/api/v1/schedules/reports/trigger"), (.delete, "/api/v1/schedules/reports"),
            ] {
                let response = try await client.send(method, path, token: testToken)
                #expect(response.status == .notFound && response.errorMessage.contains("schedule \"reports\" not found"), "\(method) \(path)")
            }
        }
    }

    @Test("a bad definition is refused with every problem and nothing is written; a config-owned name answers 409")
    func refusals() async throws {
        try await withAPI { db, client, _ in
            let bad = try await client.send(
                .put, "/api/v1/schedules/x", token: testToken, body: #"{"cron": "* * 32 * *", "kind": "k", "time_zone": "Nowhere/City"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.errorMessage.contains("day-of-month field \"32\""), "\(bad.errorMessage)")
            let unknown = try await client.send(.put, "/api/v1/schedules/x", token: testToken, body: #"{"cron": "@daily", "kind": "k", "qeue": "q"}"#)
            #expect(unknown.status == .badRequest && unknown.errorMessage.contains("qeue"), "\(unknown.errorMessage)")
            let badName = try await client.send(.put, "/api/v1/schedules/bad%20name", token: testToken, body: #"{"cron": "@daily", "kind": "k"}"#)
            #expect(badName.status == .badRequest && badName.errorMessage.contains("schedule name"), "\(badName.errorMessage)")
            #expect(try await db.store.schedules().isEmpty)

            _ = try await db.store.syncConfigSchedules([try ScheduleDefinition(name: "owned", expression: "@daily", kind: try JobKind("k"))], deployment: "eu")
            let conflict = try await client.send(.put, "/api/v1/schedules/owned", token: testToken, body: #"{"cron": "@hourly", "kind": "k"}"#)
            #expect(conflict.status == .conflict && conflict.errorMessage.contains("config:eu"), "\(conflict.errorMessage)")
            #expect(try await db.store.schedule(named: "owned")?.definition.expression == "@daily")
        }
    }
}

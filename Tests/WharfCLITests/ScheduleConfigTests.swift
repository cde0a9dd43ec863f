import ArgumentParser
import Foundation
import Testing
@testable import WharfCLI
import WharfCore
import WharfRuntime

/// The config file's `schedules` and the `deployment` setting.
@Suite("worker configuration: schedules")
struct ScheduleConfigTests {
    func parse(_ json: String) throws -> WorkerConfigFile {
        try WorkerConfigFile.parse(Data(json.utf8), path: "worker.json", environment: [:])
    }

    @Test("the example's schedules parse with their defaults; a file without the key leaves schedules alone")
    func schedulesParse() throws {
        let file = try parse("""
            {"schedules": {
              "nightly": {"cron": "30 2 * * *", "time_zone": "Europe/Berlin", "kind": "report.build", "payload": {"format": "pdf"},
                          "queue": "reports", "priority": 3, "max_attempts": 4, "missed": "all", "catch_up_limit": 7},
              "tick": {"cron": "@every 10s", "kind": "sweep"}
            }}
            """)
        let schedules = try #require(file.schedules)
        #expect(schedules.map(\.name) == ["nightly", "tick"])
        let nightly = schedules[0], tick = schedules[1]
        #expect(nightly.timeZone == "Europe/Berlin" && nightly.queue.rawValue == "reports" && nightly.priority.rawValue == 3)
        #expect(nightly.maxAttempts == 4 && nightly.missed == .all && nightly.catchUpLimit == 7)
        #expect(try JSONValue.parse(nightly.payload.json) == .object([(key: "format", value: .string("pdf"))]))
        #expect(tick.timeZone == "UTC" && tick.queue == .default && tick.missed == .latest && tick.payload == .empty)
        #expect(try parse(#"{"queues": {"default": 2}}"#).schedules == nil)
        #expect(try parse(#"{"schedules": {}}"#).schedules == [], "an empty object removes the deployment's schedules")
    }

    @Test("every problem in every schedule is reported at once, with its path")
    func problemsReported() {
        let json = """
            {"schedules": {
              "bad-cron": {"cron": "61 * * * *", "kind": "k"},
              "bad-zone": {"cron": "@daily", "kind": "k", "time_zone": "Mars/Base"},
              "bad-payload": {"cron": "@daily", "kind": "k", "payload": [1, 2]},
              "typo": {"cron": "@daily", "kind": "k", "mised": "all"},
              "no-kind": {"cron": "@daily"},
              "bad policy": {"cron": "@daily", "kind": "k", "missed": "sometimes"},
              "dup": {"cron": "@daily", "kind": "k"},
              "dup": {"cron": "@hourly", "kind": "k"}
            }}
            """
        #expect {
            try parse(json)
        } throws: { "\($0)".contains("line 9, column 3: the member name \"dup\" appears twice in this object") }
        #expect {
            try parse(json.replacingOccurrences(of: ",\n  \"dup\": {\"cron\": \"@hourly\", \"kind\": \"k\"}", with: ""))
        } throws: { error in
            let text = "\(error)"
            let expected = [
                "schedules.bad-cron: invalid cron expression \"61 * * * *\", minute field \"61\": is out of range 0-59", "schedules.bad-zone: ", "Mars/Base",
                "schedules.bad-payload: payload: must be a JSON object, found an array",
                "schedules.typo: mised: unknown key; did you mean \"missed\"?", "schedules.no-kind: kind: required",
                "schedules.bad policy: missed: must be \"skip\", \"latest\" or \"all\"", "schedules.bad policy: invalid schedule name",
            ]
            let missing = expected.filter { !text.contains($0) }
            if !missing.isEmpty { Issue.record("missing \(missing) in:\n\(text)") }
            return missing.isEmpty
        }
    }

    @Test("the deployment comes from the flag, the environment or the file; the file's schedules reach the configuration")
    func deploymentSetting() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-\(UUID()).json")
        try Data(#"{"deployment": "billing", "schedules": {"s": {"cron": "@hourly", "kind": "k"}}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var (configuration, _, _) = try WorkerCommand.parse(["--config", file.path]).makeConfiguration(environment: [:])
        #expect(configuration.deployment == "billing" && configuration.schedules?.map(\.name) == ["s"])
        (configuration, _, _) = try WorkerCommand.parse(["--config", file.path]).makeConfiguration(environment: ["WHARF_DEPLOYMENT": "eu"])
        #expect(configuration.deployment == "eu")
        (configuration, _, _) = try WorkerCommand.parse(["--deployment", "us"]).makeConfiguration(environment: [:])
        #expect(configuration.deployment == "us" && configuration.schedules == nil)
        #expect {
            try WorkerCommand.parse(["--deployment", "no good"]).makeConfiguration(environment: [:])
        } throws: { "\($0)".contains("deployment: invalid deployment \"no good\"") }
    }
}

import ArgumentParser
import Foundation
import Testing
@testable import WharfCLI
import WharfCore
import WharfRuntime
import WharfTesting

@Suite("worker configuration file and flags")
struct WorkerConfigTests {
    func parse(_ json: String, environment: [String: String] = [:]) throws -> WorkerConfigFile {
        try WorkerConfigFile.parse(Data(json.utf8), path: "worker.json", environment: environment)
    }

    @Test("the shipped example configuration parses and validates")
    func exampleParses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/config/worker.example.json").path
        let data = try #require(FileManager.default.contents(atPath: path))
        let file = try WorkerConfigFile.parse(data, path: path, environment: ["WHARF_WEBHOOK_SECRET": "x"], checkPaths: false)
        #expect(file.queues.map(\.name.rawValue).sorted() == ["default", "mail"])
        #expect(file.handlers.kinds.map(\.rawValue) == ["email.send", "invoice.paid", "report.build"])
        #expect(file.handlers.entry(for: try JobKind("report.build"))?.timeout == .seconds(900))
        #expect(file.retry.byKind[try JobKind("report.build")]?.maxAttempts == 5)
        #expect(file.retry.byQueue[try QueueName("mail")]?.base == .seconds(10))
        #expect(file.durations["lease_ttl"] == .seconds(30))
        #expect(file.retention == .some(.seconds(86_400)))
    }

    @Test("every problem is reported at once, with its path and a suggestion for typos")
    func everyProblemAtOnce() {
        let json = """
            {
              "queues": {"default": 10, "bad queue": 2},
              "lease_tll": "30s",
              "poll_interval": "soon",
              "kinds": {
                "a.job": {"exec": {"comand": ["/bin/true"]}},
                "b.job": {"http": {"url": "ftp://x"}},
                "c.job": {"timeout": "1s"},
                "d.job": {"exec": {"command": ["/bin/true"]}, "retry": {"base": "10s", "cap": "1s"}}
              }
            }
            """
        #expect {
            try parse(json)
        } throws: { error in
            let text = "\(error)"
            return text.contains("worker.json:")
                && text.contains("lease_tll: unknown key; did you mean \"lease_ttl\"?")
                && text.contains("poll_interval: invalid poll_interval \"soon\"")
                && text.contains("queues.bad queue: invalid queue")
                && text.contains("kinds.a.job.exec.comand: unknown key; did you mean \"command\"?")
                && text.contains("kinds.b.job.http.url: must be an http:// or https:// URL")
                && text.contains("kinds.c.job: needs a handler")
                && text.contains("kinds.d.job.retry: invalid retry.cap")
        }
    }

    @Test("a webhook secret comes from the environment or a file, never the command line")
    func webhookSecretSources() throws {
        let json = #"{"kinds": {"h": {"http": {"url": "https://example.com/h", "secret_env": "HOOK_SECRET"}}}}"#
        #expect(throws: ConfigError.self) { try parse(json) }
        #expect(try parse(json, environment: ["HOOK_SECRET": "abc"]).handlers.kinds.map(\.rawValue) == ["h"])
    }

    @Test("flags override the environment, which overrides the file")
    func precedence() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-\(UUID()).json")
        try Data(#"{"queues": {"fromfile": 2}, "lease_ttl": "40s", "poll_interval": "3s"}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var command = try WorkerCommand.parse(["--config", file.path, "--lease-ttl", "60s"])
        var (configuration, _, _) = try command.makeConfiguration(environment: ["WHARF_POLL_INTERVAL": "2s"])
        #expect(configuration.leaseTTL == .seconds(60))
        #expect(configuration.pollInterval == .seconds(2))
        #expect(configuration.queues.map(\.name.rawValue) == ["fromfile"])
        command = try WorkerCommand.parse(["--config", file.path, "--queues", "a=3,b"])
        (configuration, _, _) = try command.makeConfiguration(environment: [:])
        #expect(configuration.queues.map { "\($0.name)=\($0.concurrency)" } == ["a=3", "b=10"])
        #expect(configuration.leaseTTL == .seconds(40))
    }

    @Test("timings that would lose leases are refused at startup")
    func unsafeTimingsRefused() throws {
        let command = try WorkerCommand.parse(["--lease-ttl", "10s", "--heartbeat-interval", "8s"])
        #expect {
            try command.makeConfiguration(environment: [:])
        } throws: { "\($0)".contains("heartbeat_interval: 8.0 seconds must be at most a third of lease_ttl") }
    }

    @Test("wharf worker with a broken config exits 78 and names the problem")
    func brokenConfigExits78() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-\(UUID()).json")
        try Data(#"{"queus": {}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await wharf(["worker", "--config", file.path, "--database-url", "postgres://127.0.0.1/x"])
        #expect(result.status == 78)
        #expect(result.err.contains("queus: unknown key; did you mean \"queues\"?"))
    }
}

@Suite("deploy/ files")
struct DeployTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `systemd-analyze verify` on a unit with ExecStart pointed at the built binary;
    /// returns its exit status and stderr (it exits 0 on many errors, printing them).
    func verify(_ unitText: String, name: String) async throws -> (Int32, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-units-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = Self.root.appendingPathComponent(".build/debug/wharf").path
        let unit = dir.appendingPathComponent(name)
        try Data(unitText.replacingOccurrences(of: "/usr/local/bin/wharf", with: binary).utf8).write(to: unit)
        // Off the cooperative pool (ExternalTool.run): systemd-analyze takes seconds on a loaded
        // machine, and blocking one of the two cooperative threads stalls every other test.
        let result = await ExternalTool.run(["/usr/bin/env", "systemd-analyze", "verify", "--man=no", unit.path])
        return (result.status, result.errors)
    }

    @Test("the systemd units pass systemd-analyze verify with no warnings", arguments: ["wharf-worker.service", "wharf-worker@.service"])
    func unitsVerify(name: String) async throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("deploy/systemd/\(name)"), encoding: .utf8)
        #expect(text.contains("Type=notify"))
        #expect(text.contains("DynamicUser=yes") && text.contains("NoNewPrivileges=yes") && text.contains("ProtectSystem=strict"))
        let (status, stderr) = try await verify(text, name: name.replacingOccurrences(of: "@.", with: "@1."))
        #expect(status == 0)
        #expect(stderr.isEmpty, "systemd-analyze: \(stderr)")
    }

    @Test("the verification catches a broken unit (the check can fail)")
    func verificationCatchesBrokenUnits() async throws {
        let (_, stderr) = try await verify("[Service]\nType=sometimes\nExecStart=/usr/local/bin/wharf worker\n", name: "broken.service")
        #expect(stderr.contains("Failed to parse service type"))
    }

    /// Runs `systemd-analyze security --offline=yes` on a unit and returns the overall exposure
    /// level it prints (0.0 to 10.0, lower is safer; `nil` when there is no such line), with the
    /// tool's whole output for the failure message.
    func exposure(_ unitText: String, name: String) async throws -> (Double?, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-units-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = dir.appendingPathComponent(name)
        try Data(unitText.utf8).write(to: unit)
        // Off the cooperative pool, as in verify(_:name:).
        let result = await ExternalTool.run(["/usr/bin/env", "systemd-analyze", "security", "--offline=yes", "--no-pager", unit.path])
        // The last line reads "→ Overall exposure level for wharf-worker.service: 1.2 OK 🙂".
        let line = result.output.split(separator: "\n").last(where: { $0.contains("Overall exposure level for") })
        let score: Double? = line.flatMap { text in
            text.range(of: ": ", options: .backwards).flatMap { Double(text[$0.upperBound...].prefix(while: { $0 != " " })) }
        }
        return (score, result.output + result.errors)
    }

    @Test("the systemd units score 2.0 or less in systemd-analyze security", arguments: ["wharf-worker.service", "wharf-worker@.service"])
    func unitsHardened(name: String) async throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("deploy/systemd/\(name)"), encoding: .utf8)
        let (score, output) = try await exposure(text, name: name.replacingOccurrences(of: "@.", with: "@1."))
        let level = try #require(score, "no overall exposure level in: \(output)")
        #expect(level <= 2.0, "systemd-analyze security: \(output)")
    }

    @Test("the exposure check catches an unhardened unit (the check can fail)")
    func exposureCatchesUnhardenedUnits() async throws {
        let (score, output) = try await exposure("[Service]\nExecStart=/usr/local/bin/wharf worker\n", name: "bare.service")
        let level = try #require(score, "no overall exposure level in: \(output)")
        #expect(level > 2.0)
    }
}

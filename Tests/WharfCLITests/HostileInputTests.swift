import ArgumentParser
import Foundation
import PostgresNIO
import PropertyBased
import Testing
@testable import WharfCLI
import WharfCore
import WharfPostgres
import WharfTesting

/// The inputs of "No input can take a worker down", through the CLI and the config file: each
/// is refused with what was wrong and where, with the right exit code, and writes nothing.
@Suite("hostile input at the CLI and in the config file")
struct HostileInputTests {
    func parse(_ json: String, environment: [String: String] = [:]) throws -> WorkerConfigFile {
        try WorkerConfigFile.parse(Data(json.utf8), path: "worker.json", environment: environment)
    }

    func problems(_ json: String, environment: [String: String] = [:]) -> String {
        do {
            _ = try parse(json, environment: environment)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("run_at outside 1970-9999 and huge delays are usage errors, exit 64, and enqueue nothing", arguments: [
        ["--run-at", "0001-01-01T00:00:00Z"], ["--run-at", "1700-01-01T00:00:00Z"], ["--delay", "99999999999d"], ["--delay", "1e300"],
    ])
    func enqueueRanges(arguments: [String]) async throws {
        try await withTestDatabase { db in
            let result = await wharf(db, ["enqueue", "probe.old"] + arguments)
            #expect(result.status == 64, "\(result.err)")
            #expect(result.err.contains(arguments[0] == "--run-at" ? "accepted range 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z" : "limit"))
            let jobs = try await db.store.jobs(JobFilter())
            #expect(jobs.isEmpty)
        }
    }

    @Test("a value the database refuses (an operator's CHECK) is a usage error, exit 64, not an outage")
    func databaseRefusalIsUsage() async throws {
        try await withTestDatabase { db in
            try await db.query("ALTER TABLE jobs ADD CONSTRAINT no_forbidden_kind CHECK (kind <> 'forbidden.kind')")
            let result = await wharf(db, ["enqueue", "forbidden.kind"])
            #expect(result.status == 64, "\(result.err)")
            #expect(result.err.contains("refused by the database") && result.err.contains("no_forbidden_kind"))
        }
    }

    @Test("huge or non-positive durations and a pool of 0 are refused at start-up, not trapped on")
    func workerFlagRanges() throws {
        for (arguments, expected) in [
            (["--lease-ttl", "1e300"], "lease_ttl"), (["--lease-ttl", "0s"], "greater than zero"),
            (["--poll-interval", "99999999999d"], "limit"),
        ] {
            let command = try WorkerCommand.parse(arguments)
            #expect(throws: (any Error).self) { try command.makeConfiguration(environment: [:]) }
            do {
                _ = try command.makeConfiguration(environment: [:])
            } catch {
                #expect("\(error)".contains(expected), "\(arguments): \(error)")
                #expect(ExitStatus.code(for: error) == ExitStatus.usage || ExitStatus.code(for: error) == ExitStatus.config)
            }
        }
        #expect(throws: WharfCore.ValidationError.self) { try WorkerCommand.poolSize(0, environment: [:]) }
        #expect(throws: WharfCore.ValidationError.self) { try WorkerCommand.poolSize(nil, environment: ["WHARF_POOL_SIZE": "lots"]) }
        #expect(try WorkerCommand.poolSize(nil, environment: ["WHARF_POOL_SIZE": "8"]) == 8)
    }

    @Test("the config file is strict: syntax with line and column, every type checked, every problem at once")
    func strictConfig() {
        #expect(problems("{\n  \"queues\": {\"default\": 10,}\n}").contains("not valid JSON: line 2, column 28"))
        let text = problems("""
            {
              "queues": {"default": true, "mail": {"concurrency": "4"}},
              "lease_ttl": true,
              "grace_period": -5,
              "completion_batch_size": 1.5,
              "kinds": {
                "a.job": {"exec": {"command": ["/bin/true"]}, "timeout": "0s"},
                "b.job": {"exec": {"command": ["/bin/true"]}, "timeout": "1e300"},
                "c.job": {"http": {"url": "http://127.0.0.1:1/x", "secret_file": 42}},
                "d.job": {"exec": {"command": ["/bin/true"]}, "retry": {"base": "0s", "cap": "-1s", "max_attempts": 0}},
                "e.job": {"exec": {"command": ["/bin/true", 7], "env": {"A": 1}}}
              }
            }
            """)
        for expected in [
            "queues.default: must be a concurrency number or an object", "found true",
            "queues.mail.concurrency: must be a whole number, found a string",
            "lease_ttl: must be a duration string like \"30s\", found true",
            "grace_period: invalid grace_period",
            "completion_batch_size: must be a whole number, found a number",
            "kinds.a.job.timeout: invalid kinds.a.job.timeout \"0s\": must be greater than zero",
            "kinds.b.job.timeout", "limit",
            "kinds.c.job.http.secret_file: must be a file path, found a number",
            "kinds.d.job.retry.base", "kinds.d.job.retry.cap", "kinds.d.job.retry: invalid retry.max_attempts",
            "kinds.e.job.exec.command[1]: must be a string", "kinds.e.job.exec.env.A: must be a string",
        ] {
            #expect(text.contains(expected), "missing \"\(expected)\" in:\n\(text)")
        }
    }

    @Test("a missing program, a missing working directory and a URL without a host are refused at start-up")
    func startupChecks() {
        let text = problems("""
            {"kinds": {
              "a": {"exec": {"command": ["/nonexistent/send-mail"]}},
              "b": {"exec": {"command": ["no-such-program-anywhere"]}},
              "c": {"exec": {"command": ["/bin/true"], "working_directory": "/nonexistent/dir"}},
              "d": {"exec": {"command": ["/etc"]}},
              "e": {"http": {"url": "http:///hooks"}},
              "f": {"http": {"url": "ftp://example.com/x"}}
            }}
            """, environment: ["PATH": "/usr/bin:/bin"])
        for expected in [
            "kinds.a.exec.command[0]: /nonexistent/send-mail does not exist",
            "kinds.b.exec.command[0]: no executable \"no-such-program-anywhere\" on PATH",
            "kinds.c.exec.working_directory: /nonexistent/dir does not exist",
            "kinds.d.exec.command[0]: /etc is a directory",
            "kinds.e.http.url: \"http:///hooks\" has no host",
            "kinds.f.http.url: must be an http:// or https:// URL",
        ] {
            #expect(text.contains(expected), "missing \"\(expected)\" in:\n\(text)")
        }
        #expect(problems(#"{"kinds": {"ok": {"exec": {"command": ["true"]}}}}"#, environment: ["PATH": "/usr/bin:/bin"]) == "")
    }

    @Test("any config text is either read or refused with problems; parsing never traps")
    func configParsingIsTotal() async {
        let pieces = Gen<String?>.element(of: [
            "{", "}", "[", "]", ",", ":", "\"queues\"", "\"kinds\"", "\"lease_ttl\"", "\"default\"", "true", "null", "-1", "1e300",
            "\"30s\"", "\"exec\"", "\"command\"", "\"x\"", " ", "\n", "0", "{\"a\": 1}",
        ]).compactMap { $0 }
        await propertyCheck(count: 400, input: pieces.array(of: 0...24)) { parts in
            let text = parts.joined()
            do {
                _ = try parse(text)
            } catch let error as ConfigError {
                #expect(!error.problems.isEmpty)
            } catch {
                Issue.record("unexpected error type for \(text): \(error)")
            }
        }
    }

    @Test("a database URL's password never appears in an error, even when the URL cannot be parsed")
    func passwordsStayOutOfErrors() async throws {
        for url in ["postgres://app:hunter2pw@db host/x", "postgres://app:hunter2pw@[::1/x", "postgres://app:hunter2pw@h:99999/x",
                    "app:hunter2pw@host", "postgres://app:hunter2pw@host/db?sslmode=maybe"] {
            let result = await wharf(["stats", "--database-url", url])
            #expect(result.status == 64, "\(url): \(result.err)")
            #expect(!result.err.contains("hunter2pw"), "\(result.err)")
        }
        #expect(DatabaseURL.redacted("postgres://app:p@ss w0rd@db/x") == "postgres://app:<redacted>@db/x")
        #expect(!String(describing: try? DatabaseURL("postgres://app:hunter2pw@db/x")).contains("hunter2pw"))
    }
}

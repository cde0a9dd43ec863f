import Foundation
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// The database password, the API token and a webhook signing key, given to a real worker the
/// ways operators give them, never show up in its debug log or in an exec child's environment.
@Suite("Secrets (the real binary)", .serialized)
struct SecretsTests {
    @Test("at --log-level trace (PostgresNIO logs its startup message there) no secret reaches the log, and exec children do not inherit them")
    func secretsStaySecret() async throws {
        try await withTestDatabase { db in
            let password = "pw-Secret-4711", token = "api-token-Secret-0815-abcdef", signingKey = "hook-Secret-2342"
            // The test server trusts loopback, so any password connects; it still travels in the URL.
            let url = db.urlText.replacingOccurrences(of: "://postgres@", with: "://postgres:\(password)@")
            #expect(url.contains(password))
            let envFile = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-env-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: envFile) }
            let config = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-secrets-\(UUID().uuidString.prefix(8)).json")
            defer { try? FileManager.default.removeItem(at: config) }
            let deadPort = try unusedLoopbackPort()
            try Data("""
                {"queues": {"default": 2}, "retry": {"base": "50ms", "cap": "100ms"},
                 "kinds": {"dump.env": {"exec": {"command": ["/bin/sh", "-c", "env > \(envFile)"]}},
                           "hook": {"http": {"url": "http://127.0.0.1:\(deadPort)/hook", "secret_env": "HOOK_SIGNING_KEY"}, "timeout": "1s"}}}
                """.utf8).write(to: config)
            let dump = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("dump.env"))])[0].id
            let hook = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("hook"), options: try EnqueueOptions(maxAttempts: 2))])[0].id
            let worker = try WorkerProcess(
                "wharf", arguments: ["worker", "--config", config.path, "--log-level", "trace", "--poll-interval", "200ms"],
                environment: [
                    "DATABASE_URL": url, "WHARF_SCHEMA": db.schema, "WHARF_HTTP_ADDRESS": "127.0.0.1:\(try unusedLoopbackPort())",
                    "WHARF_API_TOKEN": token, "HOOK_SIGNING_KEY": signingKey, "PGPASSWORD": password,
                ])
            let log = try await withProcesses([worker]) {
                try await expectEventually("both jobs ran", timeout: .seconds(60)) {
                    let dumped = try await db.store.job(dump)?.state == .completed
                    let hooked = try await db.store.deadJob(hook) != nil
                    return dumped && hooked
                }
                worker.signal(SIGTERM)
                #expect(await worker.waitForExit(timeout: .seconds(30)) == 0, "\(worker.terminationDescription)")
                return worker.log
            }
            #expect(log.contains("trace"), "the log is at trace level")
            for secret in [password, token, signingKey] {
                #expect(!log.contains(secret), "\(secret) in the log")
            }
            let childEnvironment = try String(contentsOfFile: envFile, encoding: .utf8)
            for secret in [password, token, signingKey] {
                #expect(!childEnvironment.contains(secret), "\(secret) in the exec child's environment")
            }
            #expect(childEnvironment.contains("WHARF_JOB_ID=\(dump.rawValue)"))
        }
    }
}

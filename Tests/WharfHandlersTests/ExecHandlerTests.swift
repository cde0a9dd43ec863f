import Foundation
import Testing
import WharfCore
import WharfHandlers
import WharfRuntime
import WharfTesting

@Suite("exec handler")
struct ExecHandlerTests {
    @Test("the payload arrives on stdin and the job's identity in the environment; exit 0 is success")
    func payloadAndEnvironment() async throws {
        let out = temporaryPath("stdin.txt")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let handler = ExecHandler(command: [
            "/bin/sh", "-c",
            "cat > \(out); echo \"$WHARF_JOB_ID $WHARF_JOB_KIND $WHARF_JOB_ATTEMPT $WHARF_IDEMPOTENCY_KEY $EXTRA\" >> \(out)",
        ], environment: ["EXTRA": "configured"])
        let outcome = try await handler.handle(context(kind: "report.build", payload: "{\"n\": 1}", attempt: 3))
        #expect(outcome == .success)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "{\"n\": 1}42 report.build 3 wharf-job-42 configured\n")
    }

    @Test("commands get an allow-listed environment: none of the worker's secrets, whatever their names")
    func workerSecretsStayOut() async throws {
        let out = temporaryPath("env.txt")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let planted = ["WHARF_WEBHOOK_SECRET", "PGPASSWORD", "HOOK_SIGNING_KEY"]
        for name in planted { setenv(name, "do-not-leak", 1) }
        defer { for name in planted { unsetenv(name) } }
        _ = try await ExecHandler(command: ["/bin/sh", "-c", "env > \(out)"], environment: ["CONFIGURED": "yes"]).handle(context())
        let env = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!env.contains("do-not-leak"))
        #expect(!env.contains("DATABASE_URL="))
        #expect(env.contains("WHARF_JOB_ID=42"))
        #expect(env.contains("CONFIGURED=yes"))
        // sh adds PWD, SHLVL and _ itself; everything else must be on the list or the job's.
        let names = env.split(separator: "\n").compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) }
        let allowed = ExecHandler.inheritedVariables.union(["CONFIGURED", "PWD", "SHLVL", "_", "OLDPWD"])
        #expect(names.filter { !allowed.contains($0) && !$0.hasPrefix("WHARF_JOB_") && $0 != "WHARF_IDEMPOTENCY_KEY" } == [])
    }

    @Test("the child environment: allow-listed worker variables, then the job's, then the configured ones win")
    func childEnvironmentOrder() {
        let env = ExecHandler.childEnvironment(
            worker: ["PATH": "/bin", "DATABASE_URL": "postgres://u:pw@h/db", "AWS_SECRET_ACCESS_KEY": "x", "TZ": "UTC"],
            job: ["WHARF_JOB_ID": "7"], configured: ["TZ": "Europe/Berlin", "API_KEY": "given on purpose"])
        #expect(env == ["PATH": "/bin", "TZ": "Europe/Berlin", "WHARF_JOB_ID": "7", "API_KEY": "given on purpose"])
    }

    @Test(
        "exit codes map to outcomes, with the stderr tail as the error",
        arguments: [
            (75, "retry"), (65, "permanent"), (3, "failure"),
        ])
    func exitCodesMapToOutcomes(code: Int, expected: String) async throws {
        let handler = ExecHandler(command: ["/bin/sh", "-c", "echo 'something broke' >&2; exit \(code)"])
        let outcome = try await handler.handle(context())
        switch (outcome, expected) {
        case (.retry(nil, let reason), "retry"):
            #expect(reason == "/bin/sh exited with 75 (retry later): something broke")
        case (.permanentFailure(let reason), "permanent"):
            #expect(reason == "/bin/sh exited with 65 (permanent failure): something broke")
        case (.failure(let reason), "failure"):
            #expect(reason == "/bin/sh exited with 3: something broke")
        default:
            Issue.record("exit \(code) gave \(outcome)")
        }
    }

    @Test(
        "exit 79 snoozes: the last stderr line is the delay when it reads as one, else 60 s",
        arguments: [("echo checking >&2; echo 45s >&2", 45), ("echo 90 >&2", 90), ("echo 'not ready' >&2", 60), ("true", 60)])
    func exitSnoozes(script: String, seconds: Int) async throws {
        let outcome = try await ExecHandler(command: ["/bin/sh", "-c", "\(script); exit 79"]).handle(context())
        #expect(outcome == .snooze(for: .seconds(seconds)))
    }

    @Test("a command that exits without reading a large payload is fine")
    func unreadLargePayload() async throws {
        let big = "\"" + String(repeating: "x", count: 500_000) + "\""
        let outcome = try await ExecHandler(command: ["/bin/true"]).handle(context(payload: big))
        #expect(outcome == .success)
    }

    @Test("only the tail of a long stderr is kept")
    func stderrTail() async throws {
        let handler = ExecHandler(command: ["/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo \"line $i\" >&2; i=$((i+1)); done; exit 1"])
        guard case .failure(let reason) = try await handler.handle(context()) else { Issue.record("expected failure"); return }
        #expect(reason.hasSuffix("line 2999"))
        #expect(!reason.contains("line 0\n"))
        #expect(reason.utf8.count <= ExecHandler.stderrTailBytes + 100)
    }

    @Test("a missing program is an error naming it")
    func missingProgram() async throws {
        await #expect(throws: (any Error).self) {
            try await ExecHandler(command: ["/nonexistent/wharf-no-such-program"]).handle(context())
        }
    }

    @Test("cancelling the run (timeout, lost lease, shutdown) kills the whole process group, grandchildren included")
    func cancellationKillsProcessGroup() async throws {
        let pidFile = temporaryPath("grandchild.pid")
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        // The shell starts a grandchild that would outlive a kill of the shell alone.
        let handler = ExecHandler(
            command: ["/bin/sh", "-c", "sleep 300 & echo $! > \(pidFile); wait"], killGrace: .milliseconds(500))
        let task = Task { try await handler.handle(context()) }
        try await expectEventually("grandchild started") { (try? String(contentsOfFile: pidFile, encoding: .utf8))?.isEmpty == false }
        let grandchild = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(processExists(grandchild))
        task.cancel()
        _ = await task.result
        try await expectEventually("grandchild killed", timeout: .seconds(5)) { !processExists(grandchild) || isZombie(grandchild) }
    }
}

/// A killed grandchild reparented to a non-reaping init stays a zombie: dead for our purposes.
func isZombie(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
}

import Foundation
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// A unix datagram socket standing in for systemd's NOTIFY_SOCKET.
final class NotifySocket: Sendable {
    let path: String
    let fd: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-notify-\(UUID().uuidString.prefix(8)).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in path.utf8.enumerated() { buffer[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestDatabaseError("cannot bind \(path)") }
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
    }

    /// Messages received so far (non-blocking).
    func drain() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return messages }
            messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }

    deinit {
        close(fd)
        unlink(path)
    }
}

@Suite("wharf worker (the real binary)", .serialized)
struct WharfWorkerCommandTests {
    @Test("wharf worker runs exec jobs by exit code, speaks the systemd notify protocol and stops cleanly on SIGTERM")
    func execJobsAndSystemdNotify() async throws {
        try await withTestDatabase { db in
            let marker = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-exec-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: marker) }
            let config = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-worker-\(UUID().uuidString.prefix(8)).json")
            defer { try? FileManager.default.removeItem(at: config) }
            try Data("""
                {
                  "queues": {"default": 4},
                  "retry": {"base": "50ms", "cap": "100ms"},
                  "kinds": {
                    "write": {"exec": {"command": ["/bin/sh", "-c", "cat >> \(marker)"]}},
                    "tempfail": {"exec": {"command": ["/bin/sh", "-c", "echo 'try later' >&2; exit 75"]}},
                    "reject": {"exec": {"command": ["/bin/sh", "-c", "echo 'bad input' >&2; exit 65"]}}
                  }
                }
                """.utf8).write(to: config)
            let write = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("write"), payload: try JobPayload(json: "\"written\""))])[0].id
            let tempfail = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("tempfail"), options: try EnqueueOptions(maxAttempts: 2))])[0].id
            let reject = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("reject"))])[0].id

            let notify = try NotifySocket()
            let worker = try WorkerProcess(
                "wharf", arguments: ["worker", "--config", config.path, "--poll-interval", "200ms"],
                environment: [
                    "DATABASE_URL": db.urlText, "WHARF_SCHEMA": db.schema, "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000",
                    "WHARF_HTTP_ADDRESS": "off",
                ])
            var messages: [String] = []
            try await withProcesses([worker]) {
                try await expectEventually("READY=1 sent") { messages += notify.drain(); return messages.contains { $0.hasPrefix("READY=1") } }
                try await expectEventually("every job reached its end", timeout: .seconds(30)) {
                    let written = try await db.store.job(write)?.state == .completed
                    let retried = try await db.store.deadJob(tempfail) != nil
                    let rejected = try await db.store.deadJob(reject) != nil
                    return written && retried && rejected
                }
                try await expectEventually("watchdog pings") { messages += notify.drain(); return messages.filter { $0 == "WATCHDOG=1" }.count >= 2 }
                worker.signal(SIGTERM)
                let status = await worker.waitForExit()
                #expect(status == 0, "\(worker.terminationDescription)\n\(worker.log.suffix(2000))")
                messages += notify.drain()
            }
            #expect(messages.contains("STOPPING=1"))
            #expect(try String(contentsOfFile: marker, encoding: .utf8) == "\"written\"")
            let retried = try #require(try await db.store.deadJob(tempfail))
            #expect(retried.job.errors.map(\.error) == Array(repeating: "/bin/sh exited with 75 (retry later): try later", count: 2))
            let rejected = try #require(try await db.store.deadJob(reject))
            #expect(rejected.reason == .permanentFailure)
            #expect(rejected.job.attempt == 1)
        }
    }

    @Test("wharf worker refuses to start on an unmigrated schema and says to run wharf migrate")
    func refusesUnmigratedSchema() async throws {
        try await withTestDatabase(migrate: false) { db in
            let worker = try WorkerProcess("wharf", arguments: ["worker"], environment: ["DATABASE_URL": db.urlText, "WHARF_SCHEMA": db.schema, "WHARF_HTTP_ADDRESS": "off"])
            try await withProcesses([worker]) {
                let status = await worker.waitForExit(timeout: .seconds(20))
                #expect(status == 78, "\(worker.terminationDescription)")
                #expect(worker.log.contains("run `wharf migrate`"))
            }
        }
    }
}

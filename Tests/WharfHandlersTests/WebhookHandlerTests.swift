import Foundation
import Testing
import WharfCore
import WharfHandlers
import WharfRuntime
import WharfTesting

/// A Python receiver (Fixtures/webhook_receiver.py) on a loopback port, as a real process.
final class Receiver: Sendable {
    let process: Process
    let port: Int
    let logPath: String

    private init(process: Process, port: Int, logPath: String) {
        self.process = process
        self.port = port
        self.logPath = logPath
    }

    /// Starts the receiver and reads the port it prints. Python's start-up takes a while on a
    /// loaded machine, so the pipe is read on a thread of its own (see
    /// ExternalTool.offCooperativePool): blocking one of the two cooperative threads stalls
    /// every other test of the process.
    static func start(secret: String) async throws -> Receiver {
        let logPath = temporaryPath("webhook.jsonl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/webhook_receiver.py").path
        process.arguments = ["python3", script, logPath, secret]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // The first line is the port.
        let reader = out.fileHandleForReading
        let line = await ExternalTool.offCooperativePool {
            var line = Data()
            while let byte = try? reader.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
            return line
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw TestDatabaseError("the webhook receiver did not print its port (is python3 installed?)")
        }
        return Receiver(process: process, port: port, logPath: logPath)
    }

    var requests: [[String: Any]] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func stop() {
        // SIGKILL: a child of the test process may inherit a blocked SIGTERM (signal handling
        // through dispatch sources blocks it), and would then never exit.
        // Not waited for: Foundation reaps the child, and waiting would block a cooperative thread.
        kill(process.processIdentifier, SIGKILL)
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

@Suite("http webhook handler", .serialized)
struct WebhookHandlerTests {
    @Test("2xx succeeds; the body, idempotency key and job headers arrive; the signature verifies in another language")
    func successAndSignature() async throws {
        let receiver = try await Receiver.start(secret: "s3cret")
        defer { receiver.stop() }
        let handler = WebhookHandler(url: "http://127.0.0.1:\(receiver.port)/status/204", secret: Secret("s3cret"))
        #expect(try await handler.handle(context(kind: "invoice.paid", payload: "{\"invoice\": 9}", attempt: 2)) == .success)
        let request = try #require(receiver.requests.first)
        let headers = try #require(request["headers"] as? [String: String])
        #expect(request["body"] as? String == "{\"invoice\": 9}")
        #expect(request["signature_ok"] as? Bool == true)
        #expect(headers["idempotency-key"] == "wharf-job-42")
        #expect(headers["wharf-job-kind"] == "invoice.paid")
        #expect(headers["wharf-attempt"] == "2")
        #expect(headers["content-type"] == "application/json")
    }

    @Test("a wrong secret does not verify")
    func wrongSecretDoesNotVerify() async throws {
        let receiver = try await Receiver.start(secret: "expected")
        defer { receiver.stop() }
        _ = try await WebhookHandler(url: "http://127.0.0.1:\(receiver.port)/status/200", secret: Secret("other")).handle(context())
        #expect(receiver.requests.first?["signature_ok"] as? Bool == false)
    }

    @Test(
        "status classes: 408, 429 and 5xx retry (with Retry-After), other 4xx are permanent",
        arguments: [(500, "retry"), (503, "retry"), (408, "retry"), (429, "retry"), (400, "permanent"), (404, "permanent"), (422, "permanent")])
    func statusClasses(code: Int, expected: String) async throws {
        let receiver = try await Receiver.start(secret: "x")
        defer { receiver.stop() }
        let outcome = try await WebhookHandler(url: "http://127.0.0.1:\(receiver.port)/status/\(code)?retry_after=7", secret: nil).handle(context())
        switch (outcome, expected) {
        case (.retry(let after, let reason), "retry"):
            #expect(after == .seconds(7))
            #expect(reason.contains("answered \(code): answer body for \(code)"))
        case (.permanentFailure(let reason), "permanent"):
            #expect(reason.contains("answered \(code)"))
        default:
            Issue.record("status \(code) gave \(outcome)")
        }
    }

    @Test("425 Too Early snoozes for its Retry-After, or 60 s without one")
    func tooEarlySnoozes() async throws {
        let receiver = try await Receiver.start(secret: "x")
        defer { receiver.stop() }
        let base = "http://127.0.0.1:\(receiver.port)/status/425"
        #expect(try await WebhookHandler(url: base + "?retry_after=7", secret: nil).handle(context()) == .snooze(for: .seconds(7)))
        #expect(try await WebhookHandler(url: base, secret: nil).handle(context()) == .snooze(for: .seconds(60)))
    }

    @Test("an unreachable receiver is a retryable failure")
    func unreachableIsFailure() async throws {
        let port = try unusedLoopbackPort()
        let outcome = try await WebhookHandler(url: "http://127.0.0.1:\(port)/hook", secret: nil).handle(context(timeout: .seconds(5)))
        guard case .failure(let reason) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(reason.contains("POST http://127.0.0.1:\(port)/hook failed"))
    }

    @Test("signatures: Swift's verify accepts its own header and rejects tampering and old timestamps")
    func signatureVerification() {
        let body = Array("{\"a\":1}".utf8), secret = Array("k".utf8)
        let now = Date()
        let header = WebhookSignature.header(secret: secret, timestamp: Int64(now.timeIntervalSince1970), body: body)
        #expect(WebhookSignature.verify(header: header, secret: secret, body: body, now: now))
        #expect(!WebhookSignature.verify(header: header, secret: secret, body: Array("{\"a\":2}".utf8), now: now))
        #expect(!WebhookSignature.verify(header: header, secret: Array("other".utf8), body: body, now: now))
        #expect(!WebhookSignature.verify(header: header, secret: secret, body: body, now: now.addingTimeInterval(3600)))
    }
}

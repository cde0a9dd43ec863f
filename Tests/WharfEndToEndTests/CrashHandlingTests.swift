import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// A daemon that crashes must end, so that systemd restarts it: the Swift runtime's backtracer
/// can hang after a trap ("Backtracing… failed"), leaving a process that neither works nor exits.
/// The units set SWIFT_BACKTRACE=enable=no; this runs a real worker that traps in a handler,
/// with the environment the units give it, and requires that it is gone with the trap's signal
/// and its message. The ceiling is generous (a loaded box); a hung backtracer never ends at all.
@Suite("Crash handling (real process)", .serialized)
struct CrashHandlingTests {
    /// SWIFT_BACKTRACE as the shipped unit sets it.
    static func unitBacktraceSetting() throws -> String {
        let unit = WorkerProcess.packageRoot.appendingPathComponent("deploy/systemd/wharf-worker.service")
        let text = try String(contentsOf: unit, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("Environment=SWIFT_BACKTRACE=") }, "the unit sets SWIFT_BACKTRACE")
        return String(line.dropFirst("Environment=SWIFT_BACKTRACE=".count))
    }

    @Test("a worker that traps exits promptly with the trap's signal and message, under the units' SWIFT_BACKTRACE")
    func crashingWorkerExits() async throws {
        let setting = try Self.unitBacktraceSetting()
        #expect(setting == "enable=no")
        #expect(try String(contentsOf: WorkerProcess.packageRoot.appendingPathComponent("deploy/systemd/wharf-worker@.service"), encoding: .utf8)
            .contains("Environment=SWIFT_BACKTRACE=\(setting)"))
        try await withTestDatabase { db in
            try await createSink(db)
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("crash"))])
            let worker = try WorkerProcess(
                "WharfTestWorker", environment: workerEnvironment(db, id: "crasher", extra: ["SWIFT_BACKTRACE": setting]))
            try await withProcesses([worker]) {
                let status = await worker.waitForExit(timeout: .seconds(60))
                #expect(status != nil, "still running 60 s after claiming a job that traps:\n\(worker.log.suffix(2000))")
                #expect(worker.process.terminationReason == .uncaughtSignal, "\(worker.terminationDescription)")
                #expect([SIGILL, SIGTRAP].contains(worker.process.terminationStatus), "\(worker.terminationDescription)")
                #expect(worker.log.contains("deliberate crash"), "the runtime's message stays: \(worker.log.suffix(2000))")
                #expect(!worker.log.contains("Backtracing"))
            }
        }
    }
}

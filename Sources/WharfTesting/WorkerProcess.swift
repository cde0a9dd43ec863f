public import Foundation

/// A real worker process (`wharf` or `WharfTestWorker`) for end-to-end tests: started with an
/// environment, stopped with a real signal, and its stderr kept for failure messages.
public final class WorkerProcess: @unchecked Sendable {
    // @unchecked: `process` is a Foundation Process (not Sendable) that is only started in
    // init and then signalled or awaited; `logURL` is immutable. No state is mutated after init.
    public let process: Process
    public let logURL: URL

    /// The package's build products directory (`.build/debug`), or `WHARF_BUILD_DIR`.
    public static var buildDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["WHARF_BUILD_DIR"] { return URL(fileURLWithPath: dir) }
        return packageRoot.appendingPathComponent(".build/debug")
    }

    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Starts `executable` (a name in the build directory) with `arguments` and `environment`
    /// added to this process's environment.
    public init(_ executable: String, arguments: [String] = [], environment: [String: String]) throws {
        let path = Self.buildDirectory.appendingPathComponent(executable).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestDatabaseError("no \(executable) at \(path): run `swift build` first (make test does)")
        }
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-\(executable)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit, at most `timeout`; returns its exit status, or nil if it
    /// is still running.
    public func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let exited = (try? await eventually(timeout: timeout, every: .milliseconds(20)) { !process.isRunning }) ?? false
        return exited ? process.terminationStatus : nil
    }

    /// How the process ended: `exit(N)` or killed by a signal.
    public var terminationDescription: String {
        process.terminationReason == .uncaughtSignal ? "signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
    }

    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Stops it for good (SIGKILL) if still running; for cleanup.
    public func terminate() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logURL)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

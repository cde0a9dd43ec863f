public import Foundation

/// Runs a command-line tool (promtool, chromium, the pg script) with system(3), its output
/// collected through files: Foundation's Process has hung here in waitUntilExit when the child
/// left a grandchild running (a server), and system() does not.
public enum ExternalTool {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var errors: String
    }

    /// `arguments[0]` is the program; every argument is single-quoted for the shell.
    ///
    /// The tool runs on a thread of its own while the caller suspends: system() blocks for as
    /// long as the tool runs (seconds for chromium or pg_ctl), and on one of Swift's cooperative
    /// threads (two on a 2-core machine) that stalled every other test running in parallel, enough
    /// to time out unrelated tests in a loaded CI run.
    public static func run(_ arguments: [String], stdinFile: String? = nil) async -> Result {
        await offCooperativePool { runBlocking(arguments, stdinFile: stdinFile) }
    }

    /// Runs blocking work (a child process, a pipe read) on a thread of its own while the
    /// caller suspends, for the reason given at ``run(_:stdinFile:)``.
    public static func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }

    /// The blocking form, for synchronous contexts only (setup and cleanup that cannot await).
    public static func runBlocking(_ arguments: [String], stdinFile: String? = nil) -> Result {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-tool-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }.joined(separator: " ")
        let input = stdinFile.map { " < '\($0)'" } ?? " < /dev/null"
        let raw = system("\(quoted)\(input) > '\(base).out' 2> '\(base).err'")
        // system() returns a wait status; the exit code is its high byte.
        let status = raw == -1 ? -1 : (raw >> 8) & 0xff
        return Result(
            status: status,
            output: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
            errors: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// The path of `name` on PATH, or `nil`.
    public static func which(_ name: String) async -> String? {
        let result = await run(["/bin/sh", "-c", "command -v \(name)"])
        let path = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return result.status == 0 && !path.isEmpty ? path : nil
    }
}

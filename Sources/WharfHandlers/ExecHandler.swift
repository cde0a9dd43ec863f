public import WharfRuntime
import Foundation
import Subprocess
import WharfCore
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs a job as a command: an argv array (no shell), the payload JSON on standard input, the
/// job's identity in the environment. The exit status decides the outcome:
///
/// | exit status | outcome |
/// |---|---|
/// | 0 | success |
/// | 75 (EX_TEMPFAIL) | retry later (a failed attempt, with backoff) |
/// | 65 (EX_DATAERR) | permanent failure: dead-lettered at once |
/// | 79 | snooze: run again later without using an attempt; the delay is the last line of standard error if it reads as one (`30`, `30s`, `5m`), else 60 s |
/// | anything else, or killed by a signal | failed attempt, retried while attempts remain |
///
/// The command does not inherit the worker's environment, which holds its secrets
/// (`DATABASE_URL`, `PGPASSWORD`, whatever `secret_env` names). It gets only the variables in
/// ``inheritedVariables`` (those set for the worker), the job's `WHARF_JOB_*` identity and
/// `WHARF_IDEMPOTENCY_KEY`, and then ``environment`` from the config, which wins over both.
///
/// The command runs in a session of its own, so a timeout, a lost lease or a shutdown stops
/// the whole process group it started (SIGTERM, then SIGKILL after ``killGrace``), not just the
/// first process. The last 4 KiB of standard error become the attempt's error text.
public struct ExecHandler: JobHandler {
    public var command: [String]
    /// Added to the worker's environment for the command.
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Time between SIGTERM and SIGKILL when the run is stopped. Default 2 s.
    public var killGrace: Duration

    /// The worker's variables a command inherits: where to find programs, the locale, the time
    /// zone, the temporary directory and who it runs as. Nothing else (docs/operations.md).
    public static let inheritedVariables: Set<String> = [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM",
        "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY",
    ]

    /// The environment a command runs with, from the worker's own.
    public static func childEnvironment(worker: [String: String], job: [String: String], configured: [String: String]) -> [String: String] {
        var result = worker.filter { inheritedVariables.contains($0.key) }
        result.merge(job) { $1 }
        result.merge(configured) { $1 }
        return result
    }

    public static let retryExitCode: Int32 = 75
    public static let permanentFailureExitCode: Int32 = 65
    /// Outside sysexits(3)'s 64-78, so no tool exits with it by accident.
    public static let snoozeExitCode: Int32 = 79
    public static let defaultSnooze: Duration = .seconds(60)
    /// How much of standard error is kept for the error text.
    public static let stderrTailBytes = 4096

    public init(command: [String], environment: [String: String] = [:], workingDirectory: String? = nil, killGrace: Duration = .seconds(2)) {
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.killGrace = killGrace
    }

    /// The payload in an unlinked temporary file, positioned at its start, for the command's
    /// standard input. A file rather than a pipe: a command that exits without reading its
    /// input must not make the write fail (swift-subprocess 1.0.2 traps on that path, and a
    /// pipe would also block on payloads larger than its 64 KiB buffer).
    static func payloadFile(_ json: String) throws -> FileDescriptor {
        var template = Array((NSTemporaryDirectory() + "/wharf-payload-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }  // safe: a non-empty array has a base address
        guard fd >= 0 else { throw PayloadFileError(errno: errno) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }  // safe: as above
        let descriptor = FileDescriptor(rawValue: fd)
        do {
            _ = try descriptor.writeAll(json.utf8)
            _ = try descriptor.seek(offset: 0, from: .start)
        } catch {
            try? descriptor.close()
            throw error
        }
        return descriptor
    }

    /// The delay a snoozing command asked for: its last line of standard error as a duration or
    /// a number of seconds, else ``defaultSnooze``.
    static func snoozeDelay(_ stderrTail: String) -> Duration {
        guard let line = stderrTail.split(whereSeparator: \.isNewline).last?.trimmingCharacters(in: .whitespaces) else { return defaultSnooze }
        let text = line.allSatisfy(\.isNumber) ? line + "s" : line
        return (try? DurationParsing.parse(text, field: "snooze delay")) ?? defaultSnooze
    }

    struct PayloadFileError: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { "cannot create a temporary file for the payload: \(String(cString: strerror(errno)))" }
    }

    public func handle(_ context: JobContext) async throws -> HandlerOutcome {
        guard let program = command.first, !program.isEmpty else {
            return .permanentFailure("exec handler for kind \(context.job.kind) has an empty command")
        }
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: killGrace),
            .send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .milliseconds(100)),
        ]
        let job = context.job
        let jobVariables = [
            "WHARF_JOB_ID": job.id.description, "WHARF_JOB_KIND": job.kind.rawValue, "WHARF_JOB_QUEUE": job.queue.rawValue,
            "WHARF_JOB_ATTEMPT": String(job.attempt), "WHARF_JOB_MAX_ATTEMPTS": String(job.maxAttempts),
            "WHARF_IDEMPOTENCY_KEY": context.idempotencyKey,
        ]
        let variables = Self.childEnvironment(worker: ProcessInfo.processInfo.environment, job: jobVariables, configured: environment)
        let childEnvironment = Dictionary(uniqueKeysWithValues: variables.map { (Environment.Key(stringLiteral: $0.key), $0.value) })
        let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)

        let result = try await Subprocess.run(
            executable, arguments: Arguments(Array(command.dropFirst())),
            environment: .custom(childEnvironment),
            workingDirectory: workingDirectory.map { FilePath($0) },
            platformOptions: options,
            input: .fileDescriptor(try Self.payloadFile(job.payload.json), closeAfterSpawningProcess: true),
            output: .discarded, error: .sequence
        ) { execution in
            var tail: [UInt8] = []
            for try await buffer in execution.standardError {
                buffer.withUnsafeBytes { tail.append(contentsOf: $0) }
                if tail.count > 2 * Self.stderrTailBytes { tail.removeFirst(tail.count - Self.stderrTailBytes) }
            }
            return String(decoding: tail.suffix(Self.stderrTailBytes), as: UTF8.self)
        }
        let stderrTail = result.closureResult.trimmingCharacters(in: .whitespacesAndNewlines)
        func describe(_ status: String) -> String {
            stderrTail.isEmpty ? "\(program) \(status) (no stderr output)" : "\(program) \(status): \(stderrTail)"
        }
        switch result.terminationStatus {
        case .exited(0):
            return .success
        case .exited(Self.retryExitCode):
            return .retry(after: nil, reason: describe("exited with 75 (retry later)"))
        case .exited(Self.permanentFailureExitCode):
            return .permanentFailure(describe("exited with 65 (permanent failure)"))
        case .exited(Self.snoozeExitCode):
            return .snooze(for: Self.snoozeDelay(stderrTail))
        case .exited(let code):
            return .failure(describe("exited with \(code)"))
        case .signaled(let signal):
            return .failure(describe("was killed by signal \(signal)"))
        }
    }
}

import ArgumentParser
import Foundation
import Synchronization
@testable import WharfCLI
import WharfTesting

/// What one command run printed and returned.
struct CommandResult {
    var status: Int32
    var out: String
    var err: String
}

final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

/// Runs `wharf ARGS` in this process, capturing its output through `Output.sinks`.
func wharf(_ arguments: [String]) async -> CommandResult {
    let out = Lines(), err = Lines()
    let sinks = Output.Sinks(out: { out.append($0) }, err: { err.append($0) })
    let status: Int32 = await Output.$sinks.withValue(sinks) {
        do {
            var command = try WharfCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            err.append(WharfCommand.fullMessage(for: error))
            return WharfCommand.exitCode(for: error).rawValue
        }
    }
    return CommandResult(status: status, out: out.text, err: err.text)
}

/// `wharf ARGS --database-url … --schema …` against a test database.
func wharf(_ db: TestDatabase, _ arguments: [String]) async -> CommandResult {
    await wharf(arguments + ["--database-url", db.urlText, "--schema", db.schema])
}

/// Runs the real `wharf` binary (built by `make test` before the tests) as a child process.
/// The child runs on a thread of its own (see ExternalTool.offCooperativePool): waiting for it
/// on a cooperative thread stalled the other tests running in parallel.
func wharfBinary(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> CommandResult {
    let result = await ExternalTool.offCooperativePool { Result { try wharfBinaryBlocking(arguments, stdin: stdin, environment: environment) } }
    return try result.get()
}

private func wharfBinaryBlocking(_ arguments: [String], stdin: String?, environment: [String: String]) throws -> CommandResult {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let binary = ProcessInfo.processInfo.environment["WHARF_BIN"] ?? root.appendingPathComponent(".build/debug/wharf").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw TestDatabaseError("no wharf binary at \(binary): run `swift build` first (make test does)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment.filter { !["DATABASE_URL", "WHARF_SCHEMA"].contains($0.key) }
    env.merge(environment) { $1 }
    process.environment = env
    let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = inPipe
    try process.run()
    if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
    try inPipe.fileHandleForWriting.close()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    let err = errPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, out: String(decoding: out, as: UTF8.self), err: String(decoding: err, as: UTF8.self))
}

func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw TestDatabaseError("not a JSON object: \(text)")
    }
    return object
}

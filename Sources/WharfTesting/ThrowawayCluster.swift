public import Foundation

/// A PostgreSQL cluster of a test's own (scripts/pg-throwaway.sh), for tests that stop and
/// restart the server and so cannot share the suite's.
public final class ThrowawayCluster: Sendable {
    public let directory: String
    public let url: String

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-cluster-\(UUID().uuidString.prefix(8))").path
        url = try Self.script(["start", directory]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func stop() async throws { try Self.check(await ExternalTool.run(Self.command(["stop", directory])), ["stop"]) }
    public func restart() async throws { try Self.check(await ExternalTool.run(Self.command(["restart", directory])), ["restart"]) }

    /// Stops the cluster and removes its files. Blocking: it runs from `defer`.
    public func destroy() {
        _ = try? Self.script(["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Blocking: for the initializer and `destroy`, which cannot await.
    @discardableResult
    static func script(_ arguments: [String]) throws -> String {
        try check(ExternalTool.runBlocking(command(arguments)), arguments)
    }

    private static func command(_ arguments: [String]) -> [String] {
        [WorkerProcess.packageRoot.appendingPathComponent("scripts/pg-throwaway.sh").path] + arguments
    }

    @discardableResult
    private static func check(_ result: ExternalTool.Result, _ arguments: [String]) throws -> String {
        guard result.status == 0 else {
            throw TestDatabaseError("pg-throwaway.sh \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.errors)")
        }
        return result.output
    }
}

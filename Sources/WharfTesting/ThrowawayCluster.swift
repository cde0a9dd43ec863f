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

    public func stop() throws { _ = try Self.script(["stop", directory]) }
    public func restart() throws { _ = try Self.script(["restart", directory]) }

    /// Stops the cluster and removes its files.
    public func destroy() {
        _ = try? Self.script(["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    @discardableResult
    static func script(_ arguments: [String]) throws -> String {
        let script = WorkerProcess.packageRoot.appendingPathComponent("scripts/pg-throwaway.sh").path
        let result = ExternalTool.run([script] + arguments)
        guard result.status == 0 else {
            throw TestDatabaseError("pg-throwaway.sh \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.errors)")
        }
        return result.output
    }
}

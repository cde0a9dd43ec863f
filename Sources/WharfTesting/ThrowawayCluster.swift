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

    /// Runs the script with system(3), output to a file: Foundation's Process has hung here in
    /// waitUntilExit after the script's server child was started.
    @discardableResult
    static func script(_ arguments: [String]) throws -> String {
        let script = WorkerProcess.packageRoot.appendingPathComponent("scripts/pg-throwaway.sh").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pg-throwaway-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        // The arguments are a fixed verb and a directory made from a UUID: no quoting issues.
        let status = system("\(script) \(arguments.joined(separator: " ")) > \(output) 2>\(output).err")
        defer { try? FileManager.default.removeItem(atPath: output + ".err") }
        guard status == 0 else {
            let errors = (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? ""
            throw TestDatabaseError("pg-throwaway.sh \(arguments.joined(separator: " ")) failed (\(status)): \(errors)")
        }
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }
}

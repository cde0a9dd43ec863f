public import Foundation

/// A PostgreSQL cluster of a test's own (scripts/pg-throwaway.sh), for tests that stop and
/// restart the server and so cannot share the suite's.
public final class ThrowawayCluster: Sendable {
    public let directory: String
    public let url: String

    /// Blocking (initdb and start take seconds): async code should use ``start()``.
    public init() throws {
        directory = Self.newDirectory()
        url = try Self.script(["start", directory]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private init(directory: String, url: String) {
        self.directory = directory
        self.url = url
    }

    /// Starts a cluster without blocking a thread of the cooperative pool: a test process has
    /// only as many as there are cores, and every test in it shares them (a blocked one once
    /// stalled a worker test's heartbeat past its 3 s lease).
    public static func start() async throws -> ThrowawayCluster {
        let directory = newDirectory()
        let output = try check(await ExternalTool.run(command(["start", directory])), ["start"])
        return ThrowawayCluster(directory: directory, url: output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// ``destroy()`` off the cooperative pool.
    public func destroyAsync() async {
        try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func newDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("wharf-cluster-\(UUID().uuidString.prefix(8))").path
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

extension ThrowawayCluster {
    /// The server's log so far (scripts/pg-throwaway.sh writes it to `directory/log`).
    public var serverLog: String { (try? String(contentsOfFile: directory + "/log", encoding: .utf8)) ?? "" }
}

/// Runs `body` with a cluster of its own, destroyed afterwards, also when `body` throws.
public func withThrowawayCluster<T>(_ body: (ThrowawayCluster) async throws -> T) async throws -> T {
    let cluster = try await ThrowawayCluster.start()
    let result: Result<T, any Error>
    do { result = .success(try await body(cluster)) } catch { result = .failure(error) }
    await cluster.destroyAsync()
    return try result.get()
}

import Foundation
import PostgresNIO
import Testing
import Wharf
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

/// `commit_wait`: with `enqueues` (the default) the worker's own writes go through a pool whose
/// connections run with `synchronous_commit = off`, and enqueues through one that waits for the
/// disk; with `all`, one pool that waits.
@Suite("Commit wait: which connections wait for the disk")
struct ConnectionPlanTests {
    static func setting(_ configuration: PostgresClient.Configuration) -> String? {
        configuration.options.additionalStartupParameters.first { $0.0 == "synchronous_commit" }?.1
    }

    /// What the server says a connection of this configuration runs with.
    static func synchronousCommit(_ configuration: PostgresClient.Configuration, _ db: TestDatabase) async throws -> String {
        let client = PostgresClient(configuration: configuration, backgroundLogger: db.logger)
        let runner = Task { await client.run() }
        defer { runner.cancel() }
        let rows = try await client.query("SHOW synchronous_commit", logger: db.logger)
        for try await value in rows.decode(String.self) { return value }
        return "none"
    }

    @Test("by default two pools: the worker's writes skip the WAL flush, enqueues and the HTTP side do not")
    func enqueuesWait() async throws {
        try await withTestDatabase { db in
            var configuration = WorkerConfiguration(workerID: WorkerID("plan"), queues: [.init(name: .default)])
            #expect(configuration.commitWait == .enqueues)
            let plan = ConnectionPlan(database: db.url, configuration: configuration, poolSize: nil, http: true)
            let relaxed = try #require(plan.relaxed)
            #expect(Self.setting(relaxed) == "off" && Self.setting(plan.durable) == nil)
            #expect(relaxed.options.maximumConnections == 4 && plan.durable.options.maximumConnections == 4 && plan.total == 8)
            #expect(try await Self.synchronousCommit(relaxed, db) == "off")
            #expect(try await Self.synchronousCommit(plan.durable, db) == "on")

            configuration.commitWait = .all
            let single = ConnectionPlan(database: db.url, configuration: configuration, poolSize: nil, http: true)
            #expect(single.relaxed == nil && Self.setting(single.durable) == nil && single.total == 6)
        }
    }

    @Test("an explicit pool size is the total of both pools")
    func explicitPoolSize() throws {
        let url = try DatabaseURL("postgres://db/x")
        let configuration = WorkerConfiguration(workerID: WorkerID("plan"), queues: [.init(name: .default)])
        let plan = ConnectionPlan(database: url, configuration: configuration, poolSize: 10, http: false)
        #expect(plan.total == 10 && plan.durable.options.maximumConnections == 2 && plan.relaxed?.options.maximumConnections == 8)
    }
}

import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// PostgresNIO 1.33.2 never answers a request written to a connection that has just closed
/// (docs/operations.md, "Known limits"). The store must not inherit that: after its backends are
/// terminated, every call comes back (most fail, and the next ones succeed on new connections).
@Suite("Store calls come back when their connection is killed")
struct ClosedConnectionTests {
    /// Store calls of each shape: a claim (BEGIN, UPDATE, COMMIT on one connection), a prepared
    /// statement (`job`), an unprepared query (`jobs`).
    static func call(_ store: PostgresJobStore, _ round: Int, probe: JobID) async throws {
        switch round % 3 {
        case 0: _ = try await store.claim(queue: try QueueName("empty"), limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(60))
        case 1: _ = try await store.job(probe)
        default: _ = try await store.jobs(JobFilter(limit: 1))
        }
    }

    @Test("three rounds of pg_terminate_backend under 8 busy loops: every loop gets answers again after each")
    func everyCallComesBack() async throws {
        try await withTestDatabase { db in
            // Its own application_name, so the kills reach only this test's connections.
            let name = "kills-\(db.schema)"
            var configuration = db.url.clientConfiguration(poolSize: 4)
            configuration.options.additionalStartupParameters = [("search_path", db.schema), ("application_name", name)]
            let client = PostgresClient(configuration: configuration, backgroundLogger: db.logger)
            let store = PostgresJobStore(client: client, database: db.url, logger: db.logger)
            let probe = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("probe"))])[0].id
            let loops = 8
            let answered = Answers(loops: loops)
            // Unstructured, so a loop stuck in the driver fails the test instead of hanging it.
            let runner = Task { await client.run() }
            let workers = (0..<loops).map { loop in
                Task {
                    var round = loop
                    while !answered.stopped {
                        round += 1
                        if (try? await Self.call(store, round, probe: probe)) != nil {
                            answered.count(loop)
                        } else {
                            try? await Task.sleep(for: .milliseconds(10))
                        }
                    }
                }
            }
            var allRecovered = false
            for kill in 1...3 {
                let before = answered.counts
                try await expectEventually("round \(kill): the store's backends are terminated") {
                    let killed: Int64 = try await db.scalar(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = \(name)")
                    return killed > 0
                }
                let recovered = try await eventually(timeout: .seconds(60)) {
                    answered.silent(since: before).isEmpty
                }
                #expect(recovered, "after kill \(kill), loops with no successful call since: \(answered.silent(since: before))")
                allRecovered = recovered
                if !recovered { break }
            }
            answered.stop()
            guard allRecovered else { return }  // stuck loops are left behind, not awaited
            for worker in workers { await worker.value }
            runner.cancel()
        }
    }
}

/// Successful calls per loop, and the stop flag the loops poll.
final class Answers: Sendable {
    private let state: Mutex<(counts: [Int], stopped: Bool)>
    init(loops: Int) { state = Mutex((Array(repeating: 0, count: loops), false)) }
    var counts: [Int] { state.withLock { $0.counts } }
    var stopped: Bool { state.withLock { $0.stopped } }
    func count(_ loop: Int) { state.withLock { $0.counts[loop] += 1 } }
    func stop() { state.withLock { $0.stopped = true } }
    /// The loops with no successful call since `before` was read.
    func silent(since before: [Int]) -> [Int] {
        zip(counts, before).enumerated().filter { $0.element.0 <= $0.element.1 }.map(\.offset)
    }
}

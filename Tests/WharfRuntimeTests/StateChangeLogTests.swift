import Foundation
import Logging
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

/// The README promises a structured log line for every state change ("The state-change log").
/// A worker runs jobs through each change the runtime makes, and every line is checked for its
/// message and metadata.
@Suite("The state-change log")
struct StateChangeLogTests {
    struct Expected {
        var job: JobID
        var message: String
        var from: String
        var to: String
        var extraKeys: [String] = []
    }

    @Test("started, completed, failed and retried, dead-lettered, reclaimed after a lease expired, released at shutdown: each logged with its metadata")
    func everyChangeIsLogged() async throws {
        try await withTestDatabase { db in
            let log = CapturedLog()
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("ok"), handler: ClosureHandler { _ in .success })
            handlers.register(try JobKind("flaky"), handler: ClosureHandler { $0.job.attempt == 1 ? .failure("planned failure") : .success })
            handlers.register(try JobKind("doomed"), handler: ClosureHandler { _ in .permanentFailure("never works") })
            handlers.register(try JobKind("slow"), handler: ClosureHandler { _ in
                try await Task.sleep(for: .seconds(600))
                return .success
            })
            let ids = try await db.store.enqueue(try ["ok", "flaky", "doomed", "slow"].map { EnqueueRequest(kind: try JobKind($0)) }).map(\.id)
            let (ok, flaky, doomed, slow) = (ids[0], ids[1], ids[2], ids[3])
            let expired = try await JobFactory.insert(
                db, kind: "ok", state: .running, attempt: 1, maxAttempts: 5, worker: "gone:1", leaseExpiresAt: Date().addingTimeInterval(-2)).id
            let worker = try makeWorker(db, handlers: handlers, logger: log.logger)
            try await running(worker) {
                try await expectEventually("every job but the slow one finished") {
                    let completed = try await count(db, "SELECT count(*) FROM jobs WHERE state = 'completed'")
                    let dead = try await count(db, "SELECT count(*) FROM dead_jobs")
                    let slowRunning = try await count(db, "SELECT count(*) FROM jobs WHERE state = 'running' AND kind = 'slow'")
                    return completed == 3 && dead == 1 && slowRunning == 1
                }
            }
            let failure = ["error.message", "error.class"]
            let expected = [
                Expected(job: ok, message: "Job started", from: "available", to: "running"),
                Expected(job: ok, message: "Job completed", from: "running", to: "completed", extraKeys: ["job.duration"]),
                Expected(job: flaky, message: "Job failed; will retry", from: "running", to: "available", extraKeys: failure + ["retry.delay"]),
                Expected(job: flaky, message: "Job completed", from: "running", to: "completed", extraKeys: ["job.duration"]),
                Expected(job: doomed, message: "Job dead-lettered", from: "running", to: "dead", extraKeys: failure),
                Expected(job: expired, message: "Lease expired; job reclaimed and requeued", from: "running", to: "available", extraKeys: ["error.class"]),
                Expected(job: expired, message: "Job completed", from: "running", to: "completed"),
                Expected(job: slow, message: "Job started", from: "available", to: "running"),
                Expected(job: slow, message: "Job released", from: "running", to: "available"),
            ]
            let lines = log.lineRecords
            for change in expected {
                let line = lines.first { $0.message == change.message && $0.metadata["job.id"] == "\(change.job)" }
                guard let line else {
                    Issue.record("no \"\(change.message)\" line for job \(change.job); lines: \(lines.map(\.message))")
                    continue
                }
                #expect(line.metadata["job.state.from"] == change.from && line.metadata["job.state.to"] == change.to, "\(change.message): \(line.metadata)")
                for key in ["job.queue", "job.kind", "job.attempt", "worker.id"] + change.extraKeys {
                    #expect(line.metadata[key]?.isEmpty == false, "\(change.message) for job \(change.job) lacks \(key): \(line.metadata)")
                }
            }
        }
    }
}

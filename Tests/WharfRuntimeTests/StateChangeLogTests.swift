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
    typealias Expected = ExpectedStateChange

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
            let problems = log.problems(expected, requiredKeys: Expected.commonKeys + ["worker.id"])
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    @Test("a result whose lease was lost meanwhile is logged as discarded, with the job, the worker and the lost lease")
    func discardedResultIsLogged() async throws {
        try await withTestDatabase { db in
            let log = CapturedLog()
            var handlers = HandlerRegistry()
            // The handler gives its own job to another worker (as the reaper does after an expiry)
            // and then succeeds: the fenced completion finds another lease.
            handlers.register(try JobKind("robbed"), handler: ClosureHandler { context in
                _ = try await db.query("UPDATE jobs SET lease_owner = 'thief', lease_token = lease_token + 1000000 WHERE id = \(context.job.id.rawValue)")
                return .success
            })
            let id = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("robbed"))])[0].id
            // Renewals far apart, so the completion write (not a renewal) is what finds the loss.
            let worker = try makeWorker(db, handlers: handlers, configure: {
                $0.leaseTTL = .seconds(600)
                $0.heartbeatInterval = .seconds(120)
            }, logger: log.logger)
            try await running(worker) {
                try await expectEventually("the discarded result was logged") { log.all.contains("Lease lost; result discarded") }
            }
            let line = try #require(log.lineRecords.first { $0.message == "Lease lost; result discarded" })
            #expect(line.metadata["job.id"] == "\(id)")
            for key in ExpectedStateChange.commonKeys + ["worker.id", "lease.token"] {
                #expect(line.metadata[key]?.isEmpty == false, "lacks \(key): \(line.metadata)")
            }
            #expect(!log.all.contains("Job completed"), "\(log.all)")
            let owner = try await db.scalar("SELECT lease_owner FROM jobs WHERE id = \(id.rawValue)", as: String?.self)
            #expect(owner == "thief", "the thief's lease stays")
        }
    }
}

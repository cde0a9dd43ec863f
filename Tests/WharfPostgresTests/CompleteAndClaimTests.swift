import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// A producer writes its finished jobs' completions with its next claim, in one statement
/// (JobCompleteAndClaim). Each half must answer exactly as the statement it replaces would.
@Suite("Completing and claiming in one statement")
struct CompleteAndClaimTests {
    static let worker = WorkerID("w")

    @Test("completions are fenced (a stale token is a lost lease) and the claim takes the next jobs in order")
    func completesFencedAndClaims() async throws {
        try await withTestDatabase { db in
            let ids = try await db.store.enqueue((0..<5).map { _ in EnqueueRequest(kind: try JobKind("pair")) }).map(\.id)
            let first = try await db.store.claim(queue: .default, limit: 2, worker: Self.worker, leaseTTL: .seconds(60)).compactMap(\.claimRef)
            let stale = ClaimRef(id: first[1].id, token: LeaseToken(first[1].token.rawValue + 1000))
            let result = try await db.store.completeAndClaim(
                [first[0], stale], queue: .default, limit: 2, worker: Self.worker, leaseTTL: .seconds(60))
            #expect(result.completed == [.applied, .leaseLost])
            #expect(result.claimed.map(\.id) == [ids[2], ids[3]])
            #expect(result.claimed.allSatisfy { $0.state == .running && $0.attempt == 1 && $0.lease?.owner == Self.worker })
            let completed = try #require(try await db.store.job(first[0].id))
            #expect(completed.state == .completed)
            #expect(completed.history.map(\.event) == ["enqueued", "claimed", "succeeded"])
            #expect(try await db.store.job(first[1].id)?.state == .running, "the stale ref wrote nothing")
        }
    }

    @Test("with nothing to claim, or the queue paused, the completion is still written and answered")
    func completionWithoutClaim() async throws {
        try await withTestDatabase { db in
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("pair")), EnqueueRequest(kind: try JobKind("pair"))])
            let refs = try await db.store.claim(queue: .default, limit: 2, worker: Self.worker, leaseTTL: .seconds(60)).compactMap(\.claimRef)
            let empty = try await db.store.completeAndClaim([refs[0]], queue: .default, limit: 3, worker: Self.worker, leaseTTL: .seconds(60))
            #expect(empty.completed == [.applied])
            #expect(empty.claimed.isEmpty)

            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("pair"))])
            try await db.store.setPaused(.default, paused: true)
            let paused = try await db.store.completeAndClaim([refs[1]], queue: .default, limit: 3, worker: Self.worker, leaseTTL: .seconds(60))
            #expect(paused.completed == [.applied])
            #expect(paused.claimed.isEmpty, "a paused queue yields nothing")
            let states: [String] = try await db.query("SELECT state FROM jobs ORDER BY id").map { try $0.decode(String.self) }
            #expect(states == ["completed", "completed", "available"])
        }
    }

    @Test("while the completion waits for a row lock, the statement holds no claimed row (no lock cycle with a bulk writer)")
    func claimWaitsForTheCompletion() async throws {
        try await withTestDatabase(poolSize: 4) { db in
            let ids = try await db.store.enqueue((0..<3).map { _ in EnqueueRequest(kind: try JobKind("pair")) }).map(\.id)
            let running = try await db.store.claim(queue: .default, limit: 1, worker: Self.worker, leaseTTL: .seconds(120)).compactMap(\.claimRef)
            let combined = try await db.client.withTransaction(logger: db.logger) { connection in
                // Holds the running row, as a cancel in flight does, then waits for the statement to queue behind it.
                _ = try await connection.query("SELECT id FROM jobs WHERE id = \(running[0].id.rawValue) FOR UPDATE", logger: db.logger).collect()
                let holder = try await connection.query("SELECT pg_backend_pid()", logger: db.logger).collect()
                let holderPID = try holder[0].decode(Int32.self)
                let combined = Task {
                    try await db.store.completeAndClaim(running, queue: .default, limit: 2, worker: Self.worker, leaseTTL: .seconds(120))
                }
                try await expectEventually("the statement waits for the running row's lock", timeout: .seconds(60)) {
                    let waiting: Int64 = try await db.scalar(
                        "SELECT count(*) FROM pg_stat_activity WHERE \(holderPID) = ANY(pg_blocking_pids(pid))")
                    return waiting > 0
                }
                // The rows it will claim are free: a writer that locks them now does not wait.
                let free = try await connection.query(
                    "SELECT id FROM jobs WHERE state = 'available' ORDER BY id FOR UPDATE NOWAIT", logger: db.logger
                ).collect()
                #expect(try free.map { try $0.decode(Int64.self) } == [ids[1].rawValue, ids[2].rawValue])
                return combined
            }
            let result = try await combined.value
            #expect(result.completed == [.applied])
            #expect(result.claimed.map(\.id) == [ids[1], ids[2]])
        }
    }
}

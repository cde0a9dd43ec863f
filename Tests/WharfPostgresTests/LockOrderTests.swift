import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// Statements that write several job rows of one worker run at the same time: the batch
/// completion (or release) and the lease renewal. Taking those row locks in different orders
/// deadlocked them (SQLSTATE 40P01, seen under load). The renewal now skips rows that another
/// statement holds (they are being finished, so renewing them is moot) and the batch writes lock
/// in id order, so neither waits in a cycle.
@Suite("Lock order of batch writes")
struct LockOrderTests {
    @Test("completion and renewal batches over the same rows, in opposite orders, never deadlock")
    func completionAndRenewalDoNotDeadlock() async throws {
        try await withTestDatabase(poolSize: 4) { db in
            let kind = try JobKind("locks")
            var deadlocks = 0
            for round in 0..<8 {
                _ = try await db.store.enqueue((0..<300).map { _ in EnqueueRequest(kind: kind) })
                let jobs = try await db.store.claim(queue: .default, limit: 300, worker: WorkerID("w"), leaseTTL: .seconds(120))
                let refs = jobs.compactMap(\.claimRef)
                #expect(refs.count == 300)
                let ascending = refs.sorted { $0.id < $1.id }
                let descending = Array(ascending.reversed())
                let results = await withTaskGroup(of: (String, (any Error)?).self) { group in
                    group.addTask {
                        do { _ = try await db.store.complete(round.isMultiple(of: 2) ? descending : ascending) } catch { return ("complete", error) }
                        return ("complete", nil)
                    }
                    for _ in 0..<3 {
                        group.addTask {
                            do { _ = try await db.store.extendLeases(round.isMultiple(of: 2) ? ascending : descending, ttl: .seconds(120)) } catch {
                                return ("renew", error)
                            }
                            return ("renew", nil)
                        }
                    }
                    return await group.reduce(into: [(String, (any Error)?)]()) { $0.append($1) }
                }
                for (name, error) in results {
                    guard let error else { continue }
                    if "\(error)".contains("40P01") { deadlocks += 1 } else { Issue.record("\(name) failed: \(error)") }
                }
                let completed: Int64 = try await db.scalar("SELECT count(*) FROM jobs WHERE state = 'completed'")
                #expect(completed == Int64(300 * (round + 1)), "every completion applied")
            }
            #expect(deadlocks == 0)
        }
    }

    @Test("a row another statement holds is still reported as held by the renewal, not as a lost lease")
    func lockedRowsAreStillHeld() async throws {
        try await withTestDatabase(poolSize: 4) { db in
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("locks")), EnqueueRequest(kind: try JobKind("locks"))])
            let refs = try await db.store.claim(queue: .default, limit: 2, worker: WorkerID("w"), leaseTTL: .seconds(120)).compactMap(\.claimRef)
            let locked = refs[0]
            let held = try await db.client.withTransaction(logger: db.logger) { connection in
                // Holds the first row's lock for the length of the renewal, as a completion in flight does.
                _ = try await connection.query("SELECT id FROM jobs WHERE id = \(locked.id.rawValue) FOR UPDATE", logger: db.logger)
                return try await db.store.extendLeases(refs, ttl: .seconds(120))
            }
            #expect(held == Set(refs))
        }
    }
}

import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

/// Unique keys over a period (`unique_for`, migration 0008): a key stays taken for the period
/// from the enqueue, even after its job finished, through both enqueue paths.
@Suite("Unique keys over a period")
struct UniqueWindowTests {
    let kind = try! JobKind("report.daily")  // safe: a constant valid kind

    func request(_ key: String, for period: Duration?) throws -> EnqueueRequest {
        EnqueueRequest(kind: kind, options: try EnqueueOptions(uniqueKey: try UniqueKey(key), uniqueFor: period))
    }

    /// Claims and completes every available job of the default queue.
    func completeAll(_ db: TestDatabase) async throws {
        let claimed = try await db.store.claim(queue: .default, limit: 100, worker: WorkerID("test"), leaseTTL: .seconds(600))
        let outcomes = try await db.store.complete(claimed.compactMap(\.claimRef))
        #expect(outcomes.count == claimed.count)
    }

    @Test("a second enqueue within the period gets the first job, even after it completed; without a period the key is free again")
    func periodOutlivesTheJob() async throws {
        try await withTestDatabase { db in
            let first = try await db.store.enqueue([try request("daily:2026-12-03", for: .seconds(3600))])[0]
            #expect(first.inserted)
            try await completeAll(db)
            #expect(try await db.store.job(first.id)?.state == .completed)
            let again = try await db.store.enqueue([try request("daily:2026-12-03", for: .seconds(3600))])[0]
            #expect(again == EnqueueResult(id: first.id, inserted: false))
            // A period binds the enqueues that ask for one; a plain unique key checks active jobs only.
            let plain = try await db.store.enqueue([try request("daily:2026-12-03", for: nil)])[0]
            #expect(plain.inserted)
            #expect(try await db.scalar("SELECT count(*) FROM jobs", as: Int64.self) == 2)
        }
    }

    @Test("once the period ran out the key is free: the next enqueue inserts and takes a new period")
    func expiredPeriodFreesTheKey() async throws {
        try await withTestDatabase { db in
            let first = try await db.store.enqueue([try request("k", for: .seconds(3600))])[0]
            try await completeAll(db)
            _ = try await db.query("UPDATE unique_windows SET expires_at = now() - interval '1 second'")
            let second = try await db.store.enqueue([try request("k", for: .seconds(60))])[0]
            #expect(second.inserted && second.id != first.id)
            let holder = try await db.scalar("SELECT job_id FROM unique_windows WHERE unique_key = 'k'", as: Int64.self)
            #expect(holder == second.id.rawValue)
            let left = try await db.scalar("SELECT round(extract(epoch FROM expires_at - now()))::bigint FROM unique_windows", as: Int64.self)
            #expect((50...60).contains(left), "the new period is the new enqueue's 60 s, not what was left of the old one: \(left)")
        }
    }

    @Test("an active job that holds the key without a period answers, and the period runs from its enqueue")
    func periodFoldsOntoActiveHolder() async throws {
        try await withTestDatabase { db in
            let holder = try await db.store.enqueue([try request("k", for: nil)])[0]
            let windowed = try await db.store.enqueue([try request("k", for: .seconds(3600))])[0]
            #expect(windowed == EnqueueResult(id: holder.id, inserted: false))
            let exact = try await db.scalar(
                "SELECT w.job_id = j.id AND w.expires_at = j.created_at + interval '1 hour' FROM unique_windows w JOIN jobs j ON j.unique_key = w.unique_key",
                as: Bool.self)
            #expect(exact)
            try await completeAll(db)
            #expect(try await db.store.enqueue([try request("k", for: .seconds(3600))])[0] == EnqueueResult(id: holder.id, inserted: false))
        }
    }

    @Test("a mixed batch: periods, plain keys, no keys and a repeated key, answered in request order")
    func mixedBatch() async throws {
        try await withTestDatabase { db in
            let taken = try await db.store.enqueue([try request("taken", for: .seconds(3600))])[0]
            try await completeAll(db)
            let results = try await db.store.enqueue([
                try request("a", for: .seconds(3600)),
                EnqueueRequest(kind: kind),
                try request("taken", for: .seconds(3600)),
                try request("a", for: .seconds(3600)),
                try request("plain", for: nil),
            ])
            #expect(results.map(\.inserted) == [true, true, false, false, true])
            #expect(results[2].id == taken.id && results[3].id == results[0].id)
            #expect(try await db.scalar("SELECT count(*) FROM jobs WHERE state = 'available'", as: Int64.self) == 3)
        }
    }

    @Test("twenty enqueuers racing for one key and period: exactly one job, every caller gets its id")
    func racingEnqueuersInsertOnce() async throws {
        try await withTestDatabase { db in
            let results = try await withThrowingTaskGroup(of: EnqueueResult.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await db.store.enqueue([try request("race", for: .seconds(3600))])[0] }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter(\.inserted).count == 1)
            #expect(Set(results.map(\.id)).count == 1)
            #expect(try await db.scalar("SELECT count(*) FROM jobs", as: Int64.self) == 1)
        }
    }

    @Test("the SQL function: unique_for holds the key after the job finished; bad arguments are refused and nothing is written", arguments: [
        ("unique_for => interval '1 hour'", "unique_for needs a unique_key"),
        ("unique_key => 'k', unique_for => interval '0'", "unique_for 00:00:00 is out of range"),
        ("unique_key => 'k', unique_for => interval '-5 minutes'", "is out of range"),
        ("unique_key => 'k', unique_for => interval '3651 days'", "is out of range"),
    ])
    func sqlFunction(arguments: String, message: String) async throws {
        try await withTestDatabase { db in
            await #expect {
                try await db.query(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('k', \(arguments))"))
            } throws: { error in
                String(reflecting: error).contains(message)
            }
            #expect(try await db.scalar("SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM unique_windows)", as: Int64.self) == 0)
            let first = try await db.scalar(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('k', unique_key => 'sql', unique_for => interval '1 day')"), as: Int64.self)
            try await completeAll(db)
            let second = try await db.scalar(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('k', '{\"other\": 1}', unique_key => 'sql', unique_for => interval '1 day')"), as: Int64.self)
            #expect(first == second)
            let outcome = try await db.scalar(PostgresQuery(unsafeSQL: "SELECT inserted FROM \(db.schema).enqueue_job('k', unique_key => 'sql', unique_for => interval '1 day')"), as: Bool.self)
            #expect(!outcome)
        }
    }

    @Test("the pruner deletes expired periods only, and the keys they held stay free")
    func prunerDeletesExpired() async throws {
        try await withTestDatabase { db in
            _ = try await db.store.enqueue([try request("live", for: .seconds(3600)), try request("gone", for: .seconds(3600))])
            _ = try await db.query("UPDATE unique_windows SET expires_at = now() - interval '1 minute' WHERE unique_key = 'gone'")
            let pruner = UniqueWindowPruner(store: db.store, logger: db.logger)
            #expect(try await pruner.runOnce() == 1)
            #expect(try await pruner.runOnce() == 0)
            let left = try await db.query("SELECT unique_key FROM unique_windows").map { try $0.decode(String.self) }
            #expect(left == ["live"])
        }
    }

    @Test("options: a period needs a key and must be positive and at most ten years")
    func optionChecks() throws {
        #expect(throws: ValidationError.self) { try EnqueueOptions(uniqueFor: .seconds(60)) }
        #expect(throws: ValidationError.self) { try EnqueueOptions(uniqueKey: try UniqueKey("k"), uniqueFor: .zero) }
        #expect(throws: ValidationError.self) { try EnqueueOptions(uniqueKey: try UniqueKey("k"), uniqueFor: .seconds(3651 * 86_400)) }
        #expect(try EnqueueOptions(uniqueKey: try UniqueKey("k"), uniqueFor: .seconds(1)).uniqueFor == .seconds(1))
    }
}

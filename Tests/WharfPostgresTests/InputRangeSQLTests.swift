import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// The SQL side of "every door validates the same way": the SQL function refuses what the CLI
/// and the API refuse, the table refuses it as the last line, values the database refuses are
/// the caller's mistake (not an outage), and rows that got in anyway (a bad migration dropped
/// the check) can still be claimed, counted and shown.
@Suite("Input ranges in SQL: the function, the CHECK, and rows that got around both")
struct InputRangeSQLTests {
    func sqlState(_ body: () async throws -> Void) async -> (state: String, message: String)? {
        do {
            try await body()
            return nil
        } catch let error as PSQLError {
            return (error.serverInfo?[.sqlState] ?? "", error.serverInfo?[.message] ?? "")
        } catch {
            return ("?", "\(error)")
        }
    }

    @Test("wharf.enqueue refuses a run_at outside 1970-9999, naming the argument", arguments: [
        "'-infinity'", "'0001-01-01T00:00:00Z'", "'1700-01-01T00:00:00Z'", "'infinity'", "'10000-01-01T00:00:00Z'",
    ])
    func functionRefusesRunAt(value: String) async throws {
        try await withTestDatabase { db in
            let refused = await sqlState {
                try await db.query(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('probe.old', run_at => \(value)::timestamptz)"))
            }
            #expect(refused?.state == "22008")
            #expect(refused?.message.contains("run_at") == true && refused?.message.contains("accepted range 1970-01-01T00:00:00Z") == true)
            let count: Int64 = try await db.scalar("SELECT count(*) FROM jobs")
            #expect(count == 0)
        }
    }

    @Test("wharf.enqueue accepts both ends of the range and NULL (now)")
    func functionAcceptsTheRange() async throws {
        try await withTestDatabase { db in
            for value in ["'1970-01-01T00:00:00Z'", "'9999-12-31T23:59:59Z'", "NULL"] {
                try await db.query(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('k', run_at => \(value)::timestamptz)"))
            }
            let count: Int64 = try await db.scalar("SELECT count(*) FROM jobs")
            #expect(count == 3)
        }
    }

    @Test("wharf.enqueue has the same 1 MiB payload limit as the CLI and the API")
    func functionPayloadLimit() async throws {
        try await withTestDatabase { db in
            let refused = await sqlState {
                try await db.query(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('k', jsonb_build_object('blob', repeat('x', 1100000)))"))
            }
            #expect(refused?.state == "54000")
            #expect(refused?.message.contains("larger than the 1 MiB limit") == true)
            try await db.query(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('k', jsonb_build_object('blob', repeat('x', 1000000)))"))
            let count: Int64 = try await db.scalar("SELECT count(*) FROM jobs")
            #expect(count == 1)
        }
    }

    @Test("the table itself refuses an out-of-range run_at written around the function")
    func checkConstraintIsTheLastLine() async throws {
        try await withTestDatabase { db in
            let refused = await sqlState {
                try await db.query("INSERT INTO jobs (queue, kind, run_at) VALUES ('default', 'k', '-infinity')")
            }
            #expect(refused?.state == "23514")
            #expect(refused?.message.contains("jobs_run_at_range") == true)
        }
    }

    @Test("a value the database refuses is the caller's mistake: rejected, not transient")
    func refusedValuesAreNotOutages() async throws {
        try await withTestDatabase { db in
            // An operator's own rule on the table, which Wharf's checks know nothing about.
            try await db.query("ALTER TABLE jobs ADD CONSTRAINT no_forbidden_kind CHECK (kind <> 'forbidden.kind')")
            do {
                _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("forbidden.kind"))])
                Issue.record("the insert was accepted")
            } catch let error as StoreError {
                guard case .rejected(let operation, let detail) = error else {
                    Issue.record("expected .rejected, got \(error)")
                    return
                }
                #expect(operation == "enqueue")
                #expect(detail.contains("no_forbidden_kind") && detail.contains("23514"))
                #expect(!error.isTransient)
                #expect(error.isInvalidInput)
            }
        }
    }

    @Test("rows that bypassed every check are claimed, counted and shown: nothing fails the whole queue")
    func rowsAroundTheChecks() async throws {
        try await withTestDatabase { db in
            // What a bad migration or a manual fix can leave behind.
            try await db.query("ALTER TABLE jobs DROP CONSTRAINT jobs_run_at_range")
            try await db.query("""
                INSERT INTO jobs (queue, kind, run_at, attempt, max_attempts) VALUES
                    ('edge', 'k', '-infinity', 0, 3), ('edge', 'k', '0001-01-01T00:00:00Z', 0, 3),
                    ('edge', 'k', '1700-01-01T00:00:00Z', 0, 3), ('edge', 'k', 'infinity', 0, 3),
                    ('edge', 'k', now(), 2147483647, 1000)
                """)
            let overview = try await db.store.queueOverview()
            let edge = try #require(overview.first { $0.queue.rawValue == "edge" })
            #expect((edge.available, edge.scheduled) == (4, 1))
            #expect(edge.oldestAvailableAgeSeconds == 1e12, "capped, finite")

            let claimed = try await db.store.claim(queue: try QueueName("edge"), limit: 10, worker: WorkerID("w"), leaseTTL: .seconds(60))
            #expect(claimed.count == 4, "every due row is claimed; infinity is never due")
            #expect(claimed.map(\.attempt).sorted() == [1, 1, 1, 1001])
            let outcomes = try await db.store.complete(claimed.compactMap(\.claimRef))
            #expect(outcomes.count == 4)
            let timings = try await db.store.recentTimings(limit: 10)
            #expect(timings.count == 4)
            #expect(timings.allSatisfy { $0.waitSeconds.isFinite && $0.waitSeconds >= 0 && $0.waitSeconds <= 1e12 })
            let counts = try await db.store.queueOverview()
            #expect(counts.first { $0.queue.rawValue == "edge" }?.scheduled == 1)
        }
    }
}

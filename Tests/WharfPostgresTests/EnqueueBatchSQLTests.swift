import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// `wharf.enqueue_batch(jobs jsonb)` (migration 0009): many jobs in one set-based call, from any
/// language, with enqueue()'s checks and unique keys.
@Suite("The wharf.enqueue_batch SQL function")
struct EnqueueBatchSQLTests {
    static func batch(_ db: TestDatabase, _ json: String) async throws -> [(id: Int64, inserted: Bool)] {
        try await db.query(PostgresQuery(unsafeSQL: "SELECT job_id, inserted FROM \(db.schema).enqueue_batch('\(json.replacingOccurrences(of: "'", with: "''"))'::jsonb)"))
            .map { try $0.decode((Int64, Bool).self) }
            .map { (id: $0.0, inserted: $0.1) }
    }

    @Test("jobs land with their fields, ids follow the array, a key repeated in the batch or held already answers with its job")
    func fieldsOrderAndKeys() async throws {
        try await withTestDatabase { db in
            let held = try await Self.batch(db, #"[{"kind": "k", "unique_key": "held"}]"#)[0].id
            let results = try await Self.batch(db, """
                [{"kind": "a", "payload": {"n": 1}, "queue": "mail", "priority": 3, "max_attempts": 5},
                 {"kind": "b", "unique_key": "dup", "run_at": "2030-01-01T00:00:00Z"},
                 {"kind": "c", "unique_key": "dup"},
                 {"kind": "d", "unique_key": "held", "delay_seconds": 60},
                 {"kind": "e", "payload": null, "queue": null}]
                """)
            #expect(results.map(\.inserted) == [true, true, false, false, true])
            #expect(results[2].id == results[1].id && results[3].id == held)
            let inserted = [results[0].id, results[1].id, results[4].id]
            #expect(inserted == inserted.sorted(), "ids follow the array, so equal run_at claims in array order")
            let a = try #require(try await db.store.job(JobID(results[0].id)))
            #expect(a.queue.rawValue == "mail" && a.priority.rawValue == 3 && a.maxAttempts == 5 && a.payload.json.contains("\"n\": 1"))
            let b = try #require(try await db.store.job(JobID(results[1].id)))
            #expect(b.runAt == Date(timeIntervalSince1970: 1_893_456_000) && b.uniqueKey?.rawValue == "dup")
            let e = try #require(try await db.store.job(JobID(results[4].id)))
            #expect(e.queue == .default && e.payload.json == "{}")
            #expect(try await db.scalar("SELECT count(*) FROM jobs WHERE jsonb_array_length(history) = 1", as: Int64.self) == 4)
            #expect(try await Self.batch(db, "[]").isEmpty)
        }
    }

    @Test("a bad element is refused by its index and nothing is written", arguments: [
        (#"[{"kind": "ok"}, {"kind": "bad kind!"}]"#, "jobs[1]: invalid kind"),
        (#"[{"kind": "ok"}, 7]"#, "jobs[1]: is number, not a job object"),
        (#"[{"kind": "ok", "colour": "red"}]"#, "jobs[0]: unknown field colour"),
        (#"[{"kind": "ok", "priority": 12}]"#, "jobs[0]: priority 12 is out of range"),
        (#"[{"kind": "ok", "priority": 1.5}]"#, "jobs[0]: priority 1.5 is out of range"),
        (#"[{"kind": "ok", "max_attempts": 0}]"#, "jobs[0]: max_attempts 0 is out of range"),
        (#"[{"kind": "ok", "queue": 5}]"#, "jobs[0]: invalid queue 5"),
        (#"[{"kind": "ok", "run_at": "tomorrow"}]"#, "jobs[0]: run_at \"tomorrow\" is not an ISO 8601 instant"),
        (#"[{"kind": "ok"}, {"kind": "ok", "run_at": "2026-13-45T00:00:00Z"}]"#, "jobs[1]: run_at \"2026-13-45T00:00:00Z\" is not a valid instant"),
        (#"[{"kind": "ok", "run_at": "1969-12-31T23:59:59Z"}]"#, "outside the accepted range"),
        (#"[{"kind": "ok", "run_at": "2030-01-01T00:00:00Z", "delay_seconds": 5}]"#, "not both"),
        (#"[{"kind": "ok", "delay_seconds": -1}]"#, "delay_seconds -1 must be"),
        (#"[{"kind": "ok", "unique_key": ""}]"#, "unique_key must be a string of 1-255 characters"),
        (#"[{"kind": "ok", "unique_for_seconds": 60}]"#, "unique_for_seconds needs a unique_key"),
        (#"{"kind": "ok"}"#, "jobs must be a JSON array of job objects, got object"),
    ])
    func refusals(json: String, message: String) async throws {
        try await withTestDatabase { db in
            await #expect {
                _ = try await Self.batch(db, json)
            } throws: { error in
                String(reflecting: error).contains(message)
            }
            let written = try await db.scalar("SELECT count(*) FROM jobs", as: Int64.self)
            #expect(written == 0)
        }
    }

    @Test("a batch with unique_for_seconds holds its keys for the period, element by element")
    func periods() async throws {
        try await withTestDatabase { db in
            let first = try await Self.batch(db, #"[{"kind": "r", "unique_key": "day", "unique_for_seconds": 3600}, {"kind": "s"}]"#)
            #expect(first.map(\.inserted) == [true, true])
            _ = try await db.query("UPDATE jobs SET state = 'completed', finished_at = now()")
            let again = try await Self.batch(db, #"[{"kind": "r", "unique_key": "day", "unique_for_seconds": 3600}]"#)
            #expect(again.map(\.id) == [first[0].id] && again.map(\.inserted) == [false])
        }
    }

    @Test("thousands of jobs in one call, each once")
    func largeBatch() async throws {
        try await withTestDatabase { db in
            let count = try await db.scalar(PostgresQuery(unsafeSQL: """
                SELECT count(*) FROM \(db.schema).enqueue_batch(
                    (SELECT jsonb_agg(jsonb_build_object('kind', 'bulk', 'payload', jsonb_build_object('i', g), 'unique_key', 'b' || (g % 4000)))
                     FROM generate_series(1, 5000) g))
                WHERE inserted
                """), as: Int64.self)
            #expect(count == 4000)
            #expect(try await db.scalar("SELECT count(DISTINCT unique_key) FROM jobs", as: Int64.self) == 4000)
        }
    }
}

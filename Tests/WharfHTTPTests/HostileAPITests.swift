import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing
import WharfCore
import WharfHTTP
import WharfPostgres
import WharfTesting

/// Hostile-but-legal input at the HTTP door, and rows that got around the checks: every answer
/// is a specific 4xx, never a 503 for the caller's mistake, and monitoring keeps answering.
@Suite("hostile input at the HTTP API")
struct HostileAPITests {
    @Test("run_at outside 1970-9999 and out-of-range delays get 400 naming the field, and insert nothing", arguments: [
        #"{"kind": "probe.old", "run_at": "1700-01-01T00:00:00Z"}"#, #"{"kind": "probe.old", "run_at": "0001-01-01T00:00:00Z"}"#,
        #"{"kind": "probe.old", "run_at": "10000-01-01T00:00:00Z"}"#, #"{"kind": "probe.old", "delay_seconds": 1e300}"#,
        #"{"kind": "probe.old", "delay_seconds": -1}"#,
    ])
    func enqueueRanges(body: String) async throws {
        try await withAPI { db, client, _ in
            let response = try await client.send(.post, "/api/v1/jobs", token: testToken, body: body)
            #expect(response.status == .badRequest, "\(response.errorMessage)")
            #expect(response.errorMessage.contains(body.contains("run_at") ? "run_at" : "delay_seconds"))
            #expect(try await int(db, "SELECT count(*)::int FROM jobs") == 0)
        }
    }

    @Test("a value the database itself refuses (an operator's CHECK) is 400 with the reason, not 503")
    func databaseRefusalIsBadRequest() async throws {
        try await withAPI { db, client, _ in
            try await db.query("ALTER TABLE jobs ADD CONSTRAINT no_forbidden_kind CHECK (kind <> 'forbidden.kind')")
            let response = try await client.send(.post, "/api/v1/jobs", token: testToken, body: #"{"kind": "forbidden.kind"}"#)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage.contains("no_forbidden_kind"))
        }
    }

    @Test("one -infinity row does not blind monitoring: overview, queues and the job itself answer")
    func extremeRowKeepsMonitoringAlive() async throws {
        try await withAPI { db, client, sampler in
            try await db.query("ALTER TABLE jobs DROP CONSTRAINT jobs_run_at_range")
            let id: Int64 = try await db.scalar(
                "INSERT INTO jobs (queue, kind, run_at, created_at) VALUES ('edge', 'k', '-infinity', '-infinity') RETURNING id")
            _ = try await JobFactory.insert(db, queue: "ok")
            await sampler.sampleOnce()
            #expect(sampler.lastError == nil, "\(sampler.lastError ?? "")")
            let overview = try await client.send(.get, "/api/v1/overview")
            #expect(overview.status == .ok)
            let queues = try await client.send(.get, "/api/v1/queues")
            let names = (queues.json["queues"] as? [[String: Any]])?.compactMap { $0["queue"] as? String } ?? []
            #expect(names.contains("edge") && names.contains("ok"))
            let job = try await client.send(.get, "/api/v1/jobs/\(id)")
            #expect(job.status == .ok)
            #expect((job.json["run_at"] as? String)?.contains("seconds from 1970") == true)
            let cancelled = try await client.send(.post, "/api/v1/jobs/\(id)/cancel", token: testToken)
            #expect(cancelled.status == .ok)
        }
    }

    @Test("against a schema newer than this binary (wharf serve during an upgrade) actions are refused, reads still work")
    func actionsNeedTheKnownSchema() async throws {
        let ahead: @Sendable () async throws -> Void = { throw StoreError.schemaAhead(schema: "wharf", have: 99, known: 5) }
        try await withAPI(readiness: ahead) { db, client, _ in
            let id = try await JobFactory.insert(db).id
            let cancel = try await client.send(.post, "/api/v1/jobs/\(id.rawValue)/cancel", token: testToken)
            #expect(cancel.status == .serviceUnavailable)
            #expect(cancel.errorMessage.contains("newer than the newest this wharf knows"))
            let enqueue = try await client.send(.post, "/api/v1/jobs", token: testToken, body: #"{"kind": "k"}"#)
            #expect(enqueue.status == .serviceUnavailable)
            #expect(try await db.store.job(id)?.state == .available)
            #expect(try await int(db, "SELECT count(*)::int FROM jobs") == 1)
            #expect(try await client.send(.get, "/api/v1/jobs/\(id.rawValue)").status == .ok)
        }
    }
}

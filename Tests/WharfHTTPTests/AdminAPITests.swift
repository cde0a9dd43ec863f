import Foundation
import HTTPTypes
import WharfPostgres
import HummingbirdTesting
import Testing
import WharfCore
import WharfRuntime
import WharfHTTP
import WharfTesting
import PostgresNIO

@Suite("Admin API")
struct AdminAPITests {
    @Test("job listing pages by keyset with next_before and filters by queue, kind and state")
    func listingPagesAndFilters() async throws {
        try await withAPI { db, client, _ in
            var ids: [Int64] = []
            for i in 0..<7 {
                ids.append(try await JobFactory.insert(db, kind: i % 2 == 0 ? "even" : "odd", queue: i < 5 ? "a" : "b").id.rawValue)
            }
            _ = try await JobFactory.insert(db, kind: "even", queue: "a", state: .completed)
            var seen: [Int64] = []
            var uri = "/api/v1/jobs?queue=a&state=available&limit=2"
            while true {
                let page = try await client.send(.get, uri)
                #expect(page.status == .ok)
                let jobs = try #require(page.json["jobs"] as? [[String: Any]])
                seen += jobs.compactMap { $0["id"] as? Int64 ?? ($0["id"] as? Int).map(Int64.init) }
                guard let next = page.json["next_before"] as? Int else { break }
                uri = "/api/v1/jobs?queue=a&state=available&limit=2&before=\(next)"
            }
            #expect(seen == Array(ids.prefix(5).reversed()), "every available job of queue a once, newest first")

            let odd = try await client.send(.get, "/api/v1/jobs?kind=odd")
            #expect((odd.json["jobs"] as? [[String: Any]])?.allSatisfy { $0["kind"] as? String == "odd" } == true)
            #expect((odd.json["jobs"] as? [[String: Any]])?.count == 3)
            #expect(odd.json["next_before"] is NSNull)

            let badState = try await client.send(.get, "/api/v1/jobs?state=finished")
            #expect(badState.status == .badRequest)
            #expect(badState.errorMessage.contains("available, running, completed, cancelled"))
            #expect(try await client.send(.get, "/api/v1/jobs?limit=0").status == .badRequest)
            #expect(try await client.send(.get, "/api/v1/jobs?queue=bad%20name").status == .badRequest)
        }
    }

    @Test("one job comes with its full history; a dead job is found through the same path")
    func showsJobWithHistory() async throws {
        try await withAPI { db, client, _ in
            let id = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("show.me"))])[0].id
            let job = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w1"), leaseTTL: .seconds(30)).first)
            _ = try await db.store.complete([try #require(job.claimRef)])
            let response = try await client.send(.get, "/api/v1/jobs/\(id)")
            #expect(response.status == .ok)
            let history = try #require(response.json["history"] as? [[String: Any]])
            #expect(history.map { $0["event"] as? String } == ["enqueued", "claimed", "succeeded"])
            #expect(history[1]["worker"] as? String == "w1")

            let dead = try await JobFactory.insertDead(db, error: "kaput")
            let deadResponse = try await client.send(.get, "/api/v1/jobs/\(dead)")
            #expect(deadResponse.json["state"] as? String == "dead")
            #expect((deadResponse.json["errors"] as? [[String: Any]])?.first?["error"] as? String == "kaput")

            #expect(try await client.send(.get, "/api/v1/jobs/999999").status == .notFound)
            #expect(try await client.send(.get, "/api/v1/jobs/nope").status == .badRequest)
        }
    }

    @Test("every action refuses a missing or wrong token with 401 and changes nothing")
    func actionsNeedTheToken() async throws {
        try await withAPI { db, client, _ in
            let job = try await JobFactory.insert(db, queue: "q")
            let dead = try await JobFactory.insertDead(db, queue: "q")
            let actions: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/api/v1/jobs", #"{"kind": "x"}"#),
                (.post, "/api/v1/jobs/\(job.id)/cancel", nil),
                (.post, "/api/v1/dead-jobs/\(dead)/retry", nil),
                (.delete, "/api/v1/dead-jobs/\(dead)", nil),
                (.post, "/api/v1/dead-jobs/retry", #"{"all": true}"#),
                (.post, "/api/v1/dead-jobs/purge", #"{"all": true}"#),
                (.post, "/api/v1/queues/q/pause", nil),
                (.post, "/api/v1/queues/q/resume", nil),
            ]
            for (method, uri, body) in actions {
                for token: String? in [nil, "wrong-token-0123456789abcdef", String(testToken.dropLast())] {
                    let response = try await client.send(method, uri, token: token, body: body)
                    #expect(response.status == .unauthorized, "\(method) \(uri) with token \(token ?? "none")")
                }
            }
            #expect(try await db.store.job(job.id)?.state == .available)
            #expect(try await db.store.deadJob(dead) != nil)
            #expect(try await db.store.pausedQueues().isEmpty)
            #expect(try await int(db, "SELECT count(*) FROM jobs") == 1)
        }
    }

    @Test("without a configured token the actions are off (403) and reads still work")
    func actionsOffWithoutToken() async throws {
        try await withAPI(token: nil) { db, client, _ in
            let job = try await JobFactory.insert(db)
            let response = try await client.send(.post, "/api/v1/jobs/\(job.id)/cancel", token: testToken)
            #expect(response.status == .forbidden)
            #expect(response.errorMessage.contains("WHARF_API_TOKEN"))
            #expect(try await db.store.job(job.id)?.state == .available)
            #expect(try await client.send(.get, "/api/v1/jobs/\(job.id)").status == .ok)
        }
    }

    @Test("cancel: 200 for an active job, 409 when already finished, 404 when unknown")
    func cancel() async throws {
        try await withAPI { db, client, _ in
            let job = try await JobFactory.insert(db, state: .running)
            let response = try await client.send(.post, "/api/v1/jobs/\(job.id)/cancel", token: testToken)
            #expect(response.status == .ok)
            #expect(response.json["state"] as? String == "cancelled")
            #expect(try await db.store.job(job.id)?.state == .cancelled)
            let again = try await client.send(.post, "/api/v1/jobs/\(job.id)/cancel", token: testToken)
            #expect(again.status == .conflict)
            #expect(again.errorMessage.contains("cancelled"))
            #expect(try await client.send(.post, "/api/v1/jobs/424242/cancel", token: testToken).status == .notFound)
        }
    }

    @Test("dead jobs: retry one, purge one, retry and purge by filter; an empty filter needs all: true")
    func deadJobActions() async throws {
        try await withAPI { db, client, _ in
            let first = try await JobFactory.insertDead(db, kind: "a", queue: "q1")
            let second = try await JobFactory.insertDead(db, kind: "a", queue: "q1")
            let third = try await JobFactory.insertDead(db, kind: "b", queue: "q1")
            let fourth = try await JobFactory.insertDead(db, kind: "b", queue: "q2")
            let fifth = try await JobFactory.insertDead(db, kind: "c", queue: "q2", uniqueKey: "held")
            _ = try await JobFactory.insert(db, kind: "c", queue: "q2", uniqueKey: "held")

            let retried = try await client.send(.post, "/api/v1/dead-jobs/\(first)/retry", token: testToken)
            #expect(retried.status == .ok)
            #expect(try await db.store.job(first)?.state == .available)
            #expect(try await db.store.deadJob(first) == nil)
            #expect(try await client.send(.post, "/api/v1/dead-jobs/\(first)/retry", token: testToken).status == .notFound)

            #expect(try await client.send(.delete, "/api/v1/dead-jobs/\(second)", token: testToken).status == .ok)
            #expect(try await db.store.deadJob(second) == nil)
            #expect(try await db.store.job(second) == nil)

            let notABoolean = try await client.send(.post, "/api/v1/dead-jobs/purge", token: testToken, body: #"{"all": 1}"#)
            #expect(notABoolean.status == .badRequest)
            #expect(notABoolean.errorMessage.contains("true or false"))
            let noFilter = try await client.send(.post, "/api/v1/dead-jobs/retry", token: testToken, body: "{}")
            #expect(noFilter.status == .badRequest)
            #expect(noFilter.errorMessage.contains("\"all\": true"))

            let byKind = try await client.send(.post, "/api/v1/dead-jobs/retry", token: testToken, body: #"{"kind": "b", "queue": "q1"}"#)
            #expect(byKind.json["retried"] as? Int == 1)
            #expect(try await db.store.job(third) != nil)
            #expect(try await db.store.deadJob(fourth) != nil, "other queue untouched")

            let all = try await client.send(.post, "/api/v1/dead-jobs/retry", token: testToken, body: #"{"all": true}"#)
            #expect(all.json["retried"] as? Int == 1)
            #expect(all.json["skipped"] as? Int == 1, "the dead job whose unique key an active job holds stays")
            #expect(try await db.store.deadJob(fifth) != nil)

            let purged = try await client.send(.post, "/api/v1/dead-jobs/purge", token: testToken, body: #"{"queue": "q2"}"#)
            #expect(purged.json["purged"] as? Int == 1)
            #expect(try await int(db, "SELECT count(*) FROM dead_jobs") == 0)
        }
    }

    @Test("malformed and oversize bodies get 400 and 413 with a message, and insert nothing")
    func badBodies() async throws {
        try await withAPI(bodyLimit: 4096) { db, client, _ in
            let cases: [(String, String)] = [
                ("{not json", "not valid JSON"),
                ("[1, 2]", "must be a JSON object"),
                (#"{"kind": "ok", "colour": "red"}"#, "unknown field \"colour\""),
                (#"{"payload": {}}"#, "\"kind\" is required"),
                (#"{"kind": "bad kind!"}"#, "kind"),
                (#"{"kind": "ok", "priority": "high"}"#, "\"priority\" must be an integer"),
                (#"{"kind": "ok", "priority": true}"#, "\"priority\" must be an integer"),
                (#"{"kind": "ok", "priority": 12}"#, "priority"),
                (#"{"kind": "ok", "max_attempts": 0}"#, "max attempts"),
                (#"{"kind": "ok", "run_at": "tomorrow"}"#, "ISO 8601"),
                (#"{"kind": "ok", "run_at": "2030-01-01T00:00:00Z", "delay_seconds": 5}"#, "not both"),
                (#"{"kind": "ok", "delay_seconds": -1}"#, "delay_seconds"),
                (#"{"kind": "ok", "unique_for_seconds": 60}"#, "needs a unique key"),
                (#"{"kind": "ok", "unique_key": "k", "unique_for_seconds": 0}"#, "unique_for_seconds"),
                (#"{"kind": "ok", "unique_key": "k", "unique_for_seconds": "1h"}"#, "must be a number of seconds"),
            ]
            for (body, message) in cases {
                let response = try await client.send(.post, "/api/v1/jobs", token: testToken, body: body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.errorMessage.contains(message), "\(body): \(response.errorMessage)")
            }
            let big = #"{"kind": "ok", "payload": ""# + String(repeating: "x", count: 5000) + #""}"#
            let oversize = try await client.send(.post, "/api/v1/jobs", token: testToken, body: big)
            #expect(oversize.status == .contentTooLarge)
            #expect(oversize.errorMessage.contains("4096"))
            #expect(try await int(db, "SELECT count(*) FROM jobs") == 0)
        }
    }

    @Test("enqueue over HTTP: 201 with the id, 200 with the holder's id for a held unique key")
    func enqueue() async throws {
        try await withAPI { db, client, _ in
            let body = #"{"kind": "email.send", "payload": {"to": "a@b.c", "n": 12345678901}, "queue": "mail", "priority": 3, "delay_seconds": 60, "unique_key": "k1"}"#
            let before = Date()
            let created = try await client.send(.post, "/api/v1/jobs", token: testToken, body: body)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? Int)
            let job = try #require(try await db.store.job(JobID(Int64(id))))
            #expect(job.queue.rawValue == "mail" && job.priority.rawValue == 3 && job.uniqueKey?.rawValue == "k1")
            #expect(job.payload.json.contains("12345678901"))
            #expect(job.runAt.timeIntervalSince(before) > 59, "delay_seconds 60 from the request")
            let again = try await client.send(.post, "/api/v1/jobs", token: testToken, body: body)
            #expect(again.status == .ok)
            #expect(again.json["id"] as? Int == id && again.json["inserted"] as? Bool == false)
        }
    }

    @Test("unique_for_seconds holds the key after the job finished: the same request answers 200 with the first job")
    func enqueueWithinPeriod() async throws {
        try await withAPI { db, client, _ in
            let body = #"{"kind": "report.daily", "unique_key": "daily:2026-12-03", "unique_for_seconds": 86400}"#
            let created = try await client.send(.post, "/api/v1/jobs", token: testToken, body: body)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? Int)
            let claimed = try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(600))
            #expect(try await db.store.complete(claimed.compactMap(\.claimRef)).count == 1)
            let again = try await client.send(.post, "/api/v1/jobs", token: testToken, body: body)
            #expect(again.status == .ok)
            #expect(again.json["id"] as? Int == id && again.json["inserted"] as? Bool == false)
            #expect(try await int(db, "SELECT count(*) FROM jobs") == 1)
        }
    }

    @Test("a batch body enqueues every job in one call, answered in order; a bad element is named and nothing is enqueued")
    func enqueueBatch() async throws {
        try await withAPI { db, client, _ in
            let bad = try await client.send(.post, "/api/v1/jobs", token: testToken, body: #"{"jobs": [{"kind": "ok"}, {"kind": "ok", "priority": 12}]}"#)
            #expect(bad.status == .badRequest && bad.errorMessage.contains("jobs[1]: invalid priority \"12\""), "\(bad.errorMessage)")
            let unknown = try await client.send(.post, "/api/v1/jobs", token: testToken, body: #"{"jobs": [{"kind": "ok", "colour": "red"}]}"#)
            #expect(unknown.status == .badRequest && unknown.errorMessage.contains("jobs[0]: unknown field \"colour\""), "\(unknown.errorMessage)")
            let mixed = try await client.send(.post, "/api/v1/jobs", token: testToken, body: #"{"kind": "ok", "jobs": []}"#)
            #expect(mixed.status == .badRequest && mixed.errorMessage.contains("only the field \"jobs\""), "\(mixed.errorMessage)")
            #expect(try await int(db, "SELECT count(*) FROM jobs") == 0)
            let body = #"{"jobs": [{"kind": "a", "unique_key": "k"}, {"kind": "b", "queue": "mail"}, {"kind": "a", "unique_key": "k"}]}"#
            let created = try await client.send(.post, "/api/v1/jobs", token: testToken, body: body)
            #expect(created.status == .created)
            let jobs = try #require(created.json["jobs"] as? [[String: Any]])
            #expect(jobs.map { $0["inserted"] as? Bool } == [true, true, false])
            #expect(jobs[0]["id"] as? Int == jobs[2]["id"] as? Int)
            let again = try await client.send(.post, "/api/v1/jobs", token: testToken, body: #"{"jobs": [{"kind": "a", "unique_key": "k"}]}"#)
            #expect(again.status == .ok, "nothing new: 200")
            #expect(try await int(db, "SELECT count(*) FROM jobs") == 2)
        }
    }

    @Test("a paused queue is not claimed from until it is resumed; the overview shows it")
    func pauseAndResume() async throws {
        try await withAPI { db, client, sampler in
            _ = try await JobFactory.insert(db, queue: "slow")
            let paused = try await client.send(.post, "/api/v1/queues/slow/pause", token: testToken)
            #expect(paused.status == .ok)
            #expect(try await db.store.claim(queue: try QueueName("slow"), limit: 5, worker: WorkerID("w"), leaseTTL: .seconds(30)).isEmpty)
            await sampler.sampleOnce()
            let queues = try await client.send(.get, "/api/v1/queues")
            let slow = (queues.json["queues"] as? [[String: Any]])?.first { $0["queue"] as? String == "slow" }
            #expect(slow?["paused"] as? Bool == true)
            #expect(slow?["available"] as? Int == 1)
            #expect(try await client.send(.post, "/api/v1/queues/slow/resume", token: testToken).status == .ok)
            #expect(try await db.store.claim(queue: try QueueName("slow"), limit: 5, worker: WorkerID("w"), leaseTTL: .seconds(30)).count == 1)
            #expect(try await client.send(.post, "/api/v1/queues/bad%20name/pause", token: testToken).status == .badRequest)
        }
    }

    @Test("/healthz answers while alive; /readyz follows the database check and shutdown")
    func probes() async throws {
        let lifecycle = LifecycleState()
        try await withAPI(lifecycle: lifecycle) { _, client, _ in
            #expect(try await client.send(.get, "/healthz").status == .ok)
            #expect(try await client.send(.get, "/readyz").status == .ok)
            lifecycle.beginShutdown()
            let stopping = try await client.send(.get, "/readyz")
            #expect(stopping.status == .serviceUnavailable)
            #expect(stopping.json["status"] as? String == "shutting down")
            #expect(try await client.send(.get, "/healthz").status == .ok)
        }
        struct SchemaBehind: Error, CustomStringConvertible { var description: String { "schema is at version 3, this binary needs 4" } }
        try await withAPI(readiness: { throw SchemaBehind() }) { _, client, _ in
            let response = try await client.send(.get, "/readyz")
            #expect(response.status == .serviceUnavailable)
            #expect((response.json["reason"] as? String)?.contains("version 3") == true)
        }
    }
}

func int(_ db: TestDatabase, _ sql: String) async throws -> Int {
    Int(try await db.scalar(PostgresQuery(unsafeSQL: sql), as: Int64.self))
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import WharfCore
import WharfTesting

/// The README's state-change log covers the changes operators make through the API too:
/// enqueued, cancelled, retried from the dead-letter table. Each line is checked for its states
/// and metadata, and says it came from the API.
@Suite("The state-change log of the admin API")
struct APIStateChangeLogTests {
    @Test("enqueue, cancel and a dead job's retry through the API each log the change with its metadata")
    func apiChangesAreLogged() async throws {
        let log = CapturedLog()
        try await withAPI(logger: log.logger) { db, client, _ in
            let created = try await client.send(.post, "/api/v1/jobs", token: testToken, body: #"{"kind": "mail.send", "queue": "mail"}"#)
            #expect(created.status == .created)
            let enqueued = JobID(try #require(created.json["id"] as? Int64))
            let running = try await JobFactory.insert(db, kind: "report", state: .running, attempt: 1, maxAttempts: 5, worker: "w:1")
            #expect(try await client.send(.post, "/api/v1/jobs/\(running.id)/cancel", token: testToken).status == .ok)
            let dead = try await JobFactory.insertDead(db, queue: "q")
            #expect(try await client.send(.post, "/api/v1/dead-jobs/\(dead)/retry", token: testToken).status == .ok)

            let problems = log.problems([
                ExpectedStateChange(job: enqueued, message: "Job enqueued", from: "new", to: "available"),
                ExpectedStateChange(job: running.id, message: "Job cancelled", from: "running", to: "cancelled"),
                ExpectedStateChange(job: dead, message: "Dead job retried", from: "dead", to: "available"),
            ], requiredKeys: ["job.queue", "job.kind", "source"])
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
            #expect(log.lineRecords.filter { $0.message.hasPrefix("Job ") || $0.message.hasPrefix("Dead job") }.allSatisfy { $0.metadata["source"] == "api" })
        }
    }
}

import Foundation
import Testing
import WharfCore
import WharfHTTP

/// The JSON shapes the API and `--json` share: every key present (absent values are null),
/// dead jobs without lease and finish, payloads as the JSON they are.
@Suite("JSON shapes")
struct JSONShapeTests {
    static func object(_ value: some Encodable) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: JSONShapes.data(value), options: [.fragmentsAllowed])) as? [String: Any] ?? [:]
    }

    static func job() throws -> Job {
        Job(
            id: JobID(7), queue: try QueueName("q"), kind: try JobKind("k"), payload: try JobPayload(json: #"{"b": [1, 2.5, null], "a": "x"}"#),
            priority: .default, state: .available, attempt: 0, maxAttempts: 5, runAt: Date(timeIntervalSince1970: 0), lease: nil,
            uniqueKey: nil, errors: [], history: [HistoryEntry(at: Date(timeIntervalSince1970: 0), event: "enqueued", from: nil, to: "available", attempt: 0)],
            createdAt: Date(timeIntervalSince1970: 0), startedAt: nil, finishedAt: nil)
    }

    @Test("a job carries every key, absent values as null, its payload as JSON")
    func jobKeys() throws {
        let object = Self.object(JobShape(try Self.job()))
        #expect(Set(object.keys) == [
            "id", "queue", "kind", "priority", "state", "attempt", "max_attempts", "run_at", "created_at", "payload", "errors",
            "history", "unique_key", "started_at", "finished_at", "lease",
        ])
        for key in ["unique_key", "started_at", "finished_at", "lease"] { #expect(object[key] is NSNull, "\(key)") }
        let payload = try #require(object["payload"] as? [String: Any])
        #expect(payload["a"] as? String == "x" && (payload["b"] as? [Any])?.count == 3)
        let history = try #require((object["history"] as? [[String: Any]])?.first)
        #expect(history["from"] is NSNull && history["worker"] is NSNull && history["event"] as? String == "enqueued")
    }

    @Test("a dead job is state dead with died_at and reason, and no lease or finished_at")
    func deadJobKeys() throws {
        let object = Self.object(JobShape(DeadJob(job: try Self.job(), diedAt: Date(timeIntervalSince1970: 1), reason: .maxAttemptsExhausted)))
        #expect(object["state"] as? String == "dead" && object["reason"] as? String == DeathReason.maxAttemptsExhausted.rawValue)
        #expect(object["died_at"] is String && object["lease"] == nil && object["finished_at"] == nil)
    }

    @Test("a number that is not finite is null, not an encoding failure")
    func nonFiniteIsNull() {
        let overview = QueueOverview(queue: .default, oldestAvailableAgeSeconds: .infinity)
        let object = Self.object(QueueOverviewShape(overview))
        #expect(object["oldest_available_age_seconds"] is NSNull && object["queue"] as? String == "default")
    }
}

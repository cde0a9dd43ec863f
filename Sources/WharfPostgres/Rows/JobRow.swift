import Foundation
import WharfCore

/// Decoding of job rows: Postgres types stop here, WharfCore types start.
enum JobRow {
    /// The shape of `JobColumns.forClaim`.
    typealias ClaimedColumns = (Int64, String, String, Int16, Int32, Int32, Date, Int64, Date, String?, Date, Date)

    /// The shape of JobCompleteAndClaim's rows: the completed ids and tokens (on the first row
    /// only), then one claimed job's `ClaimedColumns`, all NULL on the one row that comes back
    /// when nothing was claimed.
    typealias CompletedAndClaimedColumns = (
        [Int64]?, [Int64]?, Int64?, String?, String?, Int16?, Int32?, Int32?, Date?, Int64?, Date?, String?, Date?, Date?
    )

    /// The claimed job's columns of such a row, or `nil` when it carries none.
    static func claimedColumns(_ c: CompletedAndClaimedColumns) -> ClaimedColumns? {
        guard let id = c.2, let kind = c.3, let payload = c.4, let priority = c.5, let attempt = c.6, let maxAttempts = c.7,
            let runAt = c.8, let token = c.9, let expiresAt = c.10, let createdAt = c.12, let startedAt = c.13
        else { return nil }
        return (id, kind, payload, priority, attempt, maxAttempts, runAt, token, expiresAt, c.11, createdAt, startedAt)
    }

    /// The shape of `JobColumns.full`.
    typealias Columns = (
        Int64, String, String, String, Int16, String, Int32, Int32, Date,
        String?, Int64?, Date?, String?, String, String, Date, Date?, Date?
    )

    /// The shape of `JobColumns.dead`.
    typealias DeadColumns = (
        Int64, String, String, String, Int16, Int32, Int32, Date, String?, String, String, Date, Date?, Date, String
    )

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        // Postgres writes timestamps in jsonb as e.g. 2026-11-22T04:17:02.032963+00:00.
        decoder.dateDecodingStrategy = .custom { d in
            let text = try d.singleValueContainer().decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: d.codingPath, debugDescription: "bad timestamp \(text)"))
            }
            return date
        }
        return decoder
    }()

    static func parseTimestamp(_ text: String) -> Date? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return (try? withFraction.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    static func job(_ c: Columns) throws -> Job {
        guard let state = JobState(rawValue: c.5) else {
            throw StoreError.query(operation: "decode job \(c.0)", detail: "unknown state \(c.5)")
        }
        var lease: Lease?
        if let owner = c.9, let token = c.10, let expires = c.11 {
            lease = Lease(owner: WorkerID(owner), token: LeaseToken(token), expiresAt: expires)
        }
        return Job(
            id: JobID(c.0), queue: QueueName(unchecked: c.1), kind: JobKind(unchecked: c.2),
            payload: JobPayload(unchecked: c.3), priority: Priority(unchecked: Int(c.4)), state: state,
            attempt: Int(c.6), maxAttempts: Int(c.7), runAt: c.8, lease: lease,
            uniqueKey: c.12.map(UniqueKey.init(unchecked:)),
            errors: try decodeArray(c.13), history: try decodeArray(c.14),
            createdAt: c.15, startedAt: c.16, finishedAt: c.17)
    }

    /// A job just claimed by `worker` from `queue`: running, leased, nothing in its history yet
    /// as far as the worker needs.
    static func claimed(_ c: ClaimedColumns, queue: QueueName, worker: WorkerID) -> Job {
        Job(
            id: JobID(c.0), queue: queue, kind: JobKind(unchecked: c.1), payload: JobPayload(unchecked: c.2),
            priority: Priority(unchecked: Int(c.3)), state: .running, attempt: Int(c.4), maxAttempts: Int(c.5), runAt: c.6,
            lease: Lease(owner: worker, token: LeaseToken(c.7), expiresAt: c.8), uniqueKey: c.9.map(UniqueKey.init(unchecked:)),
            errors: [], history: [], createdAt: c.10, startedAt: c.11, finishedAt: nil)
    }

    static func deadJob(_ c: DeadColumns) throws -> DeadJob {
        let job = Job(
            id: JobID(c.0), queue: QueueName(unchecked: c.1), kind: JobKind(unchecked: c.2),
            payload: JobPayload(unchecked: c.3), priority: Priority(unchecked: Int(c.4)), state: .available,
            attempt: Int(c.5), maxAttempts: Int(c.6), runAt: c.7, lease: nil,
            uniqueKey: c.8.map(UniqueKey.init(unchecked:)),
            errors: try decodeArray(c.9), history: try decodeArray(c.10),
            createdAt: c.11, startedAt: c.12, finishedAt: nil)
        let reason = DeathReason(rawValue: c.14) ?? .maxAttemptsExhausted
        return DeadJob(job: job, diedAt: c.13, reason: reason)
    }

    private static func decodeArray<T: Decodable>(_ text: String) throws -> [T] {
        if text == "[]" { return [] }
        return try decoder.decode([T].self, from: Data(text.utf8))
    }
}

public import Foundation
import Hummingbird
public import WharfCore

/// `POST /api/v1/jobs`: the same fields as `wharf.enqueue(...)` and `wharf enqueue`, for one
/// job, or `{"jobs": [...]}` with one such object per job (`wharf.enqueue_batch(...)`'s elements).
public enum EnqueueBody {
    static let fields: Set<String> = [
        "kind", "payload", "queue", "priority", "run_at", "delay_seconds", "max_attempts", "unique_key", "unique_for_seconds",
    ]

    /// One job object as JSON text (a line of `wharf enqueue --batch`), with the same fields and
    /// checks as the API's body; the error's description says what is wrong.
    public static func request(fromJSON text: String) throws(EnqueueBodyProblem) -> EnqueueRequest {
        let value: JSONValue
        do { value = try JSONValue.parse(text) } catch { throw EnqueueBodyProblem(message: "not valid JSON (\(error))") }
        do {
            return try job(value)
        } catch let error as HTTPError {
            throw EnqueueBodyProblem(message: error.body ?? "\(error)")
        } catch {
            throw EnqueueBodyProblem(message: "\(error)")
        }
    }

    /// One job object (a batch element, a line), its fields checked and unknown ones refused.
    static func job(_ value: JSONValue) throws -> EnqueueRequest {
        guard case .object(let members) = value else { throw API.bad("must be a job object, got \(value.typeDescription)") }
        let job = Dictionary(members.map { ($0.key, $0.value) }) { _, last in last }
        if let unknown = Set(job.keys).subtracting(fields).sorted().first {
            throw API.bad("unknown field \"\(unknown)\"; allowed: \(fields.sorted().joined(separator: ", "))")
        }
        return try parse(job)
    }

    /// The jobs of a batch body, or `nil` for a one-job body. A problem names its element
    /// (`jobs[3]`, from 0), and no job is enqueued.
    static func batch(_ body: [String: JSONValue]) throws -> [EnqueueRequest]? {
        guard let jobs = body["jobs"] else { return nil }
        if let other = body.keys.filter({ $0 != "jobs" }).sorted().first {
            throw API.bad("a batch body has only the field \"jobs\", but it also has \"\(other)\"; put each job's fields in its element")
        }
        guard case .array(let elements) = jobs else { throw API.bad("field \"jobs\" must be an array of job objects, got \(jobs.typeDescription)") }
        return try elements.enumerated().map { index, element in
            do {
                return try job(element)
            } catch let error as HTTPError {
                throw API.bad("jobs[\(index)]: \(error.body ?? "\(error)")")
            }
        }
    }

    static func parse(_ body: [String: JSONValue]) throws -> EnqueueRequest {
        guard let kindText = try API.string(body, "kind") else { throw API.bad("field \"kind\" is required, for example \"email.send\"") }
        let kind = try API.validated { () throws(ValidationError) in try JobKind(kindText) }
        var payload = JobPayload.empty
        if let value = body["payload"], value != .null {
            let json = String(decoding: JSONShapes.data(value), as: UTF8.self)
            payload = try API.validated { () throws(ValidationError) in try JobPayload(json: json) }
        }
        let queue = try API.string(body, "queue").map { name in try API.validated { () throws(ValidationError) in try QueueName(name) } } ?? .default
        let priority = try API.integer(body, "priority").map { value in try API.validated { () throws(ValidationError) in try Priority(value) } } ?? .default
        let maxAttempts = try API.integer(body, "max_attempts") ?? EnqueueOptions.defaultMaxAttempts
        let uniqueKey = try API.string(body, "unique_key").map { key in try API.validated { () throws(ValidationError) in try UniqueKey(key) } }
        var schedule = Schedule.now
        if let runAt = try API.string(body, "run_at") {
            schedule = .at(try API.validated { () throws(ValidationError) in try Timestamps.parse(runAt, field: "run_at") })
        }
        if let delay = body["delay_seconds"], delay != .null {
            guard case .now = schedule else { throw API.bad("give \"run_at\" or \"delay_seconds\", not both") }
            guard case .some(let number) = API.number(body, "delay_seconds"), let seconds = number else {
                throw API.bad("field \"delay_seconds\" must be a number of seconds from 0 to \(DurationParsing.maximum.components.seconds)")
            }
            schedule = .after(try API.validated { () throws(ValidationError) in try DurationParsing.check(seconds: seconds, field: "delay_seconds") })
        }
        var uniqueFor: Duration?
        if let period = body["unique_for_seconds"], period != .null {
            guard case .some(let number) = API.number(body, "unique_for_seconds"), let seconds = number else {
                throw API.bad("field \"unique_for_seconds\" must be a number of seconds from 0.001 to \(DurationParsing.maximum.components.seconds)")
            }
            uniqueFor = try API.validated { () throws(ValidationError) in
                try DurationParsing.check(seconds: seconds, field: "unique_for_seconds", range: DurationParsing.positive)
            }
        }
        let options = try API.validated { () throws(ValidationError) in
            try EnqueueOptions(queue: queue, priority: priority, schedule: schedule, maxAttempts: maxAttempts, uniqueKey: uniqueKey, uniqueFor: uniqueFor)
        }
        return EnqueueRequest(kind: kind, payload: payload, options: options)
    }
}

/// What is wrong with a job object given as JSON text.
public struct EnqueueBodyProblem: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

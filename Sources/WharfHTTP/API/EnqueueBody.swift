import Foundation
import Hummingbird
import WharfCore

/// `POST /api/v1/jobs`: the same fields as `wharf.enqueue(...)` and `wharf enqueue`.
enum EnqueueBody {
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

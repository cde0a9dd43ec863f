import Foundation

extension ScheduleDefinition {
    /// The keys a schedule object has in the worker config's `schedules` and in the API's body.
    public static let jsonKeys = ["cron", "kind", "time_zone", "queue", "payload", "priority", "max_attempts", "missed", "catch_up_limit"]

    /// Reads a schedule from a JSON object: `{"cron": "30 2 * * *", "kind": "report.build", …}`.
    /// Returns the definition, or every problem found, each starting with its key, so the
    /// config file and the API report them all at once with their paths.
    public static func fromJSON(name: String, _ value: JSONValue) -> Result<ScheduleDefinition, ScheduleJSONProblems> {
        var problems: [String] = []
        do { try checkName(name) } catch { problems.append(error.description) }
        guard case .object(let members) = value else {
            return .failure(ScheduleJSONProblems(problems + ["must be an object like {\"cron\": \"0 3 * * *\", \"kind\": \"report.build\"}, found \(value.typeDescription)"]))
        }
        for key in members.map(\.key).sorted() where !jsonKeys.contains(key) {
            problems.append(Spelling.nearest(key, in: jsonKeys).map { "\(key): unknown key; did you mean \"\($0)\"?" }
                ?? "\(key): unknown key (known here: \(jsonKeys.joined(separator: ", ")))")
        }
        func text(_ key: String, required: Bool = false) -> String? {
            switch value[key] {
            case .string(let text)?: return text
            case nil, .null?:
                if required { problems.append("\(key): required") }
                return nil
            case let other?:
                problems.append("\(key): must be a string, found \(other.typeDescription)")
                return nil
            }
        }
        func integer(_ key: String) -> Int? {
            switch value[key] {
            case .integer(let number)?: return number
            case nil, .null?: return nil
            case let other?:
                problems.append("\(key): must be a whole number, found \(other.typeDescription)")
                return nil
            }
        }
        func checked<T>(_ make: () throws(ValidationError) -> T) -> T? {
            do { return try make() } catch {
                problems.append(error.description)
                return nil
            }
        }
        let expression = text("cron", required: true)
        let kind = text("kind", required: true).flatMap { kind in checked { () throws(ValidationError) in try JobKind(kind) } }
        let queue = text("queue").map { name in checked { () throws(ValidationError) in try QueueName(name) } } ?? .default
        let priority = integer("priority").map { number in checked { () throws(ValidationError) in try Priority(number) } } ?? .default
        var missed = MissedTickPolicy.latest
        if let policy = text("missed") {
            if let parsed = MissedTickPolicy(rawValue: policy) { missed = parsed } else {
                problems.append("missed: must be \"skip\", \"latest\" or \"all\", found \"\(policy)\"")
            }
        }
        var payload = JobPayload.empty
        if let given = value["payload"], given != .null {
            if case .object = given, let data = try? JSONEncoder().encode(given) {
                payload = checked { () throws(ValidationError) in try JobPayload(json: String(decoding: data, as: UTF8.self)) } ?? .empty
            } else {
                problems.append("payload: must be a JSON object, found \(given.typeDescription)")
            }
        }
        let maxAttempts = integer("max_attempts") ?? EnqueueOptions.defaultMaxAttempts
        let catchUpLimit = integer("catch_up_limit") ?? defaultCatchUpLimit
        let timeZone = text("time_zone") ?? "UTC"
        // Both checked here so a definition with a bad expression and a bad zone hears of both.
        _ = checked { () throws(ValidationError) in try CronSchedule.zone(named: timeZone) }
        if let expression { _ = checked { () throws(ValidationError) in try CronExpression(expression) } }
        guard problems.isEmpty, let expression, let kind, let queue, let priority else { return .failure(ScheduleJSONProblems(problems)) }
        do {
            return .success(try ScheduleDefinition(
                name: name, expression: expression, timeZone: timeZone, kind: kind, queue: queue, payload: payload, priority: priority,
                maxAttempts: maxAttempts, missed: missed, catchUpLimit: catchUpLimit))
        } catch {
            return .failure(ScheduleJSONProblems([error.description]))
        }
    }
}

/// Every problem in one schedule object.
public struct ScheduleJSONProblems: Error, Equatable, Sendable, CustomStringConvertible {
    public var problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "; ") }
}

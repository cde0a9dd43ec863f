import Foundation
import Wharf
import WharfCore
import WharfHandlers
import WharfRuntime

/// The worker's JSON configuration file (docs/operations.md lists every key;
/// deploy/config/worker.example.json shows most of them).
/// Read by hand rather than with Codable so that every problem is reported at once, with its
/// path, and unknown keys get a "did you mean" (Oban's validate/1 style).
struct WorkerConfigFile {
    var queues: [WorkerConfiguration.QueueSettings] = []
    /// The plain-valued settings the file sets (``WorkerSettings/table`` lists which).
    var settings: [WorkerSettingID: SettingValue] = [:]
    var retry = RetryPolicies()
    var handlers = HandlerRegistry()
    /// The deployment's cron schedules; `nil` when the file has no `schedules` key (this process
    /// then leaves the deployment's schedules as they are).
    var schedules: [ScheduleDefinition]?

    /// The duration settings the file sets, by file key.
    var durations: [String: Duration] {
        var result: [String: Duration] = [:]
        for setting in WorkerSettings.table {
            if let key = setting.fileKey, case .duration(let value)? = settings[setting.id], case .duration = setting.kind { result[key] = value }
        }
        return result
    }
    /// `.some(nil)` is "forever"; `nil` means not set in the file.
    var retention: Duration?? {
        switch settings[.retention] {
        case .forever?: .some(nil)
        case .duration(let value)?: .some(value)
        default: nil
        }
    }
    /// `http_address`: where /metrics, the API and the dashboard listen ("off" disables).
    var httpAddress: String? {
        if case .text(let address)? = settings[.httpAddress] { address } else { nil }
    }

    /// The structured keys beside the table's plain ones.
    static let topKeys = WorkerSettings.fileKeys + ["kinds", "retry", "schedules"]

    /// Parses `data` (the file at `path`, named in messages); throws every problem found. The
    /// JSON syntax is checked first (line and column), then every key's type: a boolean is not a
    /// number, a number is not a string. With `checkPaths`, exec programs and working directories
    /// must exist on this machine (off only to read a config meant for another one). A kind's
    /// handler is one of `handlerTypes`, chosen by its key.
    static func parse(
        _ data: Data, path: String, environment: [String: String], checkPaths: Bool = true, handlerTypes: [any HandlerType] = HandlerTypes.builtIn
    ) throws -> WorkerConfigFile {
        var reader = ConfigReader(checkPaths: checkPaths)
        var file = WorkerConfigFile()
        let root: JSONValue
        do {
            root = try JSONValue.parse(String(decoding: data, as: UTF8.self), refusingDuplicateKeys: true)
        } catch {
            throw ConfigError(path: path, problems: ["not valid JSON: \(error)"])
        }
        guard case .object = root else {
            throw ConfigError(path: path, problems: ["the top level must be a JSON object, found \(root.typeDescription)"])
        }
        reader.checkKeys(root, allowed: topKeys, at: "")
        for setting in WorkerSettings.table {
            if let key = setting.fileKey, let value = root[key], let parsed = reader.setting(value, as: setting, at: key) {
                file.settings[setting.id] = parsed
            }
        }
        if let policy = reader.retryPolicy(root["retry"], at: "retry") { file.retry.default = policy }

        if let queues = root["queues"] {
            guard case .object(let members) = queues else {
                reader.problem("queues", "must be an object like {\"default\": 10, \"mail\": {\"concurrency\": 4}}, found \(queues.typeDescription)")
                return try file.finish(reader, path: path)
            }
            for (name, value) in members.sorted(by: { $0.key < $1.key }) {
                let at = "queues.\(name)"
                let queue = reader.validated(at) { () throws(ValidationError) in try QueueName(name) }
                var concurrency: Int?
                switch value {
                case .integer:
                    concurrency = reader.int(value, at: at)
                case .object:
                    reader.checkKeys(value, allowed: ["concurrency", "retry"], at: at)
                    concurrency = value["concurrency"].map { reader.int($0, at: "\(at).concurrency") } ?? WorkerConfiguration.QueueSettings.defaultConcurrency
                    if let queue, let policy = reader.retryPolicy(value["retry"], at: "\(at).retry") { file.retry.byQueue[queue] = policy }
                default:
                    reader.problem(at, "must be a concurrency number or an object {\"concurrency\": N, \"retry\": {...}}, found \(value.typeDescription)")
                }
                if let queue, let concurrency { file.queues.append(.init(name: queue, concurrency: concurrency)) }
            }
        }

        if let kinds = root["kinds"] {
            guard case .object(let members) = kinds else {
                reader.problem("kinds", "must be an object mapping each job kind to its handler, found \(kinds.typeDescription)")
                return try file.finish(reader, path: path)
            }
            for (name, spec) in members.sorted(by: { $0.key < $1.key }) {
                let at = "kinds.\(name)"
                let kind = reader.validated(at) { () throws(ValidationError) in try JobKind(name) }
                guard case .object = spec else {
                    reader.problem(at, "must be an object with \(handlerTypes.map { "\"\($0.key)\"" }.joined(separator: " or ")), found \(spec.typeDescription)")
                    continue
                }
                reader.checkKeys(spec, allowed: handlerTypes.map(\.key) + ["timeout", "retry"], at: at)
                let timeout = reader.duration(spec["timeout"], at: "\(at).timeout", range: DurationParsing.positive) ?? HandlerRegistry.defaultTimeout
                let policy = reader.retryPolicy(spec["retry"], at: "\(at).retry")
                var handler: (any JobHandler)?
                let chosen = handlerTypes.compactMap { type in spec[type.key].map { (type, $0) } }
                switch chosen.count {
                case 1:
                    let (type, value) = chosen[0]
                    handler = type.makeHandler(value, at: "\(at).\(type.key)", reader: &reader, environment: environment)
                case 0:
                    reader.problem(at, "needs a handler: \(handlerTypes.map { "\"\($0.key)\": \($0.example)" }.joined(separator: " or "))")
                default:
                    reader.problem(at, "has both \(chosen.map { "\"\($0.0.key)\"" }.joined(separator: " and ")); choose one")
                }
                guard let kind else { continue }
                if let policy { file.retry.byKind[kind] = policy }
                if let handler { file.handlers.register(kind, timeout: timeout, handler: handler) }
            }
        }
        if let schedules = root["schedules"] { file.schedules = reader.schedules(schedules, at: "schedules") }
        return try file.finish(reader, path: path)
    }

    private func finish(_ reader: ConfigReader, path: String) throws -> WorkerConfigFile {
        guard reader.problems.isEmpty else { throw ConfigError(path: path, problems: reader.problems) }
        return self
    }
}

/// Every problem in a configuration file.
struct ConfigError: Error, CustomStringConvertible {
    var path: String
    var problems: [String]
    var description: String {
        "\(path): \(problems.count == 1 ? "1 problem" : "\(problems.count) problems"):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Collects problems while reading JSON whose every value is type-checked.
struct ConfigReader {
    var problems: [String] = []
    var checkPaths = true

    mutating func problem(_ at: String, _ text: String) { problems.append("\(at): \(text)") }

    mutating func checkKeys(_ object: JSONValue, allowed: [String], at: String) {
        guard case .object(let members) = object else { return }
        for key in members.map(\.key).sorted() where !allowed.contains(key) {
            let location = at.isEmpty ? key : "\(at).\(key)"
            if let guess = Spelling.nearest(key, in: allowed) {
                problem(location, "unknown key; did you mean \"\(guess)\"?")
            } else {
                problem(location, "unknown key (known here: \(allowed.joined(separator: ", ")))")
            }
        }
    }

    mutating func validated<T>(_ at: String, _ make: () throws(ValidationError) -> T) -> T? {
        do {
            return try make()
        } catch {
            problem(at, error.description)
            return nil
        }
    }

    mutating func string(_ value: JSONValue, at: String, expected: String) -> String? {
        if case .string(let text) = value { return text }
        problem(at, "must be \(expected), found \(value.typeDescription)")
        return nil
    }

    mutating func duration(_ value: JSONValue?, at: String, range: ClosedRange<Duration> = DurationParsing.anyLength) -> Duration? {
        switch value {
        case nil: return nil
        case .string(let text)?: return validated(at) { () throws(ValidationError) in try DurationParsing.parse(text, field: at, range: range) }
        case .integer(let number)?: return validated(at) { () throws(ValidationError) in try DurationParsing.check(seconds: Double(number), field: at, range: range) }
        case .number(let number)?: return validated(at) { () throws(ValidationError) in try DurationParsing.check(seconds: number, field: at, range: range) }
        case let other?:
            problem(at, "must be a duration string like \"30s\", found \(other.typeDescription)")
            return nil
        }
    }

    /// A plain-valued setting as its kind accepts it in JSON: a duration as a string like
    /// "30s" or a number of seconds, a count as a whole number, text as a string. Queues are a
    /// structure the caller reads itself.
    mutating func setting(_ value: JSONValue, as setting: WorkerSetting, at: String) -> SettingValue? {
        switch setting.kind {
        case .duration(let range): return duration(value, at: at, range: range).map(SettingValue.duration)
        case .durationOrForever:
            if value == .string("forever") { return .forever }
            return duration(value, at: at).map(SettingValue.duration)
        case .count: return int(value, at: at).map(SettingValue.count)
        case .text, .path, .choice:
            let expected = "a string (\(setting.unit.replacingOccurrences(of: "`", with: "").replacingOccurrences(of: "\\|", with: "or")))"
            return string(value, at: at, expected: expected).map(SettingValue.text)
        case .queues: return nil
        }
    }

    mutating func int(_ value: JSONValue, at: String) -> Int? {
        if case .integer(let number) = value { return number }
        problem(at, "must be a whole number, found \(value.typeDescription)")
        return nil
    }

    mutating func retryPolicy(_ value: JSONValue?, at: String) -> RetryPolicy? {
        guard let value else { return nil }
        guard case .object = value else {
            problem(at, "must be an object like {\"base\": \"1s\", \"cap\": \"1h\", \"max_attempts\": 10, \"jitter\": \"full\"}, found \(value.typeDescription)")
            return nil
        }
        checkKeys(value, allowed: ["base", "cap", "max_attempts", "jitter"], at: at)
        let before = problems.count
        let base = duration(value["base"], at: "\(at).base", range: DurationParsing.positive) ?? RetryPolicy.defaultBase
        let cap = duration(value["cap"], at: "\(at).cap", range: DurationParsing.positive) ?? RetryPolicy.defaultCap
        let maxAttempts = value["max_attempts"].flatMap { int($0, at: "\(at).max_attempts") }
        var jitter = RetryPolicy.Jitter.full
        if let text = value["jitter"] {
            if case .string(let name) = text, let parsed = RetryPolicy.Jitter(rawValue: name) {
                jitter = parsed
            } else {
                problem("\(at).jitter", "must be \"full\" or \"none\", found \(text.typeDescription)")
            }
        }
        for rule in RetryPolicy.problems(base: base, cap: cap, maxAttempts: maxAttempts) { problem(at, rule.description) }
        guard problems.count == before else { return nil }
        return validated(at) { () throws(ValidationError) in try RetryPolicy(base: base, cap: cap, maxAttempts: maxAttempts, jitter: jitter) }
    }

    /// `schedules`: an object of schedule name → definition (``ScheduleDefinition/fromJSON(name:_:)``).
    mutating func schedules(_ value: JSONValue, at: String) -> [ScheduleDefinition]? {
        guard case .object(let members) = value else {
            problem(at, "must be an object of schedule name → {\"cron\": \"0 3 * * *\", \"kind\": \"report.build\", …}, found \(value.typeDescription)")
            return nil
        }
        var definitions: [ScheduleDefinition] = []
        for (name, spec) in members.sorted(by: { $0.key < $1.key }) {
            switch ScheduleDefinition.fromJSON(name: name, spec) {
            case .success(let definition): definitions.append(definition)
            case .failure(let found): for text in found.problems { problem("\(at).\(name)", text) }
            }
        }
        return definitions
    }

    /// An object of string values (`env`, `headers`).
    mutating func stringMap(_ value: JSONValue?, at: String) -> [String: String]? {
        guard let value else { return [:] }
        guard case .object(let members) = value else {
            problem(at, "must be an object of string values, found \(value.typeDescription)")
            return nil
        }
        var result: [String: String] = [:]
        var ok = true
        for (key, item) in members {
            if case .string(let text) = item { result[key] = text } else {
                problem("\(at).\(key)", "must be a string, found \(item.typeDescription)")
                ok = false
            }
        }
        return ok ? result : nil
    }
}

import Foundation
import WharfCore
import WharfHandlers
import WharfRuntime

/// The worker's JSON configuration file (deploy/config/worker.example.json documents every key).
/// Read by hand rather than with Codable so that every problem is reported at once, with its
/// path, and unknown keys get a "did you mean" (Oban's validate/1 style).
struct WorkerConfigFile {
    var queues: [WorkerConfiguration.QueueSettings] = []
    var durations: [String: Duration] = [:]
    var completionBatchSize: Int?
    /// `.some(nil)` is "forever"; `nil` means not set in the file.
    var retention: Duration??
    /// `http_address`: where /metrics, the API and the dashboard listen ("off" disables).
    var httpAddress: String?
    var retry = RetryPolicies()
    var handlers = HandlerRegistry()

    static let durationKeys = [
        "lease_ttl", "heartbeat_interval", "poll_interval", "grace_period", "reaper_interval", "stale_worker_after", "store_call_timeout",
    ]
    static let topKeys = ["queues", "kinds", "retry", "completion_batch_size", "retention", "http_address"] + durationKeys

    /// Parses `data` (the file at `path`, named in messages); throws every problem found.
    static func parse(_ data: Data, path: String, environment: [String: String]) throws -> WorkerConfigFile {
        var reader = ConfigReader()
        var file = WorkerConfigFile()
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            let text = String(decoding: data, as: UTF8.self)
            let detail: String
            do {
                try JSONSyntax.check(text)
                detail = "the top level must be a JSON object"
            } catch {
                detail = "\(error)"
            }
            throw ConfigError(path: path, problems: ["not valid JSON: \(detail)"])
        }
        reader.checkKeys(root, allowed: topKeys, at: "")
        for key in durationKeys {
            if let value = reader.duration(root[key], at: key) { file.durations[key] = value }
        }
        if let value = root["retention"] {
            file.retention = (value as? String) == "forever" ? .some(nil) : reader.duration(value, at: "retention").map { .some($0) }
        }
        if let address = root["http_address"] {
            if let text = address as? String { file.httpAddress = text } else { reader.problem("http_address", "must be a string such as \"127.0.0.1:9753\" or \"off\"") }
        }
        if let size = root["completion_batch_size"] { file.completionBatchSize = reader.int(size, at: "completion_batch_size") }
        if let policy = reader.retryPolicy(root["retry"], at: "retry") { file.retry.default = policy }

        if let queues = root["queues"] {
            guard let queues = queues as? [String: Any] else {
                reader.problem("queues", "must be an object like {\"default\": 10, \"mail\": {\"concurrency\": 4}}")
                return try file.finish(reader, path: path)
            }
            for (name, value) in queues.sorted(by: { $0.key < $1.key }) {
                let at = "queues.\(name)"
                guard let queue = reader.validated(at, { () throws(ValidationError) in try QueueName(name) }) else { continue }
                var concurrency: Int?
                if let number = value as? Int {
                    concurrency = number
                } else if let object = value as? [String: Any] {
                    reader.checkKeys(object, allowed: ["concurrency", "retry"], at: at)
                    concurrency = object["concurrency"].map { reader.int($0, at: "\(at).concurrency") } ?? WorkerConfiguration.QueueSettings.defaultConcurrency
                    if let policy = reader.retryPolicy(object["retry"], at: "\(at).retry") { file.retry.byQueue[queue] = policy }
                } else {
                    reader.problem(at, "must be a concurrency number or an object {\"concurrency\": N, \"retry\": {...}}")
                }
                if let concurrency { file.queues.append(.init(name: queue, concurrency: concurrency)) }
            }
        }

        if let kinds = root["kinds"] {
            guard let kinds = kinds as? [String: Any] else {
                reader.problem("kinds", "must be an object mapping each job kind to its handler")
                return try file.finish(reader, path: path)
            }
            for (name, value) in kinds.sorted(by: { $0.key < $1.key }) {
                let at = "kinds.\(name)"
                guard let kind = reader.validated(at, { () throws(ValidationError) in try JobKind(name) }) else { continue }
                guard let spec = value as? [String: Any] else {
                    reader.problem(at, "must be an object with \"exec\" or \"http\"")
                    continue
                }
                reader.checkKeys(spec, allowed: ["exec", "http", "timeout", "retry"], at: at)
                let timeout = reader.duration(spec["timeout"], at: "\(at).timeout") ?? HandlerRegistry.defaultTimeout
                if let policy = reader.retryPolicy(spec["retry"], at: "\(at).retry") { file.retry.byKind[kind] = policy }
                switch (spec["exec"], spec["http"]) {
                case (let exec?, nil):
                    if let handler = reader.execHandler(exec, at: "\(at).exec") { file.handlers.register(kind, timeout: timeout, handler: handler) }
                case (nil, let http?):
                    if let handler = reader.webhookHandler(http, at: "\(at).http", environment: environment) {
                        file.handlers.register(kind, timeout: timeout, handler: handler)
                    }
                case (nil, nil):
                    reader.problem(at, "needs a handler: \"exec\": {\"command\": [...]} or \"http\": {\"url\": ...}")
                default:
                    reader.problem(at, "has both \"exec\" and \"http\"; choose one")
                }
            }
        }
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

/// Collects problems while reading loosely typed JSON.
struct ConfigReader {
    var problems: [String] = []

    mutating func problem(_ at: String, _ text: String) { problems.append("\(at): \(text)") }

    mutating func checkKeys(_ object: [String: Any], allowed: [String], at: String) {
        for key in object.keys.sorted() where !allowed.contains(key) {
            let location = at.isEmpty ? key : "\(at).\(key)"
            if let guess = Self.nearest(key, in: allowed) {
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

    mutating func duration(_ value: Any?, at: String) -> Duration? {
        guard let value else { return nil }
        if let text = value as? String { return validated(at) { () throws(ValidationError) in try DurationParsing.parse(text, field: at) } }
        if let number = value as? Double { return validated(at) { () throws(ValidationError) in try DurationParsing.parse(String(number), field: at) } }
        problem(at, "must be a duration string like \"30s\"")
        return nil
    }

    mutating func int(_ value: Any, at: String) -> Int? {
        if let number = value as? Int { return number }
        problem(at, "must be a whole number")
        return nil
    }

    mutating func retryPolicy(_ value: Any?, at: String) -> RetryPolicy? {
        guard let value else { return nil }
        guard let object = value as? [String: Any] else {
            problem(at, "must be an object like {\"base\": \"1s\", \"cap\": \"1h\", \"max_attempts\": 10, \"jitter\": \"full\"}")
            return nil
        }
        checkKeys(object, allowed: ["base", "cap", "max_attempts", "jitter"], at: at)
        let base = duration(object["base"], at: "\(at).base") ?? RetryPolicy.defaultBase
        let cap = duration(object["cap"], at: "\(at).cap") ?? RetryPolicy.defaultCap
        let maxAttempts = object["max_attempts"].flatMap { int($0, at: "\(at).max_attempts") }
        var jitter = RetryPolicy.Jitter.full
        if let text = object["jitter"] {
            guard let text = text as? String, let parsed = RetryPolicy.Jitter(rawValue: text) else {
                problem("\(at).jitter", "must be \"full\" or \"none\"")
                return nil
            }
            jitter = parsed
        }
        return validated(at) { () throws(ValidationError) in try RetryPolicy(base: base, cap: cap, maxAttempts: maxAttempts, jitter: jitter) }
    }

    mutating func execHandler(_ value: Any, at: String) -> ExecHandler? {
        guard let object = value as? [String: Any] else {
            problem(at, "must be an object like {\"command\": [\"/usr/local/bin/job\", \"--flag\"]}")
            return nil
        }
        checkKeys(object, allowed: ["command", "env", "working_directory", "kill_grace"], at: at)
        guard let command = object["command"] as? [String], let program = command.first, !program.isEmpty else {
            problem("\(at).command", "must be a non-empty array of strings (argv; no shell is involved)")
            return nil
        }
        var environment: [String: String] = [:]
        if let env = object["env"] {
            guard let env = env as? [String: String] else {
                problem("\(at).env", "must be an object of string values")
                return nil
            }
            environment = env
        }
        let workingDirectory = object["working_directory"] as? String
        let killGrace = duration(object["kill_grace"], at: "\(at).kill_grace") ?? .seconds(2)
        return ExecHandler(command: command, environment: environment, workingDirectory: workingDirectory, killGrace: killGrace)
    }

    mutating func webhookHandler(_ value: Any, at: String, environment: [String: String]) -> WebhookHandler? {
        guard let object = value as? [String: Any] else {
            problem(at, "must be an object like {\"url\": \"https://…\", \"secret_file\": \"/etc/wharf/secret\"}")
            return nil
        }
        checkKeys(object, allowed: ["url", "secret_file", "secret_env", "headers"], at: at)
        guard let url = object["url"] as? String, let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? "") else {
            problem("\(at).url", "must be an http:// or https:// URL")
            return nil
        }
        var secret: [UInt8]?
        if let file = object["secret_file"] as? String {
            guard let data = FileManager.default.contents(atPath: file) else {
                problem("\(at).secret_file", "cannot read \(file)")
                return nil
            }
            secret = Array(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        } else if let name = object["secret_env"] as? String {
            guard let value = environment[name], !value.isEmpty else {
                problem("\(at).secret_env", "environment variable \(name) is not set")
                return nil
            }
            secret = Array(value.utf8)
        }
        let headers = object["headers"] as? [String: String] ?? [:]
        return WebhookHandler(url: url, secret: secret, headers: headers)
    }

    /// The allowed key closest to `key` by edit distance, if it is close enough to be a typo.
    static func nearest(_ key: String, in allowed: [String]) -> String? {
        let scored = allowed.map { ($0, editDistance(key, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, key.count / 3) else { return nil }
        return best
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

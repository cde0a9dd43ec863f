import Foundation
public import WharfCore
public import WharfRuntime

/// Problems with setting values from flags or environment variables, all of them at once.
public struct WorkerSettingsError: Error, CustomStringConvertible {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String {
        "worker settings: \(problems.count == 1 ? "1 problem" : "\(problems.count) problems"):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// The worker's settings after layering their sources: a flag beats an environment variable,
/// which beats the config file, which beats the default. Every value is parsed by its
/// ``WorkerSetting/Kind``; every problem is kept (with where it came from), not just the first.
///
/// apple/swift-configuration was considered for the layering. Its readers answer a bad value
/// with the default, or (the `required` forms) throw at the first problem, and its key mapping
/// would name our variables for us; we want every problem at once, named by its source, and
/// ArgumentParser already owns the flags and `--help`. The layering itself is the loop below.
public struct ResolvedSettings: Sendable {
    public private(set) var values: [WorkerSettingID: SettingValue] = [:]
    public private(set) var sources: [WorkerSettingID: SettingSource] = [:]
    public private(set) var problems: [String] = []
    /// `WHARF_` variables that look like a misspelt setting. Warnings, not errors: other `WHARF_`
    /// variables may be the operator's own (a webhook's `secret_env`, say).
    public private(set) var warnings: [String] = []

    /// `flags` are the raw texts given on the command line; `file` holds values the config file
    /// reader already parsed (with its own, located, problems).
    public init(
        flags: [WorkerSettingID: String] = [:], environment: [String: String], file: [WorkerSettingID: SettingValue] = [:]
    ) {
        for setting in WorkerSettings.table {
            if let text = flags[setting.id] {
                take(setting, text, source: .flag, from: setting.flagSpelling ?? setting.field)
            } else if let variable = setting.environment, let text = environment[variable] {
                take(setting, text, source: .environment, from: variable)
            } else if let value = file[setting.id] {
                values[setting.id] = value
                sources[setting.id] = .file
            }
        }
        let known = WorkerSettings.table.compactMap(\.environment) + Self.otherVariables
        for variable in environment.keys.sorted() where variable.hasPrefix("WHARF_") && !known.contains(variable) {
            if let guess = Spelling.nearest(variable, in: known), guess != variable {
                warnings.append("\(variable) is not a Wharf setting and is ignored; did you mean \(guess)?")
            }
        }
    }

    /// `WHARF_` variables read elsewhere (connection settings, the test worker's own).
    static let otherVariables = ["WHARF_SCHEMA", "WHARF_JOB_TIMEOUT", "WHARF_SHORT_TIMEOUT"]

    private mutating func take(_ setting: WorkerSetting, _ text: String, source: SettingSource, from origin: String) {
        do {
            values[setting.id] = try WorkerSettings.parse(text, as: setting)
            sources[setting.id] = source
        } catch {
            problems.append("\(origin): \(error)")
        }
    }

    public func duration(_ id: WorkerSettingID) -> Duration? {
        if case .duration(let value)? = values[id] { value } else { nil }
    }

    public func count(_ id: WorkerSettingID) -> Int? {
        if case .count(let value)? = values[id] { value } else { nil }
    }

    public func text(_ id: WorkerSettingID) -> String? {
        if case .text(let value)? = values[id] { value } else { nil }
    }

    /// Throws every problem at once.
    public func check() throws(WorkerSettingsError) {
        if !problems.isEmpty { throw WorkerSettingsError(problems: problems) }
    }

    /// The runtime's configuration from these settings, defaults where unset. Check
    /// ``problems`` first, and ``WorkerConfiguration/validate()`` after (the rules between
    /// settings).
    public func configuration(defaultWorkerID: () -> WorkerID = WorkerService.makeWorkerID) -> WorkerConfiguration {
        var queues: [WorkerConfiguration.QueueSettings] = []
        if case .queues(let listed)? = values[.queues] { queues = listed }
        if queues.isEmpty { queues = [.init(name: .default)] }
        var configuration = WorkerConfiguration(workerID: text(.workerID).map(WorkerID.init) ?? defaultWorkerID(), queues: queues)
        if let value = duration(.leaseTTL) { configuration.leaseTTL = value }
        if let value = duration(.heartbeatInterval) { configuration.heartbeatInterval = value }
        if let value = duration(.pollInterval) { configuration.pollInterval = value }
        if let value = duration(.gracePeriod) { configuration.gracePeriod = value }
        if let value = duration(.reaperInterval) { configuration.reaperInterval = value }
        if let value = duration(.storeCallTimeout) { configuration.storeCallTimeout = value }
        configuration.staleWorkerAfter = duration(.staleWorkerAfter)
        switch values[.retention] {
        case .forever?: configuration.retention = nil
        case .duration(let value)?: configuration.retention = value
        default: break
        }
        if let value = count(.completionBatchSize) { configuration.completionBatchSize = value }
        if let value = text(.deployment) { configuration.deployment = value }
        if let value = count(.maxSnoozes) { configuration.maxSnoozes = value }
        if let value = text(.commitWait).flatMap(WorkerConfiguration.CommitWait.init(rawValue:)) { configuration.commitWait = value }
        return configuration
    }
}

extension WorkerSettings {
    /// Parses a flag's or a variable's text as `setting` accepts it.
    public static func parse(_ text: String, as setting: WorkerSetting) throws(ValidationError) -> SettingValue {
        switch setting.kind {
        case .duration(let range):
            return .duration(try DurationParsing.parse(text, field: setting.field, range: range))
        case .durationOrForever:
            if text == "forever" { return .forever }
            return .duration(try DurationParsing.parse(text, field: setting.field))
        case .count(let range):
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
                throw ValidationError(
                    field: setting.field, value: text, rule: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .count(number)
        case .queues:
            return .queues(try parseQueues(text))
        case .choice(let words):
            let word = text.lowercased()
            guard words.contains(word) else {
                throw ValidationError(field: setting.field, value: text, rule: "must be one of \(words.joined(separator: ", "))")
            }
            return .text(word)
        case .text, .path:
            return .text(text)
        }
    }

    /// `default=10,mail=4` (a bare name gets the default concurrency).
    public static func parseQueues(_ text: String) throws(ValidationError) -> [WorkerConfiguration.QueueSettings] {
        var queues: [WorkerConfiguration.QueueSettings] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let name = try QueueName(pieces[0])
            guard pieces.count == 2 else {
                queues.append(.init(name: name))
                continue
            }
            guard let concurrency = Int(pieces[1]) else {
                throw ValidationError(field: "queues", value: String(part), rule: "concurrency must be a whole number", hint: "e.g. default=10,mail=4")
            }
            queues.append(.init(name: name, concurrency: concurrency))
        }
        return queues
    }
}

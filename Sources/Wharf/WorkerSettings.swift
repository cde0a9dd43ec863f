import Foundation
public import WharfCore
public import WharfRuntime

/// Names every setting of `wharf worker`.
public enum WorkerSettingID: String, CaseIterable, Sendable {
    case config, queues, workerID, leaseTTL, heartbeatInterval, pollInterval, gracePeriod, reaperInterval
    case storeCallTimeout, retention, staleWorkerAfter, completionBatchSize, maxSnoozes, commitWait, poolSize
    case deployment, httpAddress, apiToken, apiTokenFile, logLevel, logFormat
}

/// One setting of `wharf worker`, defined once: its names in each source (flag, environment
/// variable, file key), what it accepts, its default and its help. The flags' help, the
/// resolver, the config file's keys and the settings table in docs/operations.md (checked by a
/// test) all come from ``WorkerSettings/table``.
public struct WorkerSetting: Sendable {
    /// What a value must look like.
    public enum Kind: Sendable, Equatable {
        case duration(ClosedRange<Duration>)
        /// A duration, or `forever` for none.
        case durationOrForever
        case count(ClosedRange<Int>)
        /// `name=concurrency,...` on the command line; an object in the file.
        case queues
        case text
        case path
        /// One of a fixed list of words.
        case choice([String])
    }

    public let id: WorkerSettingID
    /// As people say it: "lease TTL".
    public let name: String
    /// The long flag without its dashes; `nil` when there is none.
    public let flag: String?
    public let environment: String?
    public let fileKey: String?
    public let kind: Kind
    /// The unit column of the table.
    public let unit: String
    /// The default as the table shows it (Markdown).
    public let defaultText: String
    /// One sentence for `--help`.
    public let help: String

    /// `--help` text: the sentence, the default and the variable.
    public var flagHelp: String {
        var text = help
        text += defaultText == "none" ? "." : " (default \(defaultText.replacingOccurrences(of: "`", with: "")))."
        if let environment { text += " Env: \(environment)." }
        return text
    }

    /// The table's flag column text.
    public var flagSpelling: String? { flag.map { "--\($0)" } }

    /// How problems name this setting: its file key, else its flag, else its variable.
    var field: String { fileKey ?? flag ?? environment ?? id.rawValue }
}

/// Where a resolved value came from.
public enum SettingSource: Sendable, Equatable {
    case flag, environment, file, defaultValue
}

/// A setting's parsed value.
public enum SettingValue: Sendable, Equatable {
    case duration(Duration)
    case forever
    case count(Int)
    case queues([WorkerConfiguration.QueueSettings])
    case text(String)
}

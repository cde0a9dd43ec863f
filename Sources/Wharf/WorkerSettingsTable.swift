import Foundation
public import WharfCore
import WharfRuntime

/// Every setting of `wharf worker`, in the order docs/operations.md lists them. A new setting is
/// one entry here plus the line that applies it (``ResolvedSettings/configuration(defaultWorkerID:)``
/// for the runtime's, the CLI for the others).
public enum WorkerSettings {
    public static let table: [WorkerSetting] = [
        WorkerSetting(
            id: .config, name: "config file", flag: "config", environment: "WHARF_CONFIG", fileKey: nil, kind: .path,
            unit: "path", defaultText: "none",
            help: "JSON configuration file (queues, kinds and their handlers, timeouts, retry)"),
        WorkerSetting(
            id: .queues, name: "queues", flag: "queues", environment: "WHARF_QUEUES", fileKey: "queues", kind: .queues,
            unit: "name=count list", defaultText: "`default=10`",
            help: "Queues and concurrency, e.g. default=10,mail=4 (replaces the file's queues)"),
        WorkerSetting(
            id: .workerID, name: "worker id", flag: "worker-id", environment: "WHARF_WORKER_ID", fileKey: nil, kind: .text,
            unit: "text", defaultText: "`host:pid:random`",
            help: "This process's id in leases and the workers table"),
        duration(.leaseTTL, "lease TTL", flag: "lease-ttl", key: "lease_ttl", WorkerConfiguration.defaultLeaseTTL, help: "Lease length"),
        duration(
            .heartbeatInterval, "heartbeat interval", flag: "heartbeat-interval", key: "heartbeat_interval",
            WorkerConfiguration.defaultHeartbeatInterval, help: "Lease renewal interval, at most a third of the TTL"),
        duration(
            .pollInterval, "poll interval", flag: "poll-interval", key: "poll_interval", WorkerConfiguration.defaultPollInterval,
            help: "Claim interval without notifications"),
        duration(
            .gracePeriod, "grace period", flag: "grace-period", key: "grace_period", WorkerConfiguration.defaultGracePeriod,
            range: DurationParsing.anyLength, help: "Time running jobs get to finish on shutdown"),
        duration(
            .reaperInterval, "reaper interval", flag: "reaper-interval", key: "reaper_interval", WorkerConfiguration.defaultReaperInterval,
            help: "Expired-lease reclaim interval on the leader"),
        duration(
            .storeCallTimeout, "store call timeout", flag: nil, key: "store_call_timeout", WorkerConfiguration.defaultStoreCallTimeout,
            help: "Longest one database call may take before it is abandoned and retried"),
        WorkerSetting(
            id: .retention, name: "retention of finished jobs", flag: "retention", environment: "WHARF_RETENTION", fileKey: "retention",
            kind: .durationOrForever, unit: "duration or `forever`", defaultText: "`\(format(WorkerConfiguration.defaultRetention))`",
            help: "Keep completed and cancelled jobs this long, or \"forever\""),
        WorkerSetting(
            id: .staleWorkerAfter, name: "stale worker age", flag: nil, environment: nil, fileKey: "stale_worker_after",
            kind: .duration(DurationParsing.positive), unit: "duration", defaultText: "3 × lease TTL",
            help: "A worker row whose heartbeat is older than this is removed"),
        WorkerSetting(
            id: .completionBatchSize, name: "completion batch", flag: nil, environment: nil, fileKey: "completion_batch_size",
            kind: .count(1...10_000), unit: "jobs", defaultText: "`\(WorkerConfiguration.defaultCompletionBatchSize)`",
            help: "Most completions written in one statement"),
        WorkerSetting(
            id: .maxSnoozes, name: "snooze cap", flag: nil, environment: "WHARF_MAX_SNOOZES", fileKey: "max_snoozes",
            kind: .count(1...100_000), unit: "snoozes", defaultText: "`\(WorkerConfiguration.defaultMaxSnoozes)`",
            help: "Most snoozes per job; the next one counts as a failed attempt"),
        WorkerSetting(
            id: .commitWait, name: "commit wait", flag: "commit-wait", environment: "WHARF_COMMIT_WAIT", fileKey: "commit_wait",
            kind: .choice(WorkerConfiguration.CommitWait.allCases.map(\.rawValue)), unit: "`enqueues` \\| `all`",
            defaultText: "`\(WorkerConfiguration.CommitWait.enqueues.rawValue)`",
            help: "Which writes wait for the disk: enqueues (and schedule fires, operator actions; claims, outcomes and lease renewals do not) or all"),
        WorkerSetting(
            id: .poolSize, name: "pool size", flag: "pool-size", environment: "WHARF_POOL_SIZE", fileKey: nil, kind: .count(1...1000),
            unit: "connections", defaultText: "queues + 3, min 4; + 2 with HTTP; + 2 with commit wait `enqueues`",
            help: "Most database connections, both pools together"),
        WorkerSetting(
            id: .deployment, name: "deployment", flag: "deployment", environment: "WHARF_DEPLOYMENT", fileKey: "deployment",
            kind: .text, unit: "name", defaultText: "`\(WorkerConfiguration.defaultDeployment)`",
            help: "Which deployment's config schedules this file's `schedules` replace (one name per config file)"),
        WorkerSetting(
            id: .httpAddress, name: "HTTP address", flag: "http-address", environment: "WHARF_HTTP_ADDRESS", fileKey: "http_address",
            kind: .text, unit: "`HOST:PORT` or `off`", defaultText: "`127.0.0.1:9753`",
            help: "Serve /metrics, /healthz, /readyz, the API and the dashboard on HOST:PORT, or off"),
        // Never a flag: arguments are visible to every user in `ps`.
        WorkerSetting(
            id: .apiToken, name: "API token", flag: nil, environment: "WHARF_API_TOKEN", fileKey: nil, kind: .text,
            unit: "text, 16+ characters", defaultText: "none: API actions off",
            help: "The bearer token that enables the API's actions"),
        WorkerSetting(
            id: .apiTokenFile, name: "API token file", flag: "api-token-file", environment: "WHARF_API_TOKEN_FILE", fileKey: nil,
            kind: .path, unit: "path", defaultText: "none",
            help: "File holding the bearer token that enables the API's actions (or set WHARF_API_TOKEN)"),
        WorkerSetting(
            id: .logLevel, name: "log level", flag: "log-level", environment: "WHARF_LOG_LEVEL", fileKey: nil,
            kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), unit: "level", defaultText: "`info`",
            help: "trace, debug, info, notice, warning, error or critical; commands other than worker default to warning"),
        WorkerSetting(
            id: .logFormat, name: "log format", flag: "log-format", environment: "WHARF_LOG_FORMAT", fileKey: nil,
            kind: .choice(["text", "json"]), unit: "`text` \\| `json`", defaultText: "`text`",
            help: "text or json (one JSON object per line)"),
    ]

    /// The entry for `id`. Every id has one (a test walks them all).
    public static subscript(_ id: WorkerSettingID) -> WorkerSetting {
        byID[id] ?? WorkerSetting(
            id: id, name: id.rawValue, flag: nil, environment: nil, fileKey: nil, kind: .text, unit: "", defaultText: "", help: "")
    }

    /// The keys the config file accepts as plain values (queues, kinds and retry are structures
    /// the file reader handles itself).
    public static var fileKeys: [String] { table.compactMap(\.fileKey) }

    private static let byID: [WorkerSettingID: WorkerSetting] = Dictionary(table.map { ($0.id, $0) }) { first, _ in first }

    private static func duration(
        _ id: WorkerSettingID, _ name: String, flag: String?, key: String, _ defaultValue: Duration,
        range: ClosedRange<Duration> = DurationParsing.positive, help: String
    ) -> WorkerSetting {
        WorkerSetting(
            id: id, name: name, flag: flag, environment: "WHARF_\(key.uppercased())", fileKey: key, kind: .duration(range),
            unit: "duration", defaultText: "`\(format(defaultValue))`", help: help)
    }

    /// `30s`, `24h`: as people write durations in the file.
    static func format(_ duration: Duration) -> String { DurationParsing.describe(duration, days: false) }
}

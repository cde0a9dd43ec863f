import ArgumentParser
import Foundation
import Logging
import Wharf
import WharfCore
import WharfPostgres
import WharfRuntime

/// `wharf worker`: run jobs until stopped.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Claim and run jobs until SIGTERM/SIGINT (graceful; a second signal exits at once).",
        discussion: """
            Settings come from flags, then WHARF_* environment variables, then the --config file, \
            then defaults. Handlers (job kinds) are configured in the file; see deploy/config/worker.example.json.
            """)

    @Option(help: "JSON configuration file (queues, kinds and their handlers, timeouts, retry). Env: WHARF_CONFIG.")
    var config: String?

    @Option(help: "Queues and concurrency, e.g. default=10,mail=4 (replaces the file's queues). Env: WHARF_QUEUES.")
    var queues: String?

    @Option(name: .customLong("lease-ttl"), help: "Lease length (default 30s). Env: WHARF_LEASE_TTL.")
    var leaseTTL: String?

    @Option(name: .customLong("heartbeat-interval"), help: "Lease renewal interval, at most a third of the TTL (default 10s). Env: WHARF_HEARTBEAT_INTERVAL.")
    var heartbeatInterval: String?

    @Option(name: .customLong("poll-interval"), help: "Claim interval without notifications (default 1s). Env: WHARF_POLL_INTERVAL.")
    var pollInterval: String?

    @Option(name: .customLong("grace-period"), help: "Time running jobs get to finish on shutdown (default 25s). Env: WHARF_GRACE_PERIOD.")
    var gracePeriod: String?

    @Option(name: .customLong("reaper-interval"), help: "Expired-lease reclaim interval on the leader (default 5s). Env: WHARF_REAPER_INTERVAL.")
    var reaperInterval: String?

    @Option(help: "Keep completed and cancelled jobs this long, or \"forever\" (default 24h). Env: WHARF_RETENTION.")
    var retention: String?

    @Option(name: .customLong("worker-id"), help: "This process's id in leases and the workers table (default host:pid:random). Env: WHARF_WORKER_ID.")
    var workerID: String?

    @Option(name: .customLong("pool-size"), help: "Most database connections (default: queues + 3, at least 4). Env: WHARF_POOL_SIZE.")
    var poolSize: Int?

    @OptionGroup var http: HTTPOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            let database = try DatabaseSession.url(connection)
            let (configuration, handlers, fileAddress) = try makeConfiguration(environment: environment)
            let logger = try http.logger(level: connection.logLevel, environment: environment)
            let httpSettings = try http.settings(environment: environment, fileAddress: fileAddress)
            let pool = try Self.poolSize(poolSize, environment: environment)
            try await WharfWorker.run(
                database: database, configuration: configuration, handlers: handlers, poolSize: pool, http: httpSettings,
                version: WharfVersion.current, logger: logger)
        }
    }

    /// The worker configuration, its handlers and the file's `http_address`, if any.
    func makeConfiguration(environment: [String: String]) throws -> (WorkerConfiguration, HandlerRegistry, String?) {
        var file = WorkerConfigFile()
        if let path = config ?? environment["WHARF_CONFIG"] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(path: path, problems: ["cannot read the file (does it exist, and may this user read it?)"])
            }
            file = try WorkerConfigFile.parse(data, path: path, environment: environment)
        }
        var queueSettings = file.queues
        if let text = queues ?? environment["WHARF_QUEUES"] { queueSettings = try Self.parseQueues(text) }
        if queueSettings.isEmpty { queueSettings = [.init(name: .default)] }

        var configuration = WorkerConfiguration(
            workerID: (workerID ?? environment["WHARF_WORKER_ID"]).map(WorkerID.init) ?? WorkerService.makeWorkerID(),
            queues: queueSettings)
        func duration(_ flag: String?, _ env: String, _ key: String) throws -> Duration? {
            if let text = flag ?? environment[env] { return try DurationParsing.parse(text, field: key, range: WorkerConfiguration.durationRange(key)) }
            return file.durations[key]
        }
        if let value = try duration(leaseTTL, "WHARF_LEASE_TTL", "lease_ttl") { configuration.leaseTTL = value }
        if let value = try duration(heartbeatInterval, "WHARF_HEARTBEAT_INTERVAL", "heartbeat_interval") { configuration.heartbeatInterval = value }
        if let value = try duration(pollInterval, "WHARF_POLL_INTERVAL", "poll_interval") { configuration.pollInterval = value }
        if let value = try duration(gracePeriod, "WHARF_GRACE_PERIOD", "grace_period") { configuration.gracePeriod = value }
        if let value = try duration(reaperInterval, "WHARF_REAPER_INTERVAL", "reaper_interval") { configuration.reaperInterval = value }
        configuration.staleWorkerAfter = file.durations["stale_worker_after"]
        if let value = try duration(nil, "WHARF_STORE_CALL_TIMEOUT", "store_call_timeout") { configuration.storeCallTimeout = value }
        if let size = file.completionBatchSize { configuration.completionBatchSize = size }
        if let text = retention ?? environment["WHARF_RETENTION"] {
            configuration.retention = text == "forever" ? nil : try DurationParsing.parse(text, field: "retention")
        } else if let fromFile = file.retention {
            configuration.retention = fromFile
        }
        configuration.retry = file.retry
        let problems = configuration.validate()
        guard problems.isEmpty else { throw ConfigError(path: config ?? "worker settings", problems: problems) }
        return (configuration, file.handlers, file.httpAddress)
    }

    /// Most connections: 1-1000, from the flag or WHARF_POOL_SIZE; `nil` lets the worker choose.
    static func poolSize(_ flag: Int?, environment: [String: String]) throws -> Int? {
        let source = flag != nil ? "--pool-size" : "WHARF_POOL_SIZE"
        guard let text = flag.map(String.init) ?? environment["WHARF_POOL_SIZE"] else { return nil }
        guard let size = Int(text.trimmingCharacters(in: .whitespaces)), (1...1000).contains(size) else {
            throw WharfCore.ValidationError(field: source, value: text, rule: "must be a whole number from 1 to 1000")
        }
        return size
    }

    /// `default=10,mail=4` (a bare name gets the default concurrency).
    static func parseQueues(_ text: String) throws -> [WorkerConfiguration.QueueSettings] {
        try text.split(separator: ",").map { part in
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let name = try QueueName(pieces[0])
            guard pieces.count == 2 else { return .init(name: name) }
            guard let concurrency = Int(pieces[1]) else {
                throw WharfCore.ValidationError(field: "queues", value: String(part), rule: "concurrency must be a whole number", hint: "e.g. default=10,mail=4")
            }
            return .init(name: name, concurrency: concurrency)
        }
    }
}

/// One JSON object per log line: `{"ts": …, "level": …, "msg": …, "label": …, <metadata>…}`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: Any] = [
            "ts": Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            "level": event.level.rawValue, "msg": "\(event.message)", "label": label,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = "\(value)"
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}

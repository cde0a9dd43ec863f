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

    // Names and help come from the settings table, so each is spelled once.
    @Option(name: WorkerSettings.name(.config), help: WorkerSettings.help(.config))
    var config: String?

    @Option(name: WorkerSettings.name(.queues), help: WorkerSettings.help(.queues))
    var queues: String?

    @Option(name: WorkerSettings.name(.leaseTTL), help: WorkerSettings.help(.leaseTTL))
    var leaseTTL: String?

    @Option(name: WorkerSettings.name(.heartbeatInterval), help: WorkerSettings.help(.heartbeatInterval))
    var heartbeatInterval: String?

    @Option(name: WorkerSettings.name(.pollInterval), help: WorkerSettings.help(.pollInterval))
    var pollInterval: String?

    @Option(name: WorkerSettings.name(.gracePeriod), help: WorkerSettings.help(.gracePeriod))
    var gracePeriod: String?

    @Option(name: WorkerSettings.name(.reaperInterval), help: WorkerSettings.help(.reaperInterval))
    var reaperInterval: String?

    @Option(name: WorkerSettings.name(.retention), help: WorkerSettings.help(.retention))
    var retention: String?

    @Option(name: WorkerSettings.name(.workerID), help: WorkerSettings.help(.workerID))
    var workerID: String?

    @Option(name: WorkerSettings.name(.poolSize), help: WorkerSettings.help(.poolSize))
    var poolSize: String?

    @Option(name: WorkerSettings.name(.deployment), help: WorkerSettings.help(.deployment))
    var deployment: String?

    @Option(name: WorkerSettings.name(.commitWait), help: WorkerSettings.help(.commitWait))
    var commitWait: String?

    @OptionGroup var http: HTTPOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            let database = try DatabaseSession.url(connection)
            let (settings, file) = try resolve(environment: environment)
            let logger = try http.logger(level: connection.logLevel, environment: environment)
            for warning in settings.warnings { logger.warning("\(warning)") }
            let configuration = try Self.configuration(settings, file)
            let httpSettings = try http.settings(environment: environment, fileAddress: file.httpAddress)
            try await WharfWorker.run(
                database: database, configuration: configuration, handlers: file.handlers, poolSize: settings.count(.poolSize),
                http: httpSettings, version: WharfVersion.current, logger: logger)
        }
    }

    /// The flags this command was given, by setting.
    var flags: [WorkerSettingID: String] {
        let given: [(WorkerSettingID, String?)] = [
            (.config, config), (.queues, queues), (.leaseTTL, leaseTTL), (.heartbeatInterval, heartbeatInterval),
            (.pollInterval, pollInterval), (.gracePeriod, gracePeriod), (.reaperInterval, reaperInterval),
            (.retention, retention), (.workerID, workerID), (.poolSize, poolSize), (.deployment, deployment),
            (.commitWait, commitWait),
            (.httpAddress, http.httpAddress), (.apiTokenFile, http.apiTokenFile), (.logFormat, http.logFormat),
            (.logLevel, connection.logLevel),
        ]
        return Dictionary(given.compactMap { id, text in text.map { (id, $0) } }) { first, _ in first }
    }

    /// Every setting layered (flag > environment > file > default) and the file's handlers.
    /// Problems in the file and in flags or variables are reported together: the file's
    /// with their JSON paths (exit 78), otherwise the flags' and variables' (exit 64).
    func resolve(environment: [String: String]) throws -> (ResolvedSettings, WorkerConfigFile) {
        var file = WorkerConfigFile()
        var fileProblems: ConfigError?
        if let path = config ?? environment[WorkerSettings[.config].environment ?? ""] {
            if let data = FileManager.default.contents(atPath: path) {
                do {
                    file = try WorkerConfigFile.parse(data, path: path, environment: environment)
                } catch let error as ConfigError {
                    fileProblems = error
                }
            } else {
                fileProblems = ConfigError(path: path, problems: ["cannot read the file (does it exist, and may this user read it?)"])
            }
        }
        var fileValues = file.settings
        if !file.queues.isEmpty { fileValues[.queues] = .queues(file.queues) }
        let settings = ResolvedSettings(flags: flags, environment: environment, file: fileValues)
        if var fileProblems {
            fileProblems.problems += settings.problems
            throw fileProblems
        }
        try settings.check()
        return (settings, file)
    }

    /// The worker configuration, its handlers and the file's `http_address`, if any.
    func makeConfiguration(environment: [String: String]) throws -> (WorkerConfiguration, HandlerRegistry, String?) {
        let (settings, file) = try resolve(environment: environment)
        return (try Self.configuration(settings, file), file.handlers, file.httpAddress)
    }

    /// The runtime's configuration with the file's retry policies, or every rule between
    /// settings it breaks.
    static func configuration(_ settings: ResolvedSettings, _ file: WorkerConfigFile) throws -> WorkerConfiguration {
        var configuration = settings.configuration()
        configuration.retry = file.retry
        configuration.schedules = file.schedules
        let problems = configuration.validate()
        guard problems.isEmpty else { throw ConfigError(path: "worker settings", problems: problems) }
        return configuration
    }

    /// Most connections: 1-1000, from the flag or WHARF_POOL_SIZE; `nil` lets the worker choose.
    static func poolSize(_ flag: Int?, environment: [String: String]) throws -> Int? {
        let setting = WorkerSettings[.poolSize]
        guard let text = flag.map(String.init) ?? setting.environment.flatMap({ environment[$0] }) else { return nil }
        guard case .count(let size) = try WorkerSettings.parse(text, as: setting) else { return nil }
        return size
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
        var object: [String: String] = [
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

import ArgumentParser
import Foundation
import Logging
import WharfCore
import WharfHTTP
import Wharf

/// Where the HTTP side listens and the API token, for `wharf worker` and `wharf serve`.
struct HTTPOptions: ParsableArguments {
    @Option(name: WorkerSettings.name(.httpAddress), help: WorkerSettings.help(.httpAddress))
    var httpAddress: String?

    @Option(name: WorkerSettings.name(.apiTokenFile), help: WorkerSettings.help(.apiTokenFile))
    var apiTokenFile: String?

    @Option(name: WorkerSettings.name(.logFormat), help: WorkerSettings.help(.logFormat))
    var logFormat: String?

    /// `nil` when the address is off. The token never comes from an argument: arguments are
    /// visible to every user in `ps`.
    func settings(environment: [String: String], fileAddress: String? = nil) throws -> HTTPSettings? {
        let addressText =
            WorkerSettings.given(.httpAddress, flag: httpAddress, environment: environment) ?? fileAddress ?? "127.0.0.1:\(HTTPSettings.defaultPort)"
        guard let address = try HTTPSettings.parseAddress(addressText) else { return nil }
        var settings = HTTPSettings()
        settings.host = address.host
        settings.port = address.port
        if let path = WorkerSettings.given(.apiTokenFile, flag: apiTokenFile, environment: environment) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw WharfCore.ValidationError(field: "api-token-file", value: path, rule: "cannot be read", hint: "check the path and that this user may read it")
            }
            settings.token = try APIToken(String(decoding: data, as: UTF8.self))
        } else if let token = WorkerSettings.given(.apiToken, flag: nil, environment: environment), !token.isEmpty {
            settings.token = try APIToken(token)
        }
        return settings
    }

    /// Text to stderr by default, JSON lines with `json`.
    func logger(level: String?, environment: [String: String]) throws -> Logger {
        let format = WorkerSettings.given(.logFormat, flag: logFormat, environment: environment) ?? "text"
        guard ["text", "json"].contains(format) else {
            throw WharfCore.ValidationError(field: "log-format", value: format, rule: "must be text or json")
        }
        var logger = Logger(label: "wharf") { label in
            format == "json" ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        let levelText = WorkerSettings.given(.logLevel, flag: level, environment: environment) ?? "info"
        logger.logLevel = Logger.Level(rawValue: levelText.lowercased()) ?? .info
        return logger
    }
}

import ArgumentParser
import Foundation
import Logging
import WharfCore
import WharfHTTP

/// Where the HTTP side listens and the API token, for `wharf worker` and `wharf serve`.
struct HTTPOptions: ParsableArguments {
    @Option(name: .customLong("http-address"), help: "Serve /metrics, /healthz, /readyz, the API and the dashboard on HOST:PORT, or off (default 127.0.0.1:9753). Env: WHARF_HTTP_ADDRESS.")
    var httpAddress: String?

    @Option(name: .customLong("api-token-file"), help: "File holding the bearer token that enables the API's actions (or set WHARF_API_TOKEN). Env: WHARF_API_TOKEN_FILE.")
    var apiTokenFile: String?

    @Option(name: .customLong("log-format"), help: "text (default) or json (one JSON object per line). Env: WHARF_LOG_FORMAT.")
    var logFormat: String?

    /// `nil` when the address is off. The token never comes from an argument: arguments are
    /// visible to every user in `ps`.
    func settings(environment: [String: String], fileAddress: String? = nil) throws -> HTTPSettings? {
        let addressText = httpAddress ?? environment["WHARF_HTTP_ADDRESS"] ?? fileAddress ?? "127.0.0.1:\(HTTPSettings.defaultPort)"
        guard let address = try HTTPSettings.parseAddress(addressText) else { return nil }
        var settings = HTTPSettings()
        settings.host = address.host
        settings.port = address.port
        if let path = apiTokenFile ?? environment["WHARF_API_TOKEN_FILE"] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw WharfCore.ValidationError(field: "api-token-file", value: path, rule: "cannot be read", hint: "check the path and that this user may read it")
            }
            settings.token = try APIToken(String(decoding: data, as: UTF8.self))
        } else if let token = environment["WHARF_API_TOKEN"], !token.isEmpty {
            settings.token = try APIToken(token)
        }
        return settings
    }

    /// Text to stderr by default, JSON lines with `json`.
    func logger(level: String?, environment: [String: String]) throws -> Logger {
        let format = logFormat ?? environment["WHARF_LOG_FORMAT"] ?? "text"
        guard ["text", "json"].contains(format) else {
            throw WharfCore.ValidationError(field: "log-format", value: format, rule: "must be text or json")
        }
        var logger = Logger(label: "wharf") { label in
            format == "json" ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        let levelText = level ?? environment["WHARF_LOG_LEVEL"] ?? "info"
        logger.logLevel = Logger.Level(rawValue: levelText.lowercased()) ?? .info
        return logger
    }
}

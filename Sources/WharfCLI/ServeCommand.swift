import ArgumentParser
import Foundation
import Wharf
import WharfCore
import WharfHTTP

/// `wharf serve`: the HTTP side alone (metrics, health, API, dashboard), processing no jobs.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve /metrics, /healthz, /readyz, the admin API and the dashboard without running jobs.",
        discussion: "For a monitoring process separate from the workers. Stops on SIGTERM/SIGINT.")

    @OptionGroup var http: HTTPOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            let database = try DatabaseSession.url(connection)
            let logger = try http.logger(level: connection.logLevel, environment: environment)
            guard let settings = try http.settings(environment: environment) else {
                throw WharfCore.ValidationError(field: "http-address", value: "off", rule: "leaves wharf serve nothing to do", hint: "give HOST:PORT, e.g. 127.0.0.1:9753")
            }
            try await WharfServer.run(database: database, http: settings, version: WharfVersion.current, logger: logger)
        }
    }
}

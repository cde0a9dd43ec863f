public import Logging
public import WharfPostgres
public import WharfRuntime
import Foundation
import PostgresNIO
import ServiceLifecycle
import UnixSignals
import WharfCore

/// Runs a Wharf worker backed by PostgreSQL in this process: for Swift services that embed
/// Wharf with their own handlers, and for `wharf worker`.
///
/// ```swift
/// var handlers = HandlerRegistry()
/// handlers.register(try JobKind("email.send"), as: Email.self, timeout: .seconds(30)) { email, context in
///     try await mailer.send(email)
///     return .success
/// }
/// try await WharfWorker.run(database: try DatabaseURL(url), configuration: config, handlers: handlers, logger: logger)
/// ```
///
/// SIGTERM or SIGINT starts a graceful shutdown; a second one exits at once (leases then
/// expire and the reaper hands the jobs to other workers).
public enum WharfWorker {
    public static func run(
        database: DatabaseURL, configuration: WorkerConfiguration, handlers: HandlerRegistry, poolSize: Int? = nil,
        version: String = "embedded", logger: Logger
    ) async throws {
        let problems = configuration.validate()
        guard problems.isEmpty else { throw WorkerConfigurationError(problems: problems) }
        // Claims, outcome writes, heartbeats and maintenance each want a connection at times.
        let connections = poolSize ?? max(4, configuration.queues.count + 3)
        let client = PostgresClient(configuration: database.clientConfiguration(poolSize: connections), backgroundLogger: logger)
        let store = PostgresJobStore(client: client, database: database, logger: logger)
        let worker = WorkerService(
            configuration: configuration, store: store, registry: store, leader: store,
            wakeups: PostgresQueueWakeups(database: database, logger: logger), handlers: handlers,
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), version: version, logger: logger,
            preflight: { try await Migrator(client: client, database: database, logger: logger).checkCurrent() })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: client),
                    .init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await exitOnSecondSignal(logger: logger) }
            try await group.run()
            tasks.cancelAll()
        }
    }

    /// The first SIGTERM/SIGINT is the ServiceGroup's (graceful shutdown); a second one means
    /// "now": exit without waiting. Running jobs' leases expire and other workers take them over.
    static func exitOnSecondSignal(logger: Logger) async {
        var received = 0
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
            received += 1
            if received >= 2 {
                logger.critical("Second signal: exiting now; running jobs' leases will expire and other workers will take them over", metadata: ["signal": "\(signal)"])
                exit(signal == .sigint ? 130 : 143)
            }
        }
    }
}

/// Problems found in a worker configuration, listed all at once.
public struct WorkerConfigurationError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String {
        "invalid worker configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

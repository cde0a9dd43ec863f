import Foundation
import Logging
import PostgresNIO
import WharfPostgres

/// Opens the database for one CLI command: parse the URL, probe one connection so an
/// unreachable server or bad credentials fail fast with a precise message (a pool would keep
/// retrying quietly), run a pooled client for the command's lifetime, and check the schema.
enum DatabaseSession {
    static func logger(_ options: ConnectionOptions) -> Logger {
        let levelText = options.logLevel ?? ProcessInfo.processInfo.environment["WHARF_LOG_LEVEL"] ?? "warning"
        var logger = Logger(label: "wharf", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = Logger.Level(rawValue: levelText.lowercased()) ?? .warning
        return logger
    }

    static func url(_ options: ConnectionOptions) throws -> DatabaseURL {
        let environment = ProcessInfo.processInfo.environment
        guard let text = options.databaseURL ?? environment["DATABASE_URL"], !text.isEmpty else {
            throw CLIError.missingDatabaseURL
        }
        let schema = options.schema ?? environment["WHARF_SCHEMA"] ?? DatabaseURL.defaultSchema
        let url = try DatabaseURL(text, schema: schema)
        if options.databaseURL != nil, url.password != nil {
            Output.error("warning: the password in --database-url is visible to every user of this machine (ps, /proc); set DATABASE_URL instead")
        }
        return url
    }

    /// Runs `body` with a store on a running client. With `requireCurrentSchema`, first fails
    /// with "run wharf migrate" when the schema is missing or behind.
    static func with<T: Sendable>(
        _ options: ConnectionOptions, requireCurrentSchema: Bool = true,
        _ body: @Sendable (PostgresJobStore, Migrator) async throws -> T
    ) async throws -> T {
        let database = try url(options)
        let logger = logger(options)
        try await probe(database, logger: logger)
        // A one-shot command leases a connection the moment run() starts; PostgresNIO warns
        // about that race on its background logger. Keep that logger for real failures.
        var backgroundLogger = logger
        backgroundLogger.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: database.clientConfiguration(poolSize: 4), backgroundLogger: backgroundLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = PostgresJobStore(client: client, database: database, logger: logger)
            let migrator = Migrator(client: client, database: database, logger: logger)
            if requireCurrentSchema { try await migrator.checkCurrent() }
            return try await body(store, migrator)
        }
    }

    private static func probe(_ database: DatabaseURL, logger: Logger) async throws {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try database.connectionConfiguration(), id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw StoreError.translate(error, operation: "connect", database: database, logger: logger)
        }
    }
}

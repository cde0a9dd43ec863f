public import Logging
public import PostgresNIO
import Foundation

/// Applies the embedded migrations to the schema named in the ``DatabaseURL``.
///
/// Safe to run from many processes at once: the whole run holds a session advisory lock keyed
/// by the schema name, so a second `wharf migrate` waits, then finds nothing to do. Each
/// migration runs in its own transaction together with its `schema_migrations` row, so a failed
/// migration leaves no trace. It refuses to touch a database whose schema is newer than this
/// binary, or whose applied migrations differ from the ones embedded here (checksums).
public struct Migrator: Sendable {
    public let client: PostgresClient
    public let database: DatabaseURL
    public let migrations: [Migration]
    let logger: Logger

    public init(client: PostgresClient, database: DatabaseURL, migrations: [Migration] = Migration.embedded, logger: Logger) {
        self.client = client
        self.database = database
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// What a run did.
    public struct Report: Sendable, Equatable {
        /// Versions applied by this run, in order.
        public var applied: [Int]
        /// The schema version afterwards.
        public var version: Int
    }

    var latest: Int { migrations.last?.version ?? 0 }

    public func migrate() async throws -> Report {
        do {
            return try await client.withConnection { connection in
                try await withMigrationLock(connection) {
                    try await applyPending(connection)
                }
            }
        } catch {
            throw StoreError.translate(error, operation: "migrate", database: database, logger: logger)
        }
    }

    /// The applied schema version; throws ``StoreError/schemaMissing(schema:)`` when there is
    /// none, `.schemaBehind` / `.schemaAhead` when it is not the one this binary expects.
    public func checkCurrent() async throws {
        let version: Int
        do {
            let rows = try await client.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger)
            version = Int(try await rows.decode(Int32.self).first(where: { _ in true }) ?? 0)
        } catch {
            throw StoreError.translate(error, operation: "check schema version", database: database, logger: logger)
        }
        if version == 0 { throw StoreError.schemaMissing(schema: database.schema) }
        if version < latest { throw StoreError.schemaBehind(schema: database.schema, have: version, want: latest) }
        if version > latest { throw StoreError.schemaAhead(schema: database.schema, have: version, known: latest) }
    }

    private func withMigrationLock<T: Sendable>(_ connection: PostgresConnection, _ body: () async throws -> T) async throws -> T {
        let key = "wharf.migrate:\(database.schema)"
        try await Self.run("SELECT pg_advisory_lock(hashtextextended(\(key), 0))", on: connection, logger: logger)
        do {
            let result = try await body()
            try await Self.run("SELECT pg_advisory_unlock(hashtextextended(\(key), 0))", on: connection, logger: logger)
            return result
        } catch {
            // Unlock on failure too; if the connection itself is gone, the server released it.
            try? await Self.run("SELECT pg_advisory_unlock(hashtextextended(\(key), 0))", on: connection, logger: logger)
            throw error
        }
    }

    private func applyPending(_ connection: PostgresConnection) async throws -> Report {
        // Identifiers cannot be bound; the schema name was validated as [a-z_][a-z0-9_]* by
        // DatabaseURL, so quoting it is enough.
        try await Self.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(database.schema)\""), on: connection, logger: logger)
        try await Self.run(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, on: connection, logger: logger)

        var applied: [Int: (name: String, checksum: String)] = [:]
        for try await (version, name, checksum) in try await connection.query(
            "SELECT version, name, checksum FROM schema_migrations", logger: logger
        ).decode((Int32, String, String).self) {
            applied[Int(version)] = (name, checksum)
        }

        if let newest = applied.keys.max(), newest > latest {
            throw StoreError.schemaAhead(schema: database.schema, have: newest, known: latest)
        }
        for migration in migrations {
            guard let record = applied[migration.version] else { continue }
            let rows = try await connection.query("SELECT md5(\(migration.sql))", logger: logger)
            let checksum = try await rows.decode(String.self).first(where: { _ in true })
            if checksum != record.checksum {
                throw StoreError.checksumMismatch(version: migration.version, name: record.name)
            }
        }

        var report = Report(applied: [], version: applied.keys.max() ?? 0)
        for migration in migrations where applied[migration.version] == nil {
            try await connection.withTransaction(logger: logger) { tx in
                try await Self.run(Self.wrapped(migration), on: tx, logger: logger)
                try await Self.run(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(Int32(migration.version)), \(migration.name), md5(\(migration.sql)))",
                    on: tx, logger: logger)
            }
            logger.info("Applied migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
            report.applied.append(migration.version)
            report.version = migration.version
        }
        return report
    }

    /// Runs a statement and reads its response to the end. An error the server reports after
    /// the statement started (a failing DO block, a lost connection before commit) arrives only
    /// while the rows are read, so a statement whose rows are not read can fail silently.
    static func run(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws {
        for try await _ in try await connection.query(query, logger: logger) {}
    }

    /// PostgresNIO speaks only the extended query protocol, which takes one statement at a time;
    /// a migration file holds many. plpgsql's EXECUTE runs a multi-statement string, so the file
    /// goes inside a DO block under a dollar-quote tag it cannot contain (checked).
    static func wrapped(_ migration: Migration) throws -> PostgresQuery {
        let tag = "$wharf_migration_body$"
        guard !migration.sql.contains(tag) else {
            throw StoreError.query(operation: "migrate", detail: "migration \(migration.name) contains the reserved text \(tag)")
        }
        return PostgresQuery(unsafeSQL: "DO $wharf_migration$ BEGIN EXECUTE \(tag)\(migration.sql)\(tag); END $wharf_migration$")
    }
}

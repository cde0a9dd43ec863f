import Foundation
public import Logging
public import PostgresNIO
public import WharfPostgres

/// A freshly migrated schema of its own for one test, on the server in `DATABASE_URL`
/// (`make test` starts a throwaway one). Tests can run in parallel: each sees only its schema.
public struct TestDatabase: Sendable {
    public let url: DatabaseURL
    /// The URL text, for CLI runs: `--database-url url.text --schema schema`.
    public let urlText: String
    public let client: PostgresClient
    public let store: PostgresJobStore
    public let logger: Logger
    public var schema: String { url.schema }

    /// Runs raw SQL in the test's schema (fixtures and assertions only; product SQL lives in
    /// WharfPostgres).
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await client.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    /// One value from a one-row, one-column query.
    public func scalar<T: PostgresDecodable>(_ query: PostgresQuery, as: T.Type = T.self) async throws -> T {
        guard let row = try await self.query(query).first else {
            throw TestDatabaseError("query returned no rows: \(query.sql)")
        }
        return try row.decode(T.self)
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The server URL from `DATABASE_URL`, or an error that says how to get one.
public func testDatabaseURLText() throws -> String {
    guard let text = ProcessInfo.processInfo.environment["DATABASE_URL"], !text.isEmpty else {
        throw TestDatabaseError("DATABASE_URL is not set: run the tests with `make test`, which starts a throwaway PostgreSQL")
    }
    return text
}

/// A schema name no other test uses.
public func uniqueSchemaName(prefix: String = "t") -> String {
    "\(prefix)_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
}

/// Creates schema `t_<random>`, migrates it, runs `body` with a running client, then drops the
/// schema, also when `body` throws. With `migrate: false` the schema does not exist at all
/// (for migration tests).
public func withTestDatabase<T: Sendable>(
    url serverURL: String? = nil, migrate: Bool = true, poolSize: Int = 10, _ body: (TestDatabase) async throws -> T
) async throws -> T {
    let urlText = try serverURL ?? testDatabaseURLText()
    let url = try DatabaseURL(urlText, schema: uniqueSchemaName())
    var logger = Logger(label: "wharf.test")
    logger.logLevel = .error
    let client = PostgresClient(configuration: url.clientConfiguration(poolSize: poolSize), backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        let database = TestDatabase(
            url: url, urlText: urlText, client: client,
            store: PostgresJobStore(client: client, database: url, logger: logger), logger: logger)
        let result: Result<T, any Error>
        do {
            if migrate { _ = try await Migrator(client: client, database: url, logger: logger).migrate() }
            result = .success(try await body(database))
        } catch {
            result = .failure(error)
        }
        // The schema name was generated above from digits only, so it is safe to splice.
        _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(url.schema)\" CASCADE"), logger: logger)
        group.cancelAll()
        return try result.get()
    }
}

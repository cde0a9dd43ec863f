import Foundation
import PostgresNIO
import Testing
import WharfPostgres
import WharfTesting

@Suite("Migrations")
struct MigrationTests {
    @Test("migrate creates the schema at the latest version and a second run applies nothing")
    func migrateIsIdempotent() async throws {
        try await withTestDatabase(migrate: false) { db in
            let migrator = Migrator(client: db.client, database: db.url, logger: db.logger)
            let first = try await migrator.migrate()
            #expect(first.applied == Migration.embedded.map(\.version))
            #expect(first.version == Migration.latestVersion)
            let second = try await migrator.migrate()
            #expect(second.applied.isEmpty)
            #expect(second.version == Migration.latestVersion)
            try await migrator.checkCurrent()
            let tables: Int64 = try await db.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = \(db.schema) AND table_name IN ('jobs', 'dead_jobs', 'workers', 'schema_migrations')")
            #expect(tables == 4)
        }
    }

    @Test("concurrent migrations on an empty schema apply each version exactly once")
    func concurrentMigrationsApplyOnce() async throws {
        try await withTestDatabase(migrate: false) { db in
            let reports = try await withThrowingTaskGroup(of: Migrator.Report.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await Migrator(client: db.client, database: db.url, logger: db.logger).migrate() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reports.flatMap(\.applied).sorted() == Migration.embedded.map(\.version))
            #expect(reports.allSatisfy { $0.version == Migration.latestVersion })
            let rows: Int64 = try await db.scalar("SELECT count(*) FROM schema_migrations")
            #expect(rows == Int64(Migration.embedded.count))
        }
    }

    @Test("a database with a newer schema than the binary is refused")
    func newerSchemaIsRefused() async throws {
        try await withTestDatabase { db in
            try await db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future', 'x')")
            let migrator = Migrator(client: db.client, database: db.url, logger: db.logger)
            await #expect(throws: StoreError.schemaAhead(schema: db.schema, have: 9999, known: Migration.latestVersion)) {
                try await migrator.migrate()
            }
            await #expect(throws: StoreError.schemaAhead(schema: db.schema, have: 9999, known: Migration.latestVersion)) {
                try await migrator.checkCurrent()
            }
        }
    }

    @Test("an applied migration whose text changed is refused by checksum")
    func changedMigrationIsRefused() async throws {
        try await withTestDatabase { db in
            try await db.query("UPDATE schema_migrations SET checksum = md5('edited') WHERE version = 1")
            await #expect(throws: StoreError.checksumMismatch(version: 1, name: "0001_init")) {
                try await Migrator(client: db.client, database: db.url, logger: db.logger).migrate()
            }
        }
    }

    @Test("an unmigrated schema is reported as missing with the fix")
    func unmigratedSchemaIsMissing() async throws {
        try await withTestDatabase(migrate: false) { db in
            let migrator = Migrator(client: db.client, database: db.url, logger: db.logger)
            await #expect(throws: StoreError.schemaMissing(schema: db.schema)) { try await migrator.checkCurrent() }
            #expect(StoreError.schemaMissing(schema: db.schema).description.contains("run `wharf migrate`"))
        }
    }

    @Test("the embedded migrations match migrations/ (run `make generate` after editing)")
    func embeddedMigrationsMatchTheFolder() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { String($0.dropLast(4)) } == Migration.embedded.map(\.name))
        for (file, migration) in zip(files, Migration.embedded) {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let expected = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.allSatisfy(\.isWhitespace) ? "" : String($0) }.joined(separator: "\n")
            #expect(migration.sql == String(expected.dropLast(expected.hasSuffix("\n") ? 1 : 0)), "\(file) drifted: run make generate")
            #expect(Int(file.prefix(4)) == migration.version)
        }
    }
}

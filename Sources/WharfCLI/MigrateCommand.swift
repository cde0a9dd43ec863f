import ArgumentParser
import WharfHTTP
import WharfPostgres

/// `wharf migrate`: apply pending schema migrations.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the Wharf schema (safe to run concurrently and repeatedly).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let report = try await DatabaseSession.with(connection, requireCurrentSchema: false) { _, migrator in
                try await migrator.migrate()
            }
            let schema = try DatabaseSession.url(connection).schema
            if output.json {
                Output.json(MigratedShape(schema: schema, applied: report.applied, version: report.version))
            } else if report.applied.isEmpty {
                Output.line("schema \"\(schema)\" is up to date (version \(report.version))")
            } else {
                Output.line("applied migrations \(report.applied.map(String.init).joined(separator: ", ")) to schema \"\(schema)\" (now version \(report.version))")
            }
        }
    }
}

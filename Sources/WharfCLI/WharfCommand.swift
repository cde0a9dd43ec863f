public import ArgumentParser
import Wharf

/// `wharf`: the root command. Subcommands do the work.
public struct WharfCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wharf",
        abstract: "A PostgreSQL-backed job queue daemon.",
        discussion: """
            Connects to the database in --database-url or DATABASE_URL, using the schema in \
            --schema or WHARF_SCHEMA (default: wharf).

            Exit codes: 0 success, 1 the action was refused (unknown job, wrong state), \
            64 bad arguments, 65 bad input data (payload), 69 database unreachable, \
            77 authentication failed, 78 database schema not ready (run `wharf migrate`).
            """,
        version: WharfVersion.current,
        subcommands: [MigrateCommand.self, EnqueueCommand.self, JobsCommand.self, DLQCommand.self, StatsCommand.self, WorkerCommand.self, WorkersCommand.self, ServeCommand.self, QueuesCommand.self, SchedulesCommand.self]
    )

    public init() {}
}

/// The version string reported by `wharf --version` and written into `workers.version`.
public enum WharfVersion {
    public static let current = "0.1.0"
}

/// Where to find the database. Shared by every subcommand that talks to it.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL, postgres://user[:pass]@host[:port]/db[?sslmode=disable|prefer|require]. Default: $DATABASE_URL.")
    var databaseURL: String?

    @Option(help: "Schema that holds the Wharf tables. Default: $WHARF_SCHEMA, else wharf.")
    var schema: String?

    @Option(name: WorkerSettings.name(.logLevel), help: WorkerSettings.help(.logLevel))
    var logLevel: String?
}

/// `--json` for commands that print results.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (one document) instead of text, for scripts.")
    var json = false
}

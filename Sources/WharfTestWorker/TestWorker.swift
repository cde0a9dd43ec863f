import Foundation
import Logging
import PostgresNIO
import Wharf
import WharfCore
import WharfPostgres
import WharfRuntime

/// A worker with Swift handlers, used by the end-to-end tests as a real process (and a worked
/// example of embedding Wharf). Settings come from the environment: DATABASE_URL, WHARF_SCHEMA,
/// and every worker setting's variable (WHARF_QUEUES, WHARF_LEASE_TTL, …; the table in
/// docs/operations.md), read by the same resolver as `wharf worker`; WHARF_JOB_TIMEOUT and
/// WHARF_SHORT_TIMEOUT set the test kinds' timeouts.
///
/// Kinds:
/// - `sink` {"key": K, "ms": N?}: sleeps N ms, then records the run in `sink_runs` (every
///   execution, with its start and end) and the effect in `sink_effects` (unique on K, insert …
///   on conflict do nothing), as an idempotent handler would.
/// - `flaky` {"key": K, "failures": F}: fails until the job's attempt is above F, then sinks.
/// - `overrun` {"key": K}: overruns WHARF_SHORT_TIMEOUT on its first attempt, then sinks.
/// - `doomed` {}: always fails.
/// - `noop` {}: succeeds at once (throughput measurements).
/// - `crash` {}: traps (the crash-handling test).
@main
enum TestWorker {
    struct SinkPayload: Decodable, Sendable {
        var key: String
        var ms: Int?
        var failures: Int?
    }

    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let urlText = environment["DATABASE_URL"] else { fatalError("DATABASE_URL is required") }
        let database = try DatabaseURL(urlText, schema: environment["WHARF_SCHEMA"] ?? DatabaseURL.defaultSchema)
        let logger: Logger = {
            var logger = Logger(label: "wharf-test-worker")
            logger.logLevel = Logger.Level(rawValue: environment[WorkerSettings[.logLevel].environment ?? ""] ?? "notice") ?? .notice
            return logger
        }()

        func duration(_ key: String, _ fallback: Duration) throws -> Duration {
            try environment[key].map { text throws(ValidationError) in try DurationParsing.parse(text, field: key) } ?? fallback
        }
        let settings = ResolvedSettings(environment: environment)
        try settings.check()
        var configuration = settings.configuration()
        configuration.retry = RetryPolicies(default: try RetryPolicy(base: .milliseconds(50), cap: .milliseconds(200)))

        // The sink has its own small pool, like an application's own database access would.
        let sink = PostgresClient(configuration: database.clientConfiguration(poolSize: 4), backgroundLogger: logger)
        // PostgresNIO can lose a request on a connection that just closed (ClosedConnectionGuard).
        let sinkGuard = ClosedConnectionGuard()
        let workerID = configuration.workerID.rawValue
        @Sendable func record(_ payload: SinkPayload, _ context: JobContext, started: Date) async throws {
            // Guarded, and time-limited as an application's handler should bound its own database
            // calls: in chaos runs (cut connections, a server restart) a request now and then
            // never returned, and only the kind's 120 s timeout ended the attempt.
            try await withTimeLimit(.seconds(5), "sink write") {
                try await sinkGuard.withConnection(from: sink) { connection in
                    // Read each response to the end: an error after the statement started (the
                    // server going away before commit) only shows up there.
                    for try await _ in try await connection.query(
                        """
                        INSERT INTO sink_runs (job_id, key, worker, attempt, started_at, finished_at)
                        VALUES (\(context.job.id.rawValue), \(payload.key), \(workerID), \(context.job.attempt), \(started), clock_timestamp())
                        """, logger: logger) {}
                    for try await _ in try await connection.query(
                        "INSERT INTO sink_effects (key, job_id) VALUES (\(payload.key), \(context.job.id.rawValue)) ON CONFLICT (key) DO NOTHING",
                        logger: logger) {}
                }
            }
        }

        var handlers = HandlerRegistry()
        let timeout = try duration("WHARF_JOB_TIMEOUT", .seconds(120))
        handlers.register(try JobKind("sink"), as: SinkPayload.self, timeout: timeout) { payload, context in
            let started = Date()
            if let ms = payload.ms, ms > 0 { try await Task.sleep(for: .milliseconds(ms)) }
            try await record(payload, context, started: started)
            return .success
        }
        handlers.register(try JobKind("flaky"), as: SinkPayload.self, timeout: timeout) { payload, context in
            if context.job.attempt <= payload.failures ?? 0 { return .failure("planned failure \(context.job.attempt) of \(payload.failures ?? 0)") }
            try await record(payload, context, started: Date())
            return .success
        }
        handlers.register(try JobKind("noop"), timeout: timeout, handler: ClosureHandler { _ in .success })
        // Overruns its short timeout on the first attempt, succeeds on the next (chaos suite).
        let shortTimeout = try duration("WHARF_SHORT_TIMEOUT", .seconds(1))
        handlers.register(try JobKind("overrun"), as: SinkPayload.self, timeout: shortTimeout) { payload, context in
            let started = Date()
            if context.job.attempt == 1 { try await Task.sleep(for: shortTimeout * 5) }
            try await record(payload, context, started: started)
            return .success
        }
        handlers.register(try JobKind("doomed"), timeout: timeout, handler: ClosureHandler { context in
            .failure("doomed job, attempt \(context.job.attempt)")
        })
        // Traps on purpose: the crash-handling test checks that a crashing worker exits promptly
        // (no hanging backtrace) under the environment the systemd units set.
        handlers.register(try JobKind("crash"), timeout: timeout, handler: ClosureHandler { context in
            fatalError("deliberate crash in job \(context.job.id) (test kind \"crash\")")
        })

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await sink.run() }
            try await WharfWorker.run(database: database, configuration: configuration, handlers: handlers, version: "test", logger: logger)
            group.cancelAll()
        }
    }
}

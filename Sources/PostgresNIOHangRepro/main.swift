// A request through PostgresNIO 1.33.2 that is never answered after pg_terminate_backend.
//
// Loops of "BEGIN; SELECT; COMMIT" on leased connections (MODE=transaction, the default) or
// single `client.query` calls (MODE=query) run against a PostgreSQL server while a separate
// connection terminates their backends three times. A request written to a connection whose
// channel has just closed (COMMIT after the server's FATAL 57P01, or a query on a just-closed
// connection the pool handed out) never completes. The program reports each request still
// unanswered 5 s after the last kill with the statement it is waiting for, and exits 1 when any
// is; 0 when every request came back (succeeded or failed).
//
//   PGPORT=5432 .build/debug/PostgresNIOHangRepro      (user postgres, database postgres, no TLS)
//
// Wharf works around it in WharfPostgres/ClosedConnectionGuard.swift.
import Foundation
import Logging
import PostgresNIO
import Synchronization

let environment = ProcessInfo.processInfo.environment
// Outside input, parsed without trapping: a bad value falls back to the default.
let port = environment["PGPORT"].flatMap { Int($0) } ?? 5432
let loops = environment["LOOPS"].flatMap { Int($0) } ?? 16
let transactions = environment["MODE"] != "query"
let logger = Logger(label: "repro")

func say(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

func configuration() -> PostgresClient.Configuration {
    var config = PostgresClient.Configuration(
        host: "127.0.0.1", port: port, username: "postgres", password: nil, database: "postgres", tls: .disable)
    config.options.maximumConnections = 8
    config.options.additionalStartupParameters = [("application_name", "hang-repro")]
    return config
}

/// What each loop is waiting for, and since when.
final class InFlight: Sendable {
    private let waiting = Mutex<[Int: (what: String, since: ContinuousClock.Instant)]>([:])
    func start(_ loop: Int, _ what: String) { waiting.withLock { $0[loop] = (what, .now) } }
    func done(_ loop: Int) { waiting.withLock { $0[loop] = nil } }
    func older(than age: Duration) -> [String] {
        waiting.withLock { $0.filter { .now - $0.value.since > age }.sorted { $0.key < $1.key }.map { "loop \($0.key): \($0.value.what)" } }
    }
}

let client = PostgresClient(configuration: configuration(), backgroundLogger: logger)
let inFlight = InFlight()
let stop = Atomic<Bool>(false)

func step(_ loop: Int) async {
    do {
        if transactions {
            try await client.withConnection { connection in
                for statement in ["BEGIN", "SELECT pg_sleep(0.002)", "COMMIT"] {
                    inFlight.start(loop, "\(statement) on connection \(connection.id)")
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                }
            }
        } else {
            inFlight.start(loop, "client.query")
            _ = try await client.query("SELECT pg_sleep(0.002)", logger: logger).collect()
        }
    } catch {
        try? await Task.sleep(for: .milliseconds(20))  // a failed request: the connection was killed
    }
    inFlight.done(loop)
}

func terminateBackends() async throws -> Int {
    var config = PostgresConnection.Configuration(host: "127.0.0.1", port: port, username: "postgres", password: nil, database: "postgres", tls: .disable)
    config.options.additionalStartupParameters = [("application_name", "hang-repro-killer")]
    let connection = try await PostgresConnection.connect(configuration: config, id: 0, logger: logger)
    defer { Task { try? await connection.close() } }
    let rows = try await connection.query(
        "SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE application_name = 'hang-repro'", logger: logger)
    return try await rows.decode(Int.self).first(where: { _ in true }) ?? 0
}

/// Reports and exits; called from inside the task group, which would otherwise wait for the
/// unanswered requests forever.
func report(_ stuck: [String]) -> Never {
    if stuck.isEmpty {
        say("every request was answered")
        exit(0)
    }
    say("\(stuck.count) requests unanswered 5 s after the last kill:")
    stuck.forEach { say("  \($0)") }
    exit(1)
}

await withTaskGroup(of: Void.self) { group in
    group.addTask { await client.run() }
    for loop in 0..<loops {
        group.addTask { while !stop.load(ordering: .relaxed) { await step(loop) } }
    }
    for _ in 1...3 {
        try? await Task.sleep(for: .seconds(3))
        let killed = (try? await terminateBackends()) ?? -1
        say("terminated \(killed) backends")
    }
    try? await Task.sleep(for: .seconds(5))
    stop.store(true, ordering: .relaxed)
    report(inFlight.older(than: .seconds(5)))
}

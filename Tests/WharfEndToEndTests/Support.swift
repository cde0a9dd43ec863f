import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PostgresNIO
import WharfCore
import Testing
import WharfTesting

/// Sink tables the test worker's handlers write to (see Sources/WharfTestWorker).
func createSink(_ db: TestDatabase) async throws {
    try await db.query("CREATE TABLE sink_runs (job_id bigint NOT NULL, key text NOT NULL, worker text NOT NULL, attempt int NOT NULL, started_at timestamptz NOT NULL, finished_at timestamptz NOT NULL)")
    try await db.query("CREATE TABLE sink_effects (key text PRIMARY KEY, job_id bigint NOT NULL)")
}

/// Environment for a test worker process on `db`, with short intervals.
func workerEnvironment(_ db: TestDatabase, id: String, queues: String = "default=8", extra: [String: String] = [:]) -> [String: String] {
    [
        "DATABASE_URL": db.urlText, "WHARF_SCHEMA": db.schema, "WHARF_WORKER_ID": id, "WHARF_QUEUES": queues,
        "WHARF_LEASE_TTL": "2s", "WHARF_HEARTBEAT_INTERVAL": "500ms", "WHARF_POLL_INTERVAL": "200ms",
        "WHARF_REAPER_INTERVAL": "500ms", "WHARF_GRACE_PERIOD": "5s", "WHARF_STORE_CALL_TIMEOUT": "3s",
    ].merging(extra) { $1 }
}

func sinkJobs(_ count: Int, ms: Int = 0, prefix: String = "job") -> [EnqueueRequest] {
    (0..<count).map { i in
        // safe: constant valid kind; the payload is built from digits and a fixed prefix
        EnqueueRequest(kind: try! JobKind("sink"), payload: JobPayload(unchecked: "{\"key\": \"\(prefix)-\(i)\", \"ms\": \(ms)}"))
    }
}

func int(_ db: TestDatabase, _ query: PostgresQuery) async throws -> Int {
    Int(try await db.scalar(query, as: Int64.self))
}

/// Runs `body` with the processes, and always kills whatever is left afterwards.
func withProcesses<T>(_ processes: [WorkerProcess], _ body: () async throws -> T) async throws -> T {
    defer { processes.forEach { $0.terminate() } }
    return try await body()
}

/// GET `url` with a 5 s timeout: status and body.
func httpGet(_ url: String) async throws -> (Int, Data) {
    var request = URLRequest(url: try #require(URL(string: url)))
    request.timeoutInterval = 5
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
}

/// The value of one series in Prometheus text (first match, exact name and labels).
func metricSample(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

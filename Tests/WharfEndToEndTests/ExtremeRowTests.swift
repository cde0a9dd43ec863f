import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// Rows with extreme values written straight into `jobs`, around the SQL function and (after a
/// "bad migration" drops it) the run_at CHECK: a real `wharf worker`, its sampler, the HTTP API
/// and the CLI all keep working, and every row ends in a defined state. Before the fix, the
/// -infinity row crash-looped every worker that claimed it and blanked all of monitoring.
@Suite("Extreme rows (the real binary)", .serialized)
struct ExtremeRowTests {
    @Test("-infinity, year 1, 1700, infinity and attempt 2^31-1 rows: the worker survives, each row ends defined, monitoring answers")
    func extremeRows() async throws {
        try await withTestDatabase { db in
            try await db.query("ALTER TABLE jobs DROP CONSTRAINT jobs_run_at_range")
            let due: [String] = ["'-infinity'", "'0001-01-01T00:00:00Z'", "'1700-01-01T00:00:00Z'"]
            var dueIDs: [Int64] = []
            for runAt in due {
                dueIDs.append(try await db.scalar(PostgresQuery(unsafeSQL: "INSERT INTO jobs (kind, queue, run_at, created_at) VALUES ('ok', 'default', \(runAt), \(runAt)) RETURNING id")))
            }
            let failing: Int64 = try await db.scalar("INSERT INTO jobs (kind, queue, run_at, max_attempts) VALUES ('broken', 'default', '-infinity', 2) RETURNING id")
            let overLimit: Int64 = try await db.scalar("INSERT INTO jobs (kind, queue, attempt, max_attempts) VALUES ('broken', 'default', 2147483647, 1000) RETURNING id")
            let never: Int64 = try await db.scalar("INSERT INTO jobs (kind, queue, run_at) VALUES ('ok', 'default', 'infinity') RETURNING id")

            let config = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-extreme-\(UUID().uuidString.prefix(8)).json")
            try Data("""
                {"queues": {"default": 4}, "retry": {"base": "50ms", "cap": "100ms"},
                 "kinds": {"ok": {"exec": {"command": ["/bin/sh", "-c", "cat > /dev/null"]}},
                           "broken": {"exec": {"command": ["/bin/sh", "-c", "echo broken >&2; exit 1"]}}}}
                """.utf8).write(to: config)
            defer { try? FileManager.default.removeItem(at: config) }
            let port = try unusedLoopbackPort()
            let base = "http://127.0.0.1:\(port)"
            let environment = ["DATABASE_URL": db.urlText, "WHARF_SCHEMA": db.schema]
            let worker = try WorkerProcess(
                "wharf", arguments: ["worker", "--config", config.path, "--poll-interval", "200ms"],
                environment: environment.merging(["WHARF_HTTP_ADDRESS": "127.0.0.1:\(port)", "WHARF_API_TOKEN": "extreme-rows-token-0123456789"]) { $1 })
            try await withProcesses([worker]) {
                try await expectEventually("every due row reached an end state", timeout: .seconds(60)) {
                    let completed: Int64 = try await db.scalar(PostgresQuery(unsafeSQL: "SELECT count(*) FROM jobs WHERE state = 'completed' AND id IN (\(dueIDs.map(String.init).joined(separator: ",")))"))
                    let dead: Int64 = try await db.scalar(PostgresQuery(unsafeSQL: "SELECT count(*) FROM dead_jobs WHERE id IN (\(failing), \(overLimit))"))
                    return completed == 3 && dead == 2
                }
                #expect(worker.isRunning, "the worker must survive: \(worker.terminationDescription)\n\(worker.log.suffix(3000))")
                #expect(!worker.log.contains("Fatal error"))
                let overLimitJob = try #require(try await db.store.deadJob(JobID(overLimit)))
                #expect(overLimitJob.job.attempt == 1001)

                // Monitoring: the sampler (every 5 s), the API and /metrics answer, with every queue's gauges.
                try await expectEventually("the overview answers with the default queue", timeout: .seconds(30)) {
                    let (status, body) = try await httpGet("\(base)/api/v1/overview")
                    return status == 200 && String(decoding: body, as: UTF8.self).contains(#""queue":"default""#)
                }
                let (metricsStatus, metricsBody) = try await httpGet("\(base)/metrics")
                #expect(metricsStatus == 200)
                let metrics = String(decoding: metricsBody, as: UTF8.self)
                #expect(metricSample(metrics, #"wharf_queue_jobs{queue="default",state="scheduled"}"#) == 1, "the infinity row")
                #expect((metricSample(metrics, #"wharf_jobs_completed_total{queue="default",kind="ok"}"#) ?? 0) >= 3)
                let (jobStatus, _) = try await httpGet("\(base)/api/v1/jobs/\(dueIDs[0])")
                #expect(jobStatus == 200)

                // The CLI reads the same rows.
                for arguments in [["queues"], ["jobs", "list"], ["jobs", "show", "\(dueIDs[0])"], ["stats"]] {
                    let cli = try WorkerProcess("wharf", arguments: arguments, environment: environment)
                    let status = await cli.waitForExit(timeout: .seconds(30))
                    #expect(status == 0, "wharf \(arguments.joined(separator: " ")): \(cli.log.suffix(1000))")
                }
                // The row that is never due ends when someone ends it.
                let cancel = try WorkerProcess("wharf", arguments: ["jobs", "cancel", "\(never)"], environment: environment)
                #expect(await cancel.waitForExit(timeout: .seconds(30)) == 0, "\(cancel.log.suffix(1000))")
                #expect(try await db.store.job(JobID(never))?.state == .cancelled)

                worker.signal(SIGTERM)
                #expect(await worker.waitForExit(timeout: .seconds(30)) == 0, "\(worker.terminationDescription)")
            }
        }
    }
}

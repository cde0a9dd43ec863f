import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// The HTTP side of the real `wharf worker` binary: /metrics through promtool, the dashboard
/// through headless Chromium, /readyz during shutdown. Needs promtool (Debian `prometheus`)
/// and chromium, which `make test` installs when missing.
@Suite("Observability (the real binary, promtool, chromium)", .serialized)
struct ObservabilityTests {
    static let config = """
        {
          "queues": {"default": 3, "slow": 2},
          "retry": {"base": "50ms", "cap": "100ms"},
          "kinds": {
            "ok": {"exec": {"command": ["/bin/sh", "-c", "cat > /dev/null"]}},
            "broken": {"exec": {"command": ["/bin/sh", "-c", "echo 'no customer 17' >&2; exit 65"]}},
            "slow": {"exec": {"command": ["/bin/sleep", "60"]}, "timeout": "120s"}
          }
        }
        """

    /// Jobs in every state: completed, dead, running, available (due, in a queue nobody serves
    /// and in a paused queue), scheduled and cancelled.
    static func seed(_ db: TestDatabase) async throws {
        func request(_ kind: String, queue: String = "default", delay: Duration? = nil) throws -> EnqueueRequest {
            EnqueueRequest(
                kind: try JobKind(kind),
                options: try EnqueueOptions(queue: try QueueName(queue), schedule: delay.map { .after($0) } ?? .now, maxAttempts: 3))
        }
        var requests = try (0..<5).map { _ in try request("ok") }
        requests += try (0..<2).map { _ in try request("broken") }
        requests += try (0..<3).map { _ in try request("slow", queue: "slow") }
        requests += try (0..<3).map { _ in try request("ok", queue: "backlog") }
        requests.append(try request("ok", delay: .seconds(3600)))
        requests.append(try request("ok", queue: "held"))
        _ = try await db.store.enqueue(requests)
        let cancelled = try await db.store.enqueue([try request("ok", queue: "backlog")])[0].id
        _ = try await db.store.cancel(cancelled)
        try await db.store.setPaused(try QueueName("held"), paused: true)
        // A yearly schedule with a tick due (its anchor a year back), onto the queue nobody serves.
        _ = try await db.query("SELECT schedule('yearly-report', '0 0 1 1 *', 'ok', queue => 'backlog')")
        _ = try await db.query("UPDATE schedules SET anchor = now() - interval '1 year 1 day' WHERE name = 'yearly-report'")
    }

    @Test("/metrics passes promtool and has the expected series; the dashboard's numbers match the database; /readyz turns 503 on SIGTERM")
    func metricsDashboardAndReadiness() async throws {
        let promtool = try #require(await ExternalTool.which("promtool"), "promtool is not installed: `make test` installs it (Debian package prometheus)")
        let chromium = try #require(await ExternalTool.which("chromium"), "chromium is not installed: `make test` installs it (Debian package chromium)")
        try await withTestDatabase { db in
            let configFile = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-obs-\(UUID().uuidString.prefix(8)).json")
            try Data(Self.config.utf8).write(to: configFile)
            defer { try? FileManager.default.removeItem(at: configFile) }
            try await Self.seed(db)
            let port = try unusedLoopbackPort()
            let base = "http://127.0.0.1:\(port)"
            let worker = try WorkerProcess(
                "wharf", arguments: ["worker", "--config", configFile.path, "--poll-interval", "200ms", "--grace-period", "8s", "--heartbeat-interval", "1s"],
                environment: [
                    "DATABASE_URL": db.urlText, "WHARF_SCHEMA": db.schema, "WHARF_HTTP_ADDRESS": "127.0.0.1:\(port)",
                    "WHARF_API_TOKEN": "observability-test-token-0123",
                ])
            try await withProcesses([worker]) {
                try await expectEventually("jobs settled: 5 completed, 2 dead, 2 running, the schedule fired", timeout: .seconds(30)) {
                    let completed = try await count(db, "SELECT count(*) FROM jobs WHERE state = 'completed'")
                    let dead = try await count(db, "SELECT count(*) FROM dead_jobs")
                    let running = try await count(db, "SELECT count(*) FROM jobs WHERE state = 'running'")
                    let fired = try await count(db, "SELECT count(*) FROM schedules WHERE last_job_id IS NOT NULL")
                    return completed == 5 && dead == 2 && running == 2 && fired == 1
                }
                // The sampler reads every 5 s: wait until it has seen the settled state.
                try await expectEventually("the sampler caught up", timeout: .seconds(20)) {
                    let (status, body) = try await httpGet("\(base)/api/v1/queues")
                    let queues = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["queues"] as? [[String: Any]] ?? []
                    let backlog = queues.first { $0["queue"] as? String == "backlog" }
                    return status == 200 && String(decoding: body, as: UTF8.self).contains(#""dead":2"#) && backlog?["available"] as? Int == 4
                }

                // /metrics: valid for promtool, with the series that matter.
                let (status, metricsBody) = try await httpGet("\(base)/metrics")
                #expect(status == 200)
                let metrics = String(decoding: metricsBody, as: UTF8.self)
                let metricsFile = try artifact("metrics.txt", metricsBody)
                let check = await ExternalTool.run([promtool, "check", "metrics"], stdinFile: metricsFile)
                #expect(check.status == 0, "promtool check metrics: \(check.output) \(check.errors)")
                let expected: [(String, Double)] = [
                    (#"wharf_jobs_completed_total{queue="default",kind="ok"}"#, 5),
                    (#"wharf_jobs_started_total{queue="default",kind="broken"}"#, 2),
                    (#"wharf_jobs_failed_total{queue="default",kind="broken",reason="permanent"}"#, 2),
                    (#"wharf_jobs_dead_lettered_total{queue="default",kind="broken"}"#, 2),
                    (#"wharf_job_run_duration_seconds_count{queue="default",kind="ok"}"#, 5),
                    (#"wharf_job_wait_duration_seconds_count{queue="default",kind="ok"}"#, 5),
                    // Three enqueued, one from the schedule's tick.
                    (#"wharf_queue_jobs{queue="backlog",state="available"}"#, 4),
                    ("wharf_schedule_ticks_fired_total", 1),
                    (#"wharf_queue_jobs{queue="default",state="scheduled"}"#, 1),
                    (#"wharf_queue_jobs{queue="slow",state="running"}"#, 2),
                    (#"wharf_queue_jobs{queue="slow",state="available"}"#, 1),
                    (#"wharf_queue_paused{queue="held"}"#, 1),
                    (#"wharf_dead_jobs{queue="default"}"#, 2),
                    (#"wharf_worker_concurrency{queue="slow"}"#, 2),
                    (#"wharf_worker_running_jobs{queue="slow"}"#, 2),
                    ("wharf_workers", 1),
                    (#"wharf_build_info{version="0.1.0"}"#, 1),
                ]
                for (series, value) in expected {
                    #expect(metricSample(metrics, series) == value, "\(series) in:\n\(metrics.split(separator: "\n").filter { !$0.hasPrefix("#") }.prefix(200).joined(separator: "\n"))")
                }
                #expect((metricSample(metrics, #"wharf_queue_oldest_available_age_seconds{queue="backlog"}"#) ?? 0) > 0)
                #expect(metricSample(metrics, #"wharf_queue_oldest_available_age_seconds{queue="default"}"#) == 0, "nothing is due in default")
                #expect(!metrics.contains("job_id"), "no per-job labels")

                // The dashboard in a real browser: its numbers are the database's.
                let scheduleJob = try await count(db, "SELECT last_job_id FROM schedules")
                let dom = await ExternalTool.run([
                    chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", "--dump-dom", "\(base)/",
                ])
                #expect(dom.status == 0, "chromium: \(dom.errors.suffix(2000))")
                _ = try artifact("dashboard.html", Data(dom.output.utf8))
                for queue in ["default", "slow", "backlog", "held"] {
                    let expectedCounts = [
                        "available": try await count(db, "SELECT count(*) FROM jobs WHERE queue = '\(queue)' AND state = 'available' AND run_at <= now()"),
                        "scheduled": try await count(db, "SELECT count(*) FROM jobs WHERE queue = '\(queue)' AND state = 'available' AND run_at > now()"),
                        "running": try await count(db, "SELECT count(*) FROM jobs WHERE queue = '\(queue)' AND state = 'running'"),
                        "dead": try await count(db, "SELECT count(*) FROM dead_jobs WHERE queue = '\(queue)'"),
                    ]
                    for (field, value) in expectedCounts {
                        #expect(cell(dom.output, queue: queue, field: field) == value, "dashboard \(queue).\(field)")
                    }
                }
                #expect(element(dom.output, id: "total-dead") == "2")
                #expect(element(dom.output, id: "total-running") == "2")
                #expect(dom.output.contains(#"data-queue="held""#) && dom.output.contains("paused"))
                #expect(dom.output.contains("no customer 17"), "recent failures show the error")
                #expect(dom.output.contains("data-worker="), "the worker is listed")
                let scheduleRow = dom.output.range(of: #"data-schedule="yearly-report""#).map { String(dom.output[$0.upperBound...].prefix(2000)) } ?? ""
                #expect(scheduleRow.contains(#"href="/jobs/\#(scheduleJob)""#) && scheduleRow.contains(">available<"), "the schedule panel: \(scheduleRow)")
                let screenshot = try artifactPath("dashboard.png")
                let shot = await ExternalTool.run([
                    chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=10000",
                    "--window-size=1400,1100", "--screenshot=\(screenshot)", "\(base)/",
                ])
                #expect(shot.status == 0)
                let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
                #expect(size > 20_000, "screenshot saved at \(screenshot)")

                // The job page renders one job's timeline.
                let deadID = try await count(db, "SELECT min(id) FROM dead_jobs")
                let jobPage = await ExternalTool.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom", "\(base)/jobs/\(deadID)"])
                #expect(element(jobPage.output, id: "job-state") == "dead")
                #expect(jobPage.output.contains("dead lettered") && jobPage.output.contains("claimed"))

                // Graceful shutdown: not ready any more while running jobs get their grace period.
                worker.signal(SIGTERM)
                try await expectEventually("/readyz answers 503 while draining", timeout: .seconds(8)) {
                    (try? await httpGet("\(base)/readyz"))?.0 == 503
                }
                #expect(await worker.waitForExit(timeout: .seconds(30)) == 0, "\(worker.terminationDescription)")
            }
        }
    }

    // MARK: helpers

    func count(_ db: TestDatabase, _ sql: String) async throws -> Int {
        try await int(db, PostgresQuery(unsafeSQL: sql))
    }

    /// The number in a queue row's cell of the dashboard DOM.
    func cell(_ dom: String, queue: String, field: String) -> Int? {
        guard let row = dom.range(of: #"data-queue="\#(queue)""#) else { return nil }
        let rest = dom[row.upperBound...]
        guard let end = rest.range(of: "</tr>"), let start = rest[..<end.lowerBound].range(of: #"data-field="\#(field)">"#) else { return nil }
        let value = rest[start.upperBound...].prefix { $0 != "<" }
        return Int(value.replacingOccurrences(of: ",", with: ""))
    }

    func element(_ dom: String, id: String) -> String? {
        guard let start = dom.range(of: #"id="\#(id)">"#) else { return nil }
        return String(dom[start.upperBound...].prefix { $0 != "<" })
    }

    /// Test artifacts (screenshot, scraped metrics, DOM) go to .build/test-artifacts.
    func artifactPath(_ name: String) throws -> String {
        let directory = WorkerProcess.packageRoot.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    func artifact(_ name: String, _ data: Data) throws -> String {
        let path = try artifactPath(name)
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// The short chaos run (`make chaos` runs the full one): real workers under kill -9,
/// SIGSTOP/SIGCONT, SIGTERM, cut connections, a PostgreSQL restart and a held xmin.
@Suite("Chaos (short run)", .serialized)
struct ChaosShortRunTests {
    @Test("wharf-chaos --short: nothing lost, nothing left running, no effect applied twice, every history consistent")
    func shortChaosRun() async throws {
        let chaos = try WorkerProcess("WharfChaos", arguments: ["--short", "--seed", "20261123"], environment: [:])
        defer { chaos.terminate() }
        let status = await chaos.waitForExit(timeout: .seconds(300))
        // The timeline and report go to the test output either way: CI logs keep the figures.
        print(chaos.log)
        #expect(status == 0, "wharf-chaos \(chaos.terminationDescription):\n\(chaos.log)")
        #expect(chaos.log.contains("PASS: every invariant held"), "\(chaos.log)")
    }
}

import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

@Suite("Worker processes (real processes, real signals, real PostgreSQL)", .serialized)
struct WorkerProcessTests {
    @Test("three worker processes drain thousands of jobs: each completed exactly once, never run by two workers at a time")
    func processesDrainJobsExactlyOnce() async throws {
        try await withTestDatabase { db in
            try await createSink(db)
            let total = 3000
            for chunk in stride(from: 0, to: total, by: 1000) {
                _ = try await db.store.enqueue(Array(sinkJobs(total, ms: 1)[chunk..<chunk + 1000]))
            }
            let workers = try (0..<3).map { i in
                // A lease long enough for a loaded CI box: with the default 2 s, a CI run shared
                // with a benchmark lost leases and ran jobs twice. Nothing here waits for one to expire.
                try WorkerProcess("WharfTestWorker", environment: workerEnvironment(db, id: "w\(i)", queues: "default=\(4 + 2 * i)", extra: [
                    "WHARF_LEASE_TTL": "15s", "WHARF_HEARTBEAT_INTERVAL": "2s",
                ]))
            }
            try await withProcesses(workers) {
                try await expectEventually("all jobs completed", timeout: .seconds(120)) {
                    try await int(db, "SELECT count(*) FROM jobs WHERE state = 'completed'") == total
                }
                for worker in workers { worker.signal(SIGTERM) }
                for worker in workers {
                    let status = await worker.waitForExit()
                    #expect(status == 0, "worker exited with \(worker.terminationDescription):\n\(worker.log.suffix(2000))")
                }
            }
            #expect(try await int(db, "SELECT count(*) FROM jobs WHERE state <> 'completed' OR attempt <> 1") == 0)
            #expect(try await int(db, "SELECT count(*) FROM sink_effects") == total)
            #expect(try await int(db, "SELECT count(*) FROM sink_runs") == total, "no job ran twice")
            let overlapping = try await int(db, """
                SELECT count(*) FROM sink_runs a JOIN sink_runs b
                  ON a.job_id = b.job_id AND a.ctid <> b.ctid
                 AND tstzrange(a.started_at, a.finished_at) && tstzrange(b.started_at, b.finished_at)
                """)
            #expect(overlapping == 0)
            #expect(try await int(db, "SELECT count(DISTINCT worker) FROM sink_runs") >= 2, "the work was shared")
            #expect(try await int(db, "SELECT count(*) FROM workers") == 0, "every worker deregistered")
        }
    }

    @Test("kill -9 mid-job: another worker runs the job after the lease expires, the attempt records the expiry, nothing stays running")
    func killNineRecovers() async throws {
        try await withTestDatabase { db in
            try await createSink(db)
            let id = try await db.store.enqueue(sinkJobs(1, ms: 1500, prefix: "crash"))[0].id
            let victim = try WorkerProcess("WharfTestWorker", environment: workerEnvironment(db, id: "victim"))
            var survivor: WorkerProcess?
            defer { survivor?.terminate() }
            try await withProcesses([victim]) {
                try await expectEventually("the victim claimed the job") {
                    try await db.store.job(id)?.lease?.owner == WorkerID("victim")
                }
                victim.signal(SIGKILL)
                _ = await victim.waitForExit()
                let killedAt: Date = try await db.scalar("SELECT now()")
                survivor = try WorkerProcess("WharfTestWorker", environment: workerEnvironment(db, id: "survivor"))
                try await expectEventually("the survivor completed the job", timeout: .seconds(30)) {
                    try await db.store.job(id)?.state == .completed
                }
                let job = try #require(try await db.store.job(id))
                let reclaimedAt = try #require(job.history.last { $0.event == "claimed" && $0.worker == "survivor" }?.at)
                print("kill -9 → job running elsewhere: \(String(format: "%.2f", reclaimedAt.timeIntervalSince(killedAt))) s (lease TTL 2 s, reaper every 0.5 s)")
                #expect(job.attempt == 2)
                #expect(job.errors.count == 1)
                #expect(job.errors.first?.error.contains("lease expired") == true)
                #expect(job.errors.first?.error.contains("worker victim") == true)
                #expect(job.history.map(\.event) == ["enqueued", "claimed", "lease_expired", "claimed", "succeeded"])
            }
            #expect(try await int(db, "SELECT count(*) FROM jobs WHERE state = 'running'") == 0)
            #expect(try await int(db, "SELECT count(*) FROM sink_effects") == 1)
        }
    }

    @Test("SIGTERM: jobs finishing within the grace period complete, longer ones go back with their attempt unchanged, exit 0")
    func sigtermDrainsGracefully() async throws {
        try await withTestDatabase { db in
            try await createSink(db)
            let short = try await db.store.enqueue(sinkJobs(1, ms: 300, prefix: "short"))[0].id
            let long = try await db.store.enqueue(sinkJobs(1, ms: 60_000, prefix: "long"))[0].id
            let worker = try WorkerProcess("WharfTestWorker", environment: workerEnvironment(db, id: "drainer", extra: ["WHARF_GRACE_PERIOD": "1500ms"]))
            try await withProcesses([worker]) {
                try await expectEventually("both jobs running") {
                    try await int(db, "SELECT count(*) FROM jobs WHERE state = 'running'") == 2
                }
                worker.signal(SIGTERM)
                let status = await worker.waitForExit(timeout: .seconds(20))
                #expect(status == 0, "exited with \(worker.terminationDescription):\n\(worker.log.suffix(2000))")
            }
            #expect(try await db.store.job(short)?.state == .completed)
            let handedBack = try #require(try await db.store.job(long))
            #expect(handedBack.state == .available)
            #expect(handedBack.attempt == 0)
            #expect(handedBack.errors.isEmpty)
        }
    }

    @Test("a second SIGTERM exits at once; the reaper later recovers the abandoned job")
    func secondSignalExitsAtOnce() async throws {
        try await withTestDatabase { db in
            try await createSink(db)
            let id = try await db.store.enqueue(sinkJobs(1, ms: 60_000, prefix: "abandoned"))[0].id
            let worker = try WorkerProcess("WharfTestWorker", environment: workerEnvironment(db, id: "impatient", extra: ["WHARF_GRACE_PERIOD": "60s"]))
            try await withProcesses([worker]) {
                try await expectEventually("job running") { try await db.store.job(id)?.state == .running }
                worker.signal(SIGTERM)
                try await Task.sleep(for: .milliseconds(300))
                worker.signal(SIGTERM)
                let status = await worker.waitForExit(timeout: .seconds(10))
                #expect(status == 143, "exited with \(worker.terminationDescription)")
            }
            #expect(try await db.store.job(id)?.state == .running, "left for the reaper: its lease will expire")
            try await expectEventually("reclaimed after the 2 s lease", timeout: .seconds(30)) {
                try await db.store.reclaimExpired(limit: 10).requeued == [id]
            }
        }
    }

    @Test("PostgreSQL stopped and restarted under a running worker: the worker survives and every job finishes")
    func survivesPostgresRestart() async throws {
        try await withThrowawayCluster { try await restartScenario($0) }
    }

    private func restartScenario(_ cluster: ThrowawayCluster) async throws {
        try await withTestDatabase(url: cluster.url) { db in
            try await createSink(db)
            let total = 300
            _ = try await db.store.enqueue(sinkJobs(total, ms: 20))
            let worker = try WorkerProcess("WharfTestWorker", environment: workerEnvironment(db, id: "steadfast", queues: "default=4", extra: [
                // A sink write caught by the restart can hang inside the driver; the kind's
                // timeout turns that into a failed attempt that is retried.
                "WHARF_LOG_LEVEL": "info", "WHARF_JOB_TIMEOUT": "5s",
            ]))
            try await withProcesses([worker]) {
                try await expectEventually("work under way") { try await int(db, "SELECT count(*) FROM sink_effects") >= 20 }
                try await cluster.stop()
                try await Task.sleep(for: .seconds(2))
                #expect(worker.isRunning, "the worker survived the outage:\n\(worker.log.suffix(2000))")
                try await cluster.restart()
                try await expectEventually("every job finished after the restart", timeout: .seconds(90)) {
                    (try? await int(db, "SELECT count(*) FROM jobs WHERE state = 'completed'")) == total
                }
                #expect(worker.isRunning)
                worker.signal(SIGTERM)
                #expect(await worker.waitForExit() == 0)
                try? Data(worker.log.utf8).write(to: URL(fileURLWithPath: "/tmp/last-restart-worker.log"))
            }
            #expect(try await int(db, "SELECT count(*) FROM sink_effects") == total)
            let extra = try await int(db, "SELECT count(*) FROM sink_runs") - total
            print("executions beyond one per job across the restart: \(extra)")
        }
    }
}

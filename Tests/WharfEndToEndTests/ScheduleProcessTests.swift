import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// Cron schedules fired by real worker processes: several of them at once, the leader killed,
/// every worker down for a while. Each test reads the jobs' ticks back from their unique keys
/// (`cron:<name>:<tick>`) and compares them with the exact set of seconds expected.
@Suite("Cron schedules across processes (real processes, real PostgreSQL)", .serialized)
struct ScheduleProcessTests {
    /// Leases long enough that a loaded box does not lose them; the leader's lease is the same.
    static func environment(_ db: TestDatabase, id: String) -> [String: String] {
        workerEnvironment(db, id: id, queues: "default=4", extra: [
            "WHARF_LEASE_TTL": "6s", "WHARF_HEARTBEAT_INTERVAL": "2s", "WHARF_REAPER_INTERVAL": "1s", "WHARF_STORE_CALL_TIMEOUT": "3s",
        ])
    }

    /// The ticks of `name`'s jobs, in tick order (whole seconds since the epoch), doubles kept.
    static func ticks(_ db: TestDatabase, _ name: String) async throws -> [Int64] {
        try await db.query("""
            SELECT extract(epoch FROM substr(unique_key, length(\("cron:\(name):")::text) + 1)::timestamptz)::bigint
            FROM jobs WHERE unique_key LIKE \("cron:\(name):%") ORDER BY 1
            """).map { try $0.decode(Int64.self) }
    }

    /// The schedule's anchor and last tick, whole seconds since the epoch.
    static func bounds(_ db: TestDatabase, _ name: String) async throws -> (anchor: Int64, last: Int64) {
        let row = try #require(try await db.query("""
            SELECT floor(extract(epoch FROM anchor))::bigint, extract(epoch FROM last_tick)::bigint FROM schedules WHERE name = \(name)
            """).first)
        let (anchor, last) = try row.decode((Int64, Int64?).self)
        return (anchor, last ?? anchor)
    }

    static func stopAll(_ workers: [WorkerProcess]) async {
        for worker in workers where worker.isRunning { worker.signal(SIGTERM) }
        for worker in workers { #expect(await worker.waitForExit() != nil, "a worker did not stop:\n\(worker.log.suffix(2000))") }
    }

    @Test("four processes, a schedule every second, the leader kill -9ed twice (policy all): exactly one job per tick, none missing")
    func fourProcessesOneJobPerTick() async throws {
        try await withTestDatabase { db in
            _ = try await db.query("SELECT schedule('every-second', '* * * * * *', 'noop', missed => 'all')")
            var workers = try (1...4).map { try WorkerProcess("WharfTestWorker", environment: Self.environment(db, id: "w\($0)")) }
            defer { workers.forEach { $0.terminate() } }
            try await withProcesses(workers) {
                try await expectEventually("ticks fire", timeout: .seconds(60)) { try await Self.ticks(db, "every-second").count >= 8 }
                for round in 1...2 {
                    let holder = try await db.scalar("SELECT holder FROM leaders WHERE name = 'maintenance'", as: String.self)
                    let index = try #require(workers.firstIndex { $0.process.environment?["WHARF_WORKER_ID"] == holder }, "leader \(holder) is not one of ours")
                    workers[index].signal(SIGKILL)
                    _ = await workers[index].waitForExit()
                    let killedAt = try await db.scalar("SELECT extract(epoch FROM now())::bigint", as: Int64.self)
                    // The replacement joins, as a restarted unit would; the others take over the lead.
                    workers.append(try WorkerProcess("WharfTestWorker", environment: Self.environment(db, id: "r\(round)")))
                    try await expectEventually("round \(round): ticks fire again after the kill", timeout: .seconds(90)) {
                        try await Self.bounds(db, "every-second").last >= killedAt + 8
                    }
                }
                try await expectEventually("30 ticks", timeout: .seconds(120)) { try await Self.ticks(db, "every-second").count >= 30 }
                await Self.stopAll(workers)
            }
            let ticks = try await Self.ticks(db, "every-second")
            let (anchor, last) = try await Self.bounds(db, "every-second")
            #expect(ticks == Array((anchor + 1)...last), "every second after the anchor up to the last tick, each once (\(ticks.count) jobs)")
        }
    }

    @Test("every worker down for 10 s: all fires each missed tick, latest and skip fire the newest once (it is under 60 s late)")
    func allWorkersDown() async throws {
        try await withTestDatabase { db in
            for policy in ["all", "latest", "skip"] {
                _ = try await db.query(PostgresQuery(unsafeSQL: "SELECT schedule('down-\(policy)', '* * * * * *', 'noop', missed => '\(policy)')"))
            }
            let names = ["down-all", "down-latest", "down-skip"]
            let first = try WorkerProcess("WharfTestWorker", environment: Self.environment(db, id: "before"))
            var stopped: [String: Int64] = [:]
            try await withProcesses([first]) {
                try await expectEventually("ticks fire", timeout: .seconds(60)) {
                    for name in names where try await Self.ticks(db, name).count < 3 { return false }
                    return true
                }
                await Self.stopAll([first])
                for name in names { stopped[name] = try await Self.bounds(db, name).last }
            }
            // The downtime itself: a wait, not a bound on how fast anything happens.
            try await Task.sleep(for: .seconds(10))
            let second = try WorkerProcess("WharfTestWorker", environment: Self.environment(db, id: "after"))
            let restartedAt = try await db.scalar("SELECT extract(epoch FROM now())::bigint", as: Int64.self)
            try await withProcesses([second]) {
                try await expectEventually("ticks fire again", timeout: .seconds(90)) {
                    for name in names where try await Self.bounds(db, name).last < restartedAt + 3 { return false }
                    return true
                }
                await Self.stopAll([second])
            }
            for name in names {
                let ticks = try await Self.ticks(db, name)
                let (anchor, last) = try await Self.bounds(db, name)
                let stop = try #require(stopped[name])
                #expect(Set(ticks).count == ticks.count, "\(name): a tick fired twice")
                if name == "down-all" {
                    #expect(ticks == Array((anchor + 1)...last), "\(name): every second, the downtime's included")
                } else {
                    // One job for the downtime, at its newest tick, and none for the ticks before it.
                    // Outside the downtime these policies may also leave out a tick when a loaded
                    // box makes the leader more than a second late (that is what they do), so only
                    // the downtime is exact here; TickPlannerTests pin the rest on a logical clock.
                    let resumed = try #require(ticks.first { $0 > stop }, "\(name): nothing fired after the restart")
                    #expect(resumed >= stop + 10, "\(name): the first tick after the restart is the newest missed one")
                    #expect(ticks.filter { $0 > stop && $0 < resumed }.isEmpty && ticks.last == last && ticks.contains(stop), "\(name): \(ticks)")
                }
            }
        }
    }
}

import Foundation
import Logging
import PostgresNIO
import Synchronization
import WharfCore
import WharfPostgres
import WharfTesting

/// One chaos run: setup, producer, disruptions, drain, verification.
final class ChaosRun: Sendable {
    let plans: [JobPlan]
    let short: Bool
    let workers: Int
    let leaseTTLMillis: Int
    let timeLimit: Duration
    let cluster: ThrowawayCluster
    let database: DatabaseURL
    let client: PostgresClient
    let store: PostgresJobStore
    let logger: Logger
    let fleet: Fleet
    private let state: Mutex<State>

    struct State {
        var rng: SeededGenerator
        var disruptions: [Disruption] = []
        var enqueued = 0
        var producerDone = false
        var restartedPostgres = false
        var heldXmin = false
    }

    init(
        plans: [JobPlan], rng: SeededGenerator, short: Bool, workers: Int, leaseTTLMillis: Int, timeLimit: Duration,
        cluster: ThrowawayCluster, database: DatabaseURL, client: PostgresClient, logger: Logger
    ) {
        self.plans = plans; self.short = short; self.workers = workers; self.leaseTTLMillis = leaseTTLMillis
        self.timeLimit = timeLimit; self.cluster = cluster; self.database = database; self.client = client; self.logger = logger
        self.store = PostgresJobStore(client: client, database: database, logger: logger)
        self.state = Mutex(State(rng: rng))
        let url = cluster.url, ttl = leaseTTLMillis
        self.fleet = Fleet { id, concurrency in
            [
                "DATABASE_URL": url, "WHARF_SCHEMA": "wharf", "WHARF_WORKER_ID": id, "WHARF_QUEUES": "default=\(concurrency)",
                "WHARF_LEASE_TTL": "\(ttl)ms", "WHARF_HEARTBEAT_INTERVAL": "\(ttl / 3)ms", "WHARF_POLL_INTERVAL": "200ms",
                "WHARF_REAPER_INTERVAL": "500ms", "WHARF_GRACE_PERIOD": "2s", "WHARF_STORE_CALL_TIMEOUT": "\(max(500, ttl / 3))ms",
                "WHARF_SHORT_TIMEOUT": "1s", "WHARF_LOG_LEVEL": "notice",
            ]
        }
    }

    func random(_ range: ClosedRange<Double>) -> Double { state.withLock { Double.random(in: range, using: &$0.rng) } }
    func random(_ range: Range<Int>) -> Int { state.withLock { Int.random(in: range, using: &$0.rng) } }
    func record(_ disruption: Disruption) {
        state.withLock { $0.disruptions.append(disruption) }
        say(String(format: "  %6.1fs  %@", disruption.at - startedAt, "\(disruption.kind.rawValue) \(disruption.worker ?? "") \(disruption.detail)"))
    }

    let startedAt = Date().timeIntervalSince1970
    var now: Double { Date().timeIntervalSince1970 }

    func execute() async throws -> Bool {
        _ = try await retrying("migrate") { try await Migrator(client: self.client, database: self.database, logger: self.logger).migrate() }
        try await exec("CREATE TABLE sink_runs (job_id bigint NOT NULL, key text NOT NULL, worker text NOT NULL, attempt int NOT NULL, started_at timestamptz NOT NULL, finished_at timestamptz NOT NULL)")
        try await exec("CREATE TABLE sink_effects (key text PRIMARY KEY, job_id bigint NOT NULL)")
        let concurrencies = (0..<workers).map { [4, 8, 16, 32][$0 % 4] }
        try await fleet.start(concurrencies: concurrencies)
        defer { Task { [fleet] in await fleet.cleanUp() } }
        say("  workers: \(concurrencies.map(String.init).joined(separator: ", ")) slots")

        let deadline = ContinuousClock.now + timeLimit
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await self.produce(); return true }
            group.addTask { await self.disrupt(); return true }
            group.addTask { try await self.waitUntilDrained(deadline: deadline) }
            var drained = true
            for try await result in group { drained = drained && result }
            return drained
        }
        let stopProblems = await fleet.stopAll()
        let report = try await Verification(run: self).check(drained: finished, stopProblems: stopProblems)
        say(report.text)
        return report.passed
    }

    // MARK: Producer

    /// Enqueues every planned job in batches, paced so the disruptions happen while work flows.
    /// Each job's key is its unique key, so a batch retried after a lost connection does not
    /// insert twice.
    func produce() async throws {
        let batch = short ? 100 : 500
        let pause: Duration = short ? .milliseconds(400) : .milliseconds(1000)
        for start in stride(from: 0, to: plans.count, by: batch) {
            let requests = try (start..<min(start + batch, plans.count)).map { index in
                let plan = plans[index]
                let key = "job-\(index)"
                return EnqueueRequest(
                    kind: try JobKind(plan.kind), payload: JobPayload(unchecked: plan.payload(key: key)),
                    options: try EnqueueOptions(maxAttempts: plan.maxAttempts, uniqueKey: try UniqueKey(key)))
            }
            _ = try await retrying("enqueue") { try await self.store.enqueue(requests) }
            state.withLock { $0.enqueued = start + requests.count }
            try await Task.sleep(for: pause)
        }
        state.withLock { $0.producerDone = true }
        say(String(format: "  %6.1fs  all %d jobs enqueued", now - startedAt, plans.count))
    }

    func waitUntilDrained(deadline: ContinuousClock.Instant) async throws -> Bool {
        var nextReport = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            guard state.withLock({ $0.producerDone }) else { continue }
            let active = try await retrying("count active") {
                try await self.scalar("SELECT count(*) FROM jobs WHERE state IN ('available', 'running')")
            }
            if active == 0 {
                say(String(format: "  %6.1fs  every job finished", now - startedAt))
                return true
            }
            if ContinuousClock.now >= nextReport {
                // A drain that takes long says what it is waiting for.
                nextReport = ContinuousClock.now + .seconds(10)
                let lines = try await retrying("describe active") { try await self.describeActive() }
                say(String(format: "  %6.1fs  still active: %d; the first by id:", now - startedAt, active))
                lines.forEach { say("             \($0)") }
            }
        }
        say("  time limit reached with jobs still active")
        return false
    }

    var drained: Bool { state.withLock { $0.producerDone } }

    // MARK: Disruptions

    /// Short mode: one of each disruption, in order. Full mode: a random one every 1-4 s while
    /// jobs flow, with the PostgreSQL restart and the held xmin once each.
    func disrupt() async {
        let fixed: [Disruption.Kind] = [.kill9, .freeze, .terminateBackends, .holdXmin, .drain, .restartPostgres, .kill9]
        var step = 0
        while true {
            let wait = short ? 2.0 : random(1.0...4.0)
            try? await Task.sleep(for: .milliseconds(Int(saturating: wait * 1000)))
            let (done, restarted, held) = state.withLock { ($0.producerDone, $0.restartedPostgres, $0.heldXmin) }
            if short && step >= fixed.count { return }
            if !short && done { return }
            let kind: Disruption.Kind
            if short {
                kind = fixed[step]
            } else {
                var choices: [Disruption.Kind] = [.kill9, .kill9, .freeze, .drain, .terminateBackends]
                if !restarted && random(0..<10) == 0 { choices = [.restartPostgres] }
                if !held && random(0..<8) == 0 { choices = [.holdXmin] }
                kind = choices[random(0..<choices.count)]
            }
            step += 1
            do {
                try await perform(kind)
            } catch {
                say("  disruption \(kind.rawValue) failed: \(error)")
            }
        }
    }

    func perform(_ kind: Disruption.Kind) async throws {
        let index = random(0..<workers)
        switch kind {
        case .kill9:
            let slot = await fleet.slot(index)
            let held = try await retrying("held jobs") {
                try await self.ids("SELECT id FROM jobs WHERE state = 'running' AND lease_owner = '\(slot.id)'")
            }
            slot.process.signal(SIGKILL)
            let at = now
            let replacement = try await fleet.replace(index)
            record(Disruption(kind: .kill9, at: at, worker: slot.id, heldJobs: held, detail: "holding \(held.count) jobs; replaced by \(replacement)"))
        case .freeze:
            let slot = await fleet.slot(index)
            let frozen = Double(leaseTTLMillis) / 1000 * 2 + 1
            slot.process.signal(SIGSTOP)
            record(Disruption(kind: .freeze, at: now, worker: slot.id, detail: String(format: "for %.1fs (lease TTL %.1fs)", frozen, Double(leaseTTLMillis) / 1000)))
            Task {
                try? await Task.sleep(for: .milliseconds(Int(saturating: frozen * 1000)))
                slot.process.signal(SIGCONT)
            }
        case .drain:
            let slot = await fleet.slot(index)
            slot.process.signal(SIGTERM)
            let replacement = try await fleet.replace(index)
            record(Disruption(kind: .drain, at: now, worker: slot.id, detail: "replaced by \(replacement)"))
        case .terminateBackends:
            let killed = try await retrying("terminate backends") {
                try await self.scalar("""
                    SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database()) t
                    """)
            }
            record(Disruption(kind: .terminateBackends, at: now, detail: "\(killed) connections"))
        case .restartPostgres:
            state.withLock { $0.restartedPostgres = true }
            let at = now
            try await cluster.stop()
            try await Task.sleep(for: .seconds(1))
            try await cluster.restart()
            record(Disruption(kind: .restartPostgres, at: at, detail: String(format: "down for %.1fs", now - at)))
        case .holdXmin:
            state.withLock { $0.heldXmin = true }
            let seconds = short ? 8 : 60
            record(Disruption(kind: .holdXmin, at: now, detail: "idle in transaction for \(seconds)s"))
            Task {
                try? await self.client.withConnection { connection in
                    _ = try await connection.query("BEGIN", logger: self.logger)
                    _ = try await connection.query("SELECT txid_current()", logger: self.logger)
                    try await Task.sleep(for: .seconds(seconds))
                    _ = try await connection.query("ROLLBACK", logger: self.logger)
                }
            }
        }
    }

    // MARK: Database helpers

    /// Retries `body` for up to 60 s: the database may be restarting or our connection cut.
    func retrying<T: Sendable>(_ what: String, _ body: @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                return try await body()
            } catch {
                if ContinuousClock.now > deadline { throw error }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    func exec(_ sql: String) async throws {
        try await retrying(sql) {
            for try await _ in try await self.client.query(PostgresQuery(unsafeSQL: sql), logger: self.logger) {}
        }
    }

    func scalar(_ sql: String) async throws -> Int64 {
        var value: Int64 = 0
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
            value = try row.decode(Int64?.self) ?? 0
        }
        return value
    }

    func ids(_ sql: String) async throws -> [Int64] { try await column(sql, Int64.self) }

    /// The one column of every row `sql` returns.
    func column<T: PostgresDecodable>(_ sql: String, _ type: T.Type) async throws -> [T] {
        var values: [T] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger) { values.append(try row.decode(T.self)) }
        return values
    }

    /// The first five active jobs by id, one line each.
    func describeActive() async throws -> [String] {
        let sql = """
            SELECT format('job %s %s attempt %s/%s %s, due in %s s, lease %s expires in %s s, last: %s',
                id, kind, attempt, max_attempts, state, round(extract(epoch FROM run_at - now())::numeric, 1),
                coalesce(lease_owner, '-'), coalesce(round(extract(epoch FROM lease_expires_at - now())::numeric, 1)::text, '-'),
                history->-1->>'event')
            FROM jobs WHERE state IN ('available', 'running') ORDER BY id LIMIT 5
            """
        return try await column(sql, String.self)
    }

    var disruptions: [Disruption] { state.withLock { $0.disruptions } }
}

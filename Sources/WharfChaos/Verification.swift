import Foundation
import PostgresNIO
import WharfCore

/// The end-of-run checks. Every check that fails is listed; the run passes only when none does.
struct Verification {
    let run: ChaosRun

    struct Report {
        var lines: [String] = []
        var failures: [String] = []
        var passed: Bool { failures.isEmpty }
        var text: String {
            (["", "wharf-chaos report"] + lines.map { "  " + $0 }
                + (failures.isEmpty ? ["PASS: every invariant held"] : ["FAIL:"] + failures.map { "  - " + $0 })).joined(separator: "\n")
        }
        mutating func check(_ condition: Bool, _ failure: @autoclosure () -> String) { if !condition { failures.append(failure()) } }
    }

    struct Row: Sendable {
        var id: Int64
        var key: String
        var state: String
        var attempt: Int
        /// (event, from, to) of each history entry.
        var events: [Step]
        var errorCount: Int
    }

    struct Step: Sendable, Decodable {
        var event: String
        var from: String?
        var to: String
    }

    /// An element of `errors`, only counted.
    struct Counted: Decodable {}

    func check(drained: Bool, stopProblems: [String]) async throws -> Report {
        var report = Report()
        report.check(drained, "jobs were still available or running when the time limit ran out")
        stopProblems.forEach { report.failures.append($0) }
        let rows = try await run.retrying("read jobs") { try await self.rows() }
        var byKey: [String: [Row]] = [:]
        for row in rows { byKey[row.key, default: []].append(row) }
        let effects = try await run.retrying("read sink") { try await self.pairs("SELECT key, job_id FROM sink_effects") }
        let runs = try await run.retrying("count runs") { try await run.scalar("SELECT count(*) FROM sink_runs") }

        var lost = 0, duplicated = 0, leftActive = 0, wrongEnd = 0, badHistory: [String] = [], effectProblems = 0
        var transientShort = 0, deadWithoutFullHistory = 0
        for (index, plan) in run.plans.enumerated() {
            let key = "job-\(index)"
            guard let found = byKey[key], let row = found.first else { lost += 1; continue }
            if found.count > 1 { duplicated += 1 }
            if row.state == "available" || row.state == "running" { leftActive += 1 }
            let expected = plan == .alwaysFails ? "dead" : "completed"
            if row.state != expected { wrongEnd += 1 }
            if let problem = Self.historyProblem(row) { badHistory.append("\(key) (job \(row.id)): \(problem)") }
            if plan == .alwaysFails && (row.attempt != JobPlan.doomedMaxAttempts || row.errorCount != JobPlan.doomedMaxAttempts) {
                deadWithoutFullHistory += 1
            }
            if case .transient(let failures) = plan, row.state == "completed", row.attempt <= failures || row.errorCount < failures {
                transientShort += 1
            }
            let effect = effects[key]
            if plan.writesEffect ? (effect != row.id) : (effect != nil) { effectProblems += 1 }
        }
        let deadCount = rows.filter { $0.state == "dead" }.count
        let doomed = run.plans.filter { $0 == .alwaysFails }.count
        let effectful = run.plans.filter(\.writesEffect).count
        report.check(rows.count == run.plans.count && lost == 0, "\(lost) jobs lost (\(rows.count) rows for \(run.plans.count) planned)")
        report.check(duplicated == 0, "\(duplicated) keys have more than one job row")
        report.check(leftActive == 0, "\(leftActive) jobs left available or running")
        report.check(wrongEnd == 0, "\(wrongEnd) jobs ended in the wrong place (completed vs dead)")
        report.check(deadCount == doomed, "the dead-letter table holds \(deadCount) jobs; exactly the \(doomed) always-failing ones belong there")
        report.check(deadWithoutFullHistory == 0, "\(deadWithoutFullHistory) dead jobs lack their \(JobPlan.doomedMaxAttempts) attempts and errors")
        report.check(transientShort == 0, "\(transientShort) transient jobs completed without their planned failures")
        report.check(effects.count == effectful && effectProblems == 0, "sink: \(effects.count) effects for \(effectful) effectful jobs, \(effectProblems) wrong or missing")
        report.check(badHistory.isEmpty, "\(badHistory.count) inconsistent histories, e.g. \(badHistory.prefix(3).joined(separator: "; "))")

        let disruptions = run.disruptions
        let recovery = try await longestWaitAfterKill(disruptions)
        let killRates = try await ratesAroundBackendKills(disruptions)
        let logs = await run.fleet.logs()
        let frozen = disruptions.filter { $0.kind == .freeze }.compactMap(\.worker)
        let zombieDiscards = frozen.map { logs[$0]?.components(separatedBy: "Lease lost").count ?? 1 }.reduce(0) { $0 + $1 - 1 }

        report.lines = [
            "jobs planned            \(run.plans.count) (\(effectful) effectful, \(doomed) always failing)",
            "completed               \(rows.filter { $0.state == "completed" }.count)",
            "dead-lettered           \(deadCount)",
            "lost / left active      \(lost) / \(leftActive)",
            "effects in sink         \(effects.count) (one per effectful job: \(effects.count == effectful && effectProblems == 0 ? "yes" : "NO"))",
            "executions              \(runs) for \(effects.count) effects: \(runs - Int64(effects.count)) beyond one per job (the at-least-once cost)",
            "disruptions             " + Disruption.Kind.allKinds.map { kind in "\(kind.rawValue) ×\(disruptions.filter { $0.kind == kind }.count)" }.joined(separator: ", "),
            "zombie results dropped  \(zombieDiscards) (\"Lease lost\" in the logs of frozen workers)",
            recovery.map { String(format: "longest wait after kill -9   %.2fs for a held job to start elsewhere (lease TTL %.1fs)", $0, Double(run.leaseTTLMillis) / 1000) }
                ?? "longest wait after kill -9   n/a (killed workers held no jobs)",
            killRates.map { String(format: "completions around pg_terminate_backend   %.0f/s in the 3 s before, %.0f/s in the 3 s after, %.0f/s 3–6 s after (mean of %d)", $0.before, $0.during, $0.after, $0.kills) }
                ?? "completions around pg_terminate_backend   n/a (no backend kills)",
            "histories checked       \(rows.count), \(badHistory.count) inconsistent",
        ]
        return report
    }

    /// A job's history must start with `enqueued`, make only moves ``JobStateMachine`` allows,
    /// chain each `from` to the previous `to`, end in the job's state, count one claim per attempt (hand-backs give theirs back), one error
    /// per failed, expired or dead-lettered attempt, and succeed at most once.
    static func historyProblem(_ row: Row) -> String? {
        let events = row.events.map { ($0.event, $0.from, $0.to) }
        guard let first = events.first, first.0 == "enqueued", first.2 == "available" else { return "does not start with enqueued" }
        for (event, from, to) in events {
            guard let event = JobEvent(rawValue: event), let start = JobPlacement(historyName: from),
                  let legal = try? JobStateMachine.apply(event, from: start), legal.to.historyName == to
            else { return "\(event) from \(from ?? "new") to \(to) is not a move the state machine allows" }
        }
        for (previous, next) in zip(events, events.dropFirst()) where next.1 != previous.2 {
            return "\(next.0) from \(next.1 ?? "nil") follows a change to \(previous.2)"
        }
        if events.last?.2 != row.state { return "ends in \(events.last?.2 ?? "?") but the job is \(row.state)" }
        let count = { (name: String) in events.filter { $0.0 == name }.count }
        // A release and a snooze each give the claim's attempt back.
        let givenBack = count("released") + count("snoozed")
        if count("claimed") - givenBack != row.attempt { return "\(count("claimed")) claims, \(givenBack) releases and snoozes, attempt \(row.attempt)" }
        if count("failed") + count("lease_expired") + count("dead_lettered") != row.errorCount {
            return "\(row.errorCount) errors for \(count("failed") + count("lease_expired") + count("dead_lettered")) failed attempts"
        }
        if count("succeeded") > 1 { return "succeeded \(count("succeeded")) times" }
        return nil
    }

    func rows() async throws -> [Row] {
        let sql = """
            SELECT id, payload->>'key', state, attempt, history::text, errors::text FROM jobs
            UNION ALL
            SELECT id, payload->>'key', 'dead', attempt, history::text, errors::text FROM dead_jobs
            """
        var rows: [Row] = []
        for try await row in try await run.client.query(PostgresQuery(unsafeSQL: sql), logger: run.logger) {
            let (id, key, state, attempt, history, errors) = try row.decode((Int64, String?, String, Int32, String, String).self)
            // Unreadable history shows as an empty one, which the checks then report.
            let steps = (try? JSONDecoder().decode([Step].self, from: Data(history.utf8))) ?? []
            let errorCount = (try? JSONDecoder().decode([Counted].self, from: Data(errors.utf8)))?.count ?? 0
            rows.append(Row(id: id, key: key ?? "", state: state, attempt: Int(attempt), events: steps, errorCount: errorCount))
        }
        return rows
    }

    func pairs(_ sql: String) async throws -> [String: Int64] {
        var pairs: [String: Int64] = [:]
        for try await row in try await run.client.query(PostgresQuery(unsafeSQL: sql), logger: run.logger) {
            let (key, id) = try row.decode((String, Int64).self)
            pairs[key] = id
        }
        return pairs
    }

    struct KillRates { var before = 0.0, during = 0.0, after = 0.0; var kills = 0 }

    /// Completions per second in the 3 s before each backend kill, the 3 s after it and the 3 s
    /// after those, on the database clock (`finished_at`), averaged over the kills.
    func ratesAroundBackendKills(_ disruptions: [Disruption]) async throws -> KillRates? {
        var rates = KillRates()
        for kill in disruptions where kill.kind == .terminateBackends {
            let sql = """
                SELECT count(*) FILTER (WHERE finished_at >= to_timestamp(\(kill.at - 3)) AND finished_at < to_timestamp(\(kill.at))),
                       count(*) FILTER (WHERE finished_at >= to_timestamp(\(kill.at)) AND finished_at < to_timestamp(\(kill.at + 3))),
                       count(*) FILTER (WHERE finished_at >= to_timestamp(\(kill.at + 3)) AND finished_at < to_timestamp(\(kill.at + 6)))
                FROM jobs WHERE state = 'completed'
                """
            for try await row in try await run.client.query(PostgresQuery(unsafeSQL: sql), logger: run.logger) {
                let (before, during, after) = try row.decode((Int64, Int64, Int64).self)
                rates.before += Double(before) / 3; rates.during += Double(during) / 3; rates.after += Double(after) / 3
            }
            rates.kills += 1
        }
        guard rates.kills > 0 else { return nil }
        let n = Double(rates.kills)
        return KillRates(before: rates.before / n, during: rates.during / n, after: rates.after / n, kills: rates.kills)
    }

    /// For every job a killed worker held: seconds from the kill to its next claim.
    func longestWaitAfterKill(_ disruptions: [Disruption]) async throws -> Double? {
        var longest: Double?
        for kill in disruptions where kill.kind == .kill9 && !kill.heldJobs.isEmpty {
            let ids = kill.heldJobs.map(String.init).joined(separator: ",")
            let sql = """
                SELECT max(extract(epoch FROM first_claim))::float8 FROM (
                    SELECT min((e->>'at')::timestamptz) AS first_claim
                    FROM (SELECT id, history FROM jobs WHERE id IN (\(ids)) UNION ALL SELECT id, history FROM dead_jobs WHERE id IN (\(ids))) j,
                         jsonb_array_elements(j.history) e
                    WHERE e->>'event' = 'claimed' AND (e->>'at')::timestamptz > to_timestamp(\(kill.at))
                    GROUP BY j.id) claims
                """
            var latest: Double?
            for try await row in try await run.client.query(PostgresQuery(unsafeSQL: sql), logger: run.logger) { latest = try row.decode(Double?.self) }
            if let latest { longest = max(longest ?? 0, latest - kill.at) }
        }
        return longest
    }
}

extension Disruption.Kind {
    static let allKinds: [Self] = [.kill9, .freeze, .drain, .terminateBackends, .restartPostgres, .holdXmin]
}

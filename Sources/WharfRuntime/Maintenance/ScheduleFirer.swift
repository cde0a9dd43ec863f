import Foundation
public import Logging
public import WharfCore

/// Fires due cron schedules: reads the due ones with the database's clock, plans each one's
/// ticks (``TickPlanner``: the missed-tick policy, the catch-up limit) and carries the plans
/// out in one statement whose compare-and-set on each schedule's last tick makes every tick
/// enqueue exactly once, whoever leads.
public struct ScheduleFirer: MaintenanceTask {
    let store: any ScheduleStore
    let logger: Logger
    let timeout: Duration
    public let interval: Duration
    public var name: String { "schedule firer" }
    /// Schedules read and fired per statement.
    public static let batchSize = 1000

    public init(store: any ScheduleStore, interval: Duration = .seconds(1), timeout: Duration = WorkerConfiguration.defaultStoreCallTimeout, logger: Logger) {
        self.store = store
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    /// Batches one pass fires at most: 10,000 schedules due at once fire in one pass (10
    /// statements), not one batch a second; the bound keeps a pass from running unbounded.
    public static let batchesPerPass = 40

    /// What one pass fired: batch after batch while a full one came back.
    public func runOnce() async throws -> [FiredSchedule] {
        try await pass().fired
    }

    /// A pass, then the time until the next tick of any schedule (on the database's clock), so
    /// the leader wakes at the tick rather than up to a second after it: zero when the pass
    /// stopped at its batch limit with more due.
    public func runPass() async throws -> Duration? {
        if try await pass().more { return .zero }
        return try await withTimeLimit(timeout, "find the next due schedule") { [store] in try await store.timeUntilNextDue() }
    }

    private func pass() async throws -> (fired: [FiredSchedule], more: Bool) {
        var fired: [FiredSchedule] = []
        for _ in 0..<Self.batchesPerPass {
            let (batch, read) = try await fireBatch()
            fired += batch
            if read < Self.batchSize { return (fired, false) }
        }
        return (fired, true)
    }

    /// Reads up to a batch of due schedules and fires them; returns what fired and how many
    /// were read.
    private func fireBatch() async throws -> (fired: [FiredSchedule], read: Int) {
        let (now, due) = try await withTimeLimit(timeout, "list due schedules") { [store] in try await store.dueSchedules(limit: Self.batchSize) }
        if due.isEmpty { return ([], 0) }
        var firings: [ScheduleFiring] = []
        var plans: [String: TickPlan] = [:]
        var policies: [String: MissedTickPolicy] = [:]
        // Schedules made together share their expression and their last tick: each distinct
        // expression is parsed once a batch, and each distinct plan computed once.
        var parsedCache: [String: Result<CronSchedule, ValidationError>] = [:]
        var planCache: [PlanKey: TickPlan] = [:]
        for schedule in due {
            let definition = schedule.definition
            let parsed: CronSchedule
            let key = definition.timeZone + "\u{0}" + definition.expression
            do {
                let result = parsedCache[key] ?? Result { () throws(ValidationError) in try CronSchedule(definition.expression, timeZone: definition.timeZone) }
                parsedCache[key] = result
                parsed = try result.get()
            } catch {
                // A row written around the checks: record why, fire nothing, leave it be.
                logger.warning("Schedule cannot be evaluated", metadata: ["schedule.name": "\(definition.name)", "error.message": "\(error)"])
                firings.append(ScheduleFiring(
                    name: definition.name, expectedLastTick: schedule.lastTick, lastTick: schedule.lastTick, nextTick: nil, ticks: [],
                    error: "\(error)"))
                continue
            }
            let since = schedule.lastTick ?? schedule.anchor
            let planKey = PlanKey(schedule: key, policy: definition.missed, catchUpLimit: definition.catchUpLimit, since: since)
            let plan = planCache[planKey] ?? TickPlanner.plan(parsed, policy: definition.missed, catchUpLimit: definition.catchUpLimit, since: since, now: now)
            planCache[planKey] = plan
            plans[definition.name] = plan
            policies[definition.name] = definition.missed
            firings.append(ScheduleFiring(
                name: definition.name, expectedLastTick: schedule.lastTick, lastTick: plan.lastTick ?? schedule.lastTick,
                nextTick: plan.nextTick, ticks: plan.fire))
        }
        let fired = try await withTimeLimit(timeout, "fire schedules") { [store, firings] in try await store.fire(firings) }
        for result in fired {
            guard let plan = plans[result.name] else { continue }
            for (tick, id) in result.jobs {
                RuntimeMetrics.scheduleFired(lag: now.timeIntervalSince(tick))
                logger.info("Schedule fired", metadata: [
                    "schedule.name": "\(result.name)", "schedule.tick": "\(Timestamps.describe(tick, fractionalSeconds: false))",
                    "job.id": "\(id)", "schedule.lag": "\(String(format: "%.3f", now.timeIntervalSince(tick)))s",
                ])
            }
            if plan.missed > 0 {
                RuntimeMetrics.scheduleMissed(plan.missed, policy: policies[result.name] ?? .latest)
                logger.notice("Schedule ticks missed", metadata: [
                    "schedule.name": "\(result.name)", "schedule.missed": "\(plan.missedAtLeast ? "at least " : "")\(plan.missed)",
                    "schedule.last_tick": "\(plan.lastTick.map { Timestamps.describe($0, fractionalSeconds: false) } ?? "-")",
                ])
            }
        }
        return (fired, due.count)
    }
}

/// What a tick plan depends on besides the pass's clock.
private struct PlanKey: Hashable {
    /// The zone and the expression.
    var schedule: String
    var policy: MissedTickPolicy
    var catchUpLimit: Int
    var since: Date
}

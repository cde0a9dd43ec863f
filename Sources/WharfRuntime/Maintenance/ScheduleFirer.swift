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
    public static let batchSize = 500

    public init(store: any ScheduleStore, interval: Duration = .seconds(1), timeout: Duration = WorkerConfiguration.defaultStoreCallTimeout, logger: Logger) {
        self.store = store
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    /// What one pass fired.
    public func runOnce() async throws -> [FiredSchedule] {
        let (now, due) = try await withTimeLimit(timeout, "list due schedules") { [store] in try await store.dueSchedules(limit: Self.batchSize) }
        if due.isEmpty { return [] }
        var firings: [ScheduleFiring] = []
        var plans: [String: TickPlan] = [:]
        for schedule in due {
            let definition = schedule.definition
            let parsed: CronSchedule
            do {
                parsed = try CronSchedule(definition.expression, timeZone: definition.timeZone)
            } catch {
                // A row written around the checks: record why, fire nothing, leave it be.
                logger.warning("Schedule cannot be evaluated", metadata: ["schedule.name": "\(definition.name)", "error.message": "\(error)"])
                firings.append(ScheduleFiring(
                    name: definition.name, expectedLastTick: schedule.lastTick, lastTick: schedule.lastTick, nextTick: nil, ticks: [],
                    error: "\(error)"))
                continue
            }
            let plan = TickPlanner.plan(
                parsed, policy: definition.missed, catchUpLimit: definition.catchUpLimit, since: schedule.lastTick ?? schedule.anchor, now: now)
            plans[definition.name] = plan
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
                RuntimeMetrics.scheduleMissed(plan.missed)
                logger.notice("Schedule ticks missed", metadata: [
                    "schedule.name": "\(result.name)", "schedule.missed": "\(plan.missedAtLeast ? "at least " : "")\(plan.missed)",
                    "schedule.last_tick": "\(plan.lastTick.map { Timestamps.describe($0, fractionalSeconds: false) } ?? "-")",
                ])
            }
        }
        return fired
    }
}

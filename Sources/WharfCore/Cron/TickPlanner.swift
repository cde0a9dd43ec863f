public import Foundation

/// What happens to ticks that fell due while nothing fired them.
public enum MissedTickPolicy: String, Sendable, CaseIterable, Codable {
    /// Do not catch up: only a tick that is at most ``TickPlanner/lateAfter`` late still runs.
    case skip
    /// Run once, for the most recent missed tick (the default).
    case latest
    /// Run every missed tick, oldest first, up to the schedule's catch-up limit (the most recent
    /// ones; older ones count as missed).
    case all
}

/// One pass's decision for one schedule: which ticks to enqueue, and where the schedule stands
/// after them.
public struct TickPlan: Sendable, Equatable {
    /// Ticks to enqueue now, oldest first.
    public var fire: [Date]
    /// Due ticks that will not run (the policy or the catch-up limit left them out).
    public var missed: Int
    /// `missed` is a lower bound: more ticks fell due than were counted.
    public var missedAtLeast: Bool
    /// The schedule's last tick after this pass: the latest due tick, fired or not (so it is
    /// never considered again); unchanged when nothing was due.
    public var lastTick: Date?
    /// The first tick after `lastTick`'s pass, for the due index; `nil` if it never fires again.
    public var nextTick: Date?
}

/// Decides which ticks of a schedule are due and which of them run. Pure: the clock (the
/// database's `now()`) and the schedule's state are parameters.
public enum TickPlanner {
    /// Under `skip`, a tick enqueued later than this after it fell due counts as missed.
    public static let lateAfter: Duration = .seconds(60)
    /// Ticks counted per plan at most; beyond, the missed count is a lower bound.
    static let countLimit = 100_000

    /// `since` is the schedule's last tick, or the instant it was created or resumed: ticks
    /// strictly after it and at or before `now` are due.
    public static func plan(
        _ schedule: CronSchedule, policy: MissedTickPolicy, catchUpLimit: Int, since: Date, now: Date
    ) -> TickPlan {
        let keep = policy == .all ? max(1, catchUpLimit) : 1
        let (recent, total, exact) = recentTicks(schedule, after: since, upTo: now, keep: keep)
        guard let latest = recent.last else {
            return TickPlan(fire: [], missed: 0, missedAtLeast: false, lastTick: nil, nextTick: schedule.next(after: max(since, now)))
        }
        // `recent` holds at most `keep` ticks: one for latest and skip, the catch-up limit for all.
        let fire: [Date] =
            switch policy {
            case .latest, .all: recent
            case .skip: now.timeIntervalSince(latest) <= lateAfter.wharfSeconds ? [latest] : []
            }
        return TickPlan(
            fire: fire, missed: total - fire.count, missedAtLeast: !exact, lastTick: latest, nextTick: schedule.next(after: latest))
    }

    /// The last `keep` ticks in (after, upTo], how many ticks that range holds, and whether that
    /// count is exact. Looks at a growing window ending at `upTo` first (an hour, then eight
    /// times longer each time), so a schedule that ticks every second and was down for a week
    /// costs a few thousand steps, not 600,000.
    static func recentTicks(_ schedule: CronSchedule, after: Date, upTo: Date, keep: Int) -> (ticks: [Date], total: Int, exact: Bool) {
        var window: TimeInterval = 3600
        while true {
            let start = max(after, upTo.addingTimeInterval(-window))
            var ticks: [Date] = []
            var count = 0
            var cursor = start
            while count < countLimit, let tick = schedule.next(after: cursor), tick <= upTo {
                count += 1
                ticks.append(tick)
                if ticks.count > keep { ticks.removeFirst(ticks.count - keep) }
                cursor = tick
            }
            let reachedStart = start == after
            if reachedStart || ticks.count >= keep || count >= countLimit {
                // The window did not reach back to `after`: more ticks may lie before it.
                return (ticks, count, reachedStart && count < countLimit)
            }
            window *= 8
        }
    }
}

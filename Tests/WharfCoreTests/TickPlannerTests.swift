import Foundation
import Testing
import WharfCore

/// Which due ticks run under each missed-tick policy, on a logical clock.
@Suite("Tick planning")
struct TickPlannerTests {
    static let every10s = CronSchedule(try! CronExpression("@every 10s"), timeZone: .gmt)  // a literal that parses
    static func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    @Test("on time: every policy runs the one due tick; next tick follows it")
    func onTime() {
        for policy in MissedTickPolicy.allCases {
            let plan = TickPlanner.plan(Self.every10s, policy: policy, catchUpLimit: 100, since: Self.at(1000), now: Self.at(1012))
            #expect(plan.fire == [Self.at(1010)] && plan.missed == 0 && plan.lastTick == Self.at(1010) && plan.nextTick == Self.at(1020), "\(policy)")
        }
    }

    @Test("after 100 s down: latest runs the newest, all runs them up to the limit, skip runs a tick only when it is fresh")
    func afterDowntime() {
        let latest = TickPlanner.plan(Self.every10s, policy: .latest, catchUpLimit: 100, since: Self.at(1000), now: Self.at(1101))
        #expect(latest.fire == [Self.at(1100)] && latest.missed == 9 && !latest.missedAtLeast)
        let all = TickPlanner.plan(Self.every10s, policy: .all, catchUpLimit: 4, since: Self.at(1000), now: Self.at(1101))
        #expect(all.fire == [1070, 1080, 1090, 1100].map(Self.at) && all.missed == 6 && all.lastTick == Self.at(1100))
        let fresh = TickPlanner.plan(Self.every10s, policy: .skip, catchUpLimit: 100, since: Self.at(1000), now: Self.at(1101))
        #expect(fresh.fire == [Self.at(1100)] && fresh.missed == 9)
        let daily = CronSchedule(try! CronExpression("0 0 * * *"), timeZone: .gmt)  // a literal that parses
        let stale = TickPlanner.plan(daily, policy: .skip, catchUpLimit: 100, since: Self.at(0), now: Self.at(86_400 * 3 + 3600))
        #expect(stale.fire == [] && stale.missed >= 1 && stale.missedAtLeast && stale.lastTick == Self.at(86_400 * 3) && stale.nextTick == Self.at(86_400 * 4))
    }

    @Test("nothing due: nothing fires, the last tick stays, the next tick is the first after now")
    func nothingDue() {
        let plan = TickPlanner.plan(Self.every10s, policy: .all, catchUpLimit: 100, since: Self.at(1000), now: Self.at(1005))
        #expect(plan.fire == [] && plan.missed == 0 && plan.lastTick == nil && plan.nextTick == Self.at(1010))
    }

    @Test("a week of per-second ticks missed is counted without walking them all, as a lower bound")
    func longOutage() {
        let everySecond = CronSchedule(try! CronExpression("* * * * * *"), timeZone: .gmt)  // a literal that parses
        let plan = TickPlanner.plan(everySecond, policy: .latest, catchUpLimit: 100, since: Self.at(0), now: Self.at(7 * 86_400))
        #expect(plan.fire == [Self.at(7 * 86_400)] && plan.missed >= 3599 && plan.missedAtLeast)
    }
}

import Foundation
import Testing
import WharfCore

/// The cron evaluator: parsing and its errors, ticks in UTC, the daylight-saving rules, and two
/// independent checks (a brute-force scan here, and croniter in CronCroniterTests).
@Suite("Cron expressions and ticks")
struct CronTests {
    static let utc = TimeZone(identifier: "UTC") ?? .gmt

    /// An instant from an ISO 8601 text with its zone.
    static func at(_ text: String) -> Date {
        (try? Date(text, strategy: .iso8601)) ?? Date(timeIntervalSince1970: 0)
    }

    static func schedule(_ expression: String, _ zone: String = "UTC") throws -> CronSchedule {
        try CronSchedule(expression, timeZone: zone)
    }

    static func ticks(_ expression: String, _ zone: String = "UTC", after start: String, count: Int) throws -> [Date] {
        try schedule(expression, zone).ticks(after: at(start), until: .distantFuture, limit: count)
    }

    @Test("fields, names, ranges, steps, lists and macros select the right ticks")
    func ticksInUTC() throws {
        #expect(try Self.ticks("*/15 * * * *", after: "2026-01-05T10:07:00Z", count: 2) == [Self.at("2026-01-05T10:15:00Z"), Self.at("2026-01-05T10:30:00Z")])
        // Saturday 2026-01-10 → Monday.
        #expect(try Self.ticks("0 9 * * MON-FRI", after: "2026-01-10T12:00:00Z", count: 1) == [Self.at("2026-01-12T09:00:00Z")])
        #expect(try Self.ticks("0 0 29 feb *", after: "2026-01-01T00:00:00Z", count: 1) == [Self.at("2028-02-29T00:00:00Z")])
        #expect(try Self.ticks("5,10-12/2 3 * JAN,Dec *", after: "2026-11-30T00:00:00Z", count: 4) == [
            Self.at("2026-12-01T03:05:00Z"), Self.at("2026-12-01T03:10:00Z"), Self.at("2026-12-01T03:12:00Z"), Self.at("2026-12-02T03:05:00Z"),
        ])
        // Both day fields restricted: the 13th or a Friday (2026-02-06 is a Friday).
        #expect(try Self.ticks("0 0 13 * FRI", after: "2026-02-01T00:00:00Z", count: 3) == [
            Self.at("2026-02-06T00:00:00Z"), Self.at("2026-02-13T00:00:00Z"), Self.at("2026-02-20T00:00:00Z"),
        ])
        // A step in day of week runs to Saturday (1/3 is MON, THU); 7 is Sunday in a range.
        #expect(try Self.ticks("0 0 * * 1/3", after: "2026-01-04T00:00:00Z", count: 3) == [
            Self.at("2026-01-05T00:00:00Z"), Self.at("2026-01-08T00:00:00Z"), Self.at("2026-01-12T00:00:00Z"),
        ])
        #expect(try Self.ticks("0 0 * * FRI-7", after: "2026-01-01T12:00:00Z", count: 3) == [
            Self.at("2026-01-02T00:00:00Z"), Self.at("2026-01-03T00:00:00Z"), Self.at("2026-01-04T00:00:00Z"),
        ])
        // Sunday is 0 and 7.
        #expect(try Self.ticks("0 0 * * 7", after: "2026-01-01T00:00:00Z", count: 1) == Self.ticks("0 0 * * 0", after: "2026-01-01T00:00:00Z", count: 1))
        #expect(try Self.ticks("@hourly", after: "2026-01-01T00:30:00Z", count: 1) == [Self.at("2026-01-01T01:00:00Z")])
        #expect(try Self.ticks("@weekly", after: "2026-01-01T00:00:00Z", count: 1) == [Self.at("2026-01-04T00:00:00Z")])
        #expect(try Self.ticks("@yearly", after: "2026-06-01T00:00:00Z", count: 1) == [Self.at("2027-01-01T00:00:00Z")])
        // Seconds first in six fields; N/STEP runs to the end of the range.
        #expect(try Self.ticks("10/20 0 12 * * *", after: "2026-01-01T12:00:00Z", count: 3) == [
            Self.at("2026-01-01T12:00:10Z"), Self.at("2026-01-01T12:00:30Z"), Self.at("2026-01-01T12:00:50Z"),
        ])
        // Strictly after: a tick at the given instant is not returned.
        #expect(try Self.ticks("0 * * * *", after: "2026-01-01T05:00:00Z", count: 1) == [Self.at("2026-01-01T06:00:00Z")])
    }

    @Test("@every ticks on multiples of the interval since the epoch, whatever the zone")
    func everyIsEpochAligned() throws {
        let schedule = try Self.schedule("@every 10s", "America/New_York")
        #expect(schedule.next(after: Date(timeIntervalSince1970: 1_000_000_003.7)) == Date(timeIntervalSince1970: 1_000_000_010))
        #expect(schedule.next(after: Date(timeIntervalSince1970: 1_000_000_010)) == Date(timeIntervalSince1970: 1_000_000_020))
        #expect(try Self.schedule("@every 1h30m").next(after: Date(timeIntervalSince1970: 0)) == Date(timeIntervalSince1970: 5400))
    }

    @Test("a fixed time in the spring-forward gap runs once, when the gap ends; a time repeated at fall-back runs once, the first time")
    func dailyAcrossDaylightSaving() throws {
        // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT. 02:30 does not exist that day.
        #expect(try Self.ticks("30 2 * * *", "America/New_York", after: "2026-03-07T12:00:00-05:00", count: 3) == [
            Self.at("2026-03-08T03:00:00-04:00"), Self.at("2026-03-09T02:30:00-04:00"), Self.at("2026-03-10T02:30:00-04:00"),
        ])
        // 2026-11-01: 02:00 EDT becomes 01:00 EST, so 01:30 happens twice; it runs at the first.
        #expect(try Self.ticks("30 1 * * *", "America/New_York", after: "2026-10-31T12:00:00-04:00", count: 2) == [
            Self.at("2026-11-01T01:30:00-04:00"), Self.at("2026-11-02T01:30:00-05:00"),
        ])
        // Several fixed times inside the gap still run once.
        #expect(try Self.ticks("*/20 2 * * *", "America/New_York", after: "2026-03-08T00:00:00-05:00", count: 2) == [
            Self.at("2026-03-08T03:00:00-04:00"), Self.at("2026-03-09T02:00:00-04:00"),
        ])
        // Berlin, 2026-03-29 (02:00 CET becomes 03:00 CEST) and 2026-10-25 (03:00 CEST becomes 02:00 CET).
        #expect(try Self.ticks("30 2 * * *", "Europe/Berlin", after: "2026-03-28T12:00:00+01:00", count: 2) == [
            Self.at("2026-03-29T03:00:00+02:00"), Self.at("2026-03-30T02:30:00+02:00"),
        ])
        #expect(try Self.ticks("30 2 * * *", "Europe/Berlin", after: "2026-10-24T12:00:00+02:00", count: 2) == [
            Self.at("2026-10-25T02:30:00+02:00"), Self.at("2026-10-26T02:30:00+01:00"),
        ])
    }

    @Test("a schedule on every hour follows real time: nothing in the gap, both repeated hours")
    func hourlyAcrossDaylightSaving() throws {
        #expect(try Self.ticks("30 * * * *", "America/New_York", after: "2026-03-08T00:45:00-05:00", count: 3) == [
            Self.at("2026-03-08T01:30:00-05:00"), Self.at("2026-03-08T03:30:00-04:00"), Self.at("2026-03-08T04:30:00-04:00"),
        ])
        #expect(try Self.ticks("30 * * * *", "America/New_York", after: "2026-11-01T00:45:00-04:00", count: 3) == [
            Self.at("2026-11-01T01:30:00-04:00"), Self.at("2026-11-01T01:30:00-05:00"), Self.at("2026-11-01T02:30:00-05:00"),
        ])
    }

    @Test("bad expressions and zones are refused, naming the field and the token", arguments: [
        ("61 * * * *", ["minute field", "\"61\"", "out of range 0-59"]),
        ("* 24 * * *", ["hour field", "\"24\""]),
        ("* * * * MON-XYZ", ["day-of-week field", "\"XYZ\"", "name"]),
        ("* * * FOO *", ["month field", "\"FOO\""]),
        ("*/0 * * * *", ["minute field", "step"]),
        ("5-1 * * * *", ["minute field", "backwards"]),
        ("1,,2 * * * *", ["minute field", "empty"]),
        ("* * * *", ["needs 5 fields", "4 fields"]),
        ("* * * * * * *", ["7 fields"]),
        ("@sometimes", ["not a known macro", "@every"]),
        ("@every 1.5s", ["whole seconds"]),
        ("@every 0s", ["cron expression"]),
        ("? * * * *", ["Quartz"]),
        ("0 0 30 2 *", ["never fires"]),
    ])
    func refused(expression: String, fragments: [String]) {
        do {
            _ = try CronSchedule(expression, timeZone: "UTC")
            Issue.record("\"\(expression)\" was accepted")
        } catch {
            for fragment in fragments { #expect(error.description.contains(fragment), "\(expression): \(error.description)") }
        }
    }

    @Test("an unknown time zone is refused by name")
    func unknownZone() {
        #expect(throws: ValidationError.self) { try CronSchedule("* * * * *", timeZone: "Mars/Olympus_Mons") }
        #expect((try? CronSchedule("* * * * *", timeZone: "Mars/Olympus_Mons")) == nil)
    }

    /// Random expressions from a fixed seed, each field a star, a value, a range, a step or a list.
    static func randomExpressions(count: Int, seed: UInt64, seconds: Bool) -> [String] {
        var rng = SeededGenerator(seed: seed)
        func field(_ low: Int, _ high: Int, starAllowed: Bool = true) -> String {
            switch rng.next(upTo: starAllowed ? 6 : 5) {
            case 0: return "\(rng.next(in: low...high))"
            // Ranges with two different ends: croniter reads `6-6` and `1-1/3` its own way.
            case 1:
                let a = rng.next(in: low...(high - 1))
                return "\(a)-\(rng.next(in: (a + 1)...high))"
            case 2:
                let a = rng.next(in: low...(high - 1))
                return "\(a)-\(rng.next(in: (a + 1)...high))/\(rng.next(in: 1...max(1, (high - low) / 2)))"
            case 3: return (0..<rng.next(in: 2...3)).map { _ in "\(rng.next(in: low...high))" }.joined(separator: ",")
            case 4: return "\(rng.next(in: low...high))/\(rng.next(in: 1...max(1, (high - low) / 2)))"
            default: return rng.next(upTo: 2) == 0 ? "*" : "*/\(rng.next(in: 1...max(1, (high - low) / 2)))"
            }
        }
        return (0..<count).map { _ in
            // Day fields: a star or a restriction, never `*/n` (implementations differ on whether
            // that counts as restricted).
            let dom = rng.next(upTo: 2) == 0 ? "*" : field(1, 28, starAllowed: false)
            let dow = rng.next(upTo: 2) == 0 ? "*" : field(0, 6, starAllowed: false)
            let five = "\(field(0, 59)) \(field(0, 23)) \(dom) \(field(1, 12)) \(dow)"
            return seconds ? "\(field(0, 59)) \(five)" : five
        }
    }

    @Test("every tick matches the fields, and no matching minute is skipped between two ticks (brute-force scan, UTC)")
    func bruteForceAgreement() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.utc
        var rng = SeededGenerator(seed: 42)
        for expression in Self.randomExpressions(count: 150, seed: 7, seconds: false) {
            let schedule = try CronSchedule(CronExpression(expression), timeZone: Self.utc)
            guard case .calendar(let fields) = schedule.expression.rule else { continue }
            func matches(_ date: Date) -> Bool {
                let c = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
                let bit = { (set: UInt64, value: Int?) in set >> UInt64(value ?? 0) & 1 == 1 }
                let dom = bit(fields.daysOfMonth, c.day), dow = bit(fields.daysOfWeek, (c.weekday ?? 1) - 1)
                let day = fields.dayOfMonthRestricted && fields.dayOfWeekRestricted ? dom || dow : dom && dow
                return bit(fields.minutes, c.minute) && bit(fields.hours, c.hour) && bit(fields.months, c.month) && day
            }
            let start = Date(timeIntervalSince1970: Double(rng.next(in: 946_684_800...2_000_000_000) / 60 * 60))
            guard let first = schedule.next(after: start) else { continue }
            #expect(matches(first), "\(expression): \(first) does not match")
            // Scan at most two days of minutes: nothing between start and the first tick matches.
            var minute = start.addingTimeInterval(60)
            while minute < first && minute < start.addingTimeInterval(2 * 86_400) {
                #expect(!matches(minute), "\(expression): \(minute) matches but the first tick after \(start) was \(first)")
                if matches(minute) { break }
                minute = minute.addingTimeInterval(60)
            }
        }
    }
}

extension SeededGenerator {
    mutating func next(upTo bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }
    mutating func next(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}

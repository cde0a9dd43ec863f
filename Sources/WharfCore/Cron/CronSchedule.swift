public import Foundation

/// A cron expression in a time zone: computes its ticks. Pure (the zone's rules come from the
/// system tz database through Foundation; the clock is a parameter).
///
/// Daylight-saving rules, as Vixie cron has them:
/// - **A fixed time of day** (the hour field is not `*`): a time that does not exist on a
///   spring-forward day (02:30 when clocks jump from 02:00 to 03:00) fires once, at the moment
///   the gap ends (03:00); a time that happens twice on a fall-back day (01:30) fires once, at
///   the first of the two.
/// - **Every hour** (the hour field starts with `*`): the schedule follows real time. Times in
///   the spring-forward gap do not exist and do not fire; in the repeated hour both occurrences
///   fire, an hour apart.
/// - `@every` ignores the zone: ticks are multiples of the interval since the Unix epoch.
public struct CronSchedule: Sendable, Equatable {
    public let expression: CronExpression
    public let timeZone: TimeZone

    /// How far ahead a search looks before deciding the expression never fires: February 29
    /// can be 8 years away (2096 to 2104).
    static let horizonYears = 9

    public init(_ expression: CronExpression, timeZone: TimeZone) {
        self.expression = expression
        self.timeZone = timeZone
    }

    /// Parses both; an unknown zone is refused with its name.
    public init(_ text: String, timeZone name: String) throws(ValidationError) {
        let zone = try Self.zone(named: name)
        let expression = try CronExpression(text)
        guard CronSchedule(expression, timeZone: zone).next(after: Date(timeIntervalSince1970: 946_684_800)) != nil else {
            throw ValidationError(field: "cron expression \"\(expression.text)\"", value: expression.text, rule: "never fires (a day that does not exist, such as February 30)")
        }
        self.init(expression, timeZone: zone)
    }

    /// The tz database's zone of that name, or a refusal naming it.
    public static func zone(named name: String) throws(ValidationError) -> TimeZone {
        guard let zone = TimeZone(identifier: name) else {
            throw ValidationError(field: "time zone", value: name, rule: "is not in the tz database", hint: "e.g. UTC, Europe/Berlin, America/New_York")
        }
        return zone
    }

    /// The first tick strictly after `instant` (whole seconds), or `nil` if there is none within
    /// the search horizon.
    public func next(after instant: Date) -> Date? {
        // Whole seconds: the fraction only decides "strictly after".
        let after = Int64(saturating: instant.timeIntervalSince1970.rounded(.down))
        switch expression.rule {
        case .interval(let seconds):
            let (quotient, _) = after.quotientAndRemainder(dividingBy: seconds)
            let floor = after < 0 && after % seconds != 0 ? quotient - 1 : quotient
            return Date(timeIntervalSince1970: Double((floor + 1) * seconds))
        case .calendar(let fields):
            return nextCalendarTick(fields, after: after).map { Date(timeIntervalSince1970: Double($0)) }
        }
    }

    /// The ticks after `instant`, up to `limit` of them and not past `until`.
    public func ticks(after instant: Date, until: Date, limit: Int) -> [Date] {
        var result: [Date] = []
        var cursor = instant
        while result.count < limit, let tick = next(after: cursor), tick <= until {
            result.append(tick)
            cursor = tick
        }
        return result
    }

    // MARK: - Calendar ticks

    private func offset(at instant: Int64) -> Int64 {
        let date = Date(timeIntervalSince1970: Double(instant))
        return Int64(timeZone.secondsFromGMT(for: date))  // Int to Int64: cannot trap
    }

    /// Wall-clock seconds (local time read as if it were UTC) of an instant.
    private func wall(of instant: Int64) -> Int64 { instant + offset(at: instant) }

    /// Whether the zone's offset changes within 8 hours of `instant`.
    private func nearTransition(_ instant: Int64) -> Bool { offset(at: instant - 8 * 3600) != offset(at: instant + 8 * 3600) }

    private func nextCalendarTick(_ fields: CronFields, after: Int64) -> Int64? {
        // Near a change of offset, later wall times can be earlier instants (the repeated hour):
        // start a few hours of wall time early, and keep looking a few hours past the best
        // found. Elsewhere wall time and instants move together and the first match is the tick.
        let margin: Int64 = 4 * 3600
        var cursor = wall(of: after) - (nearTransition(after) ? margin : 0)
        let horizon = wall(of: after) + Int64(Self.horizonYears) * 366 * 86_400
        var best: Int64?
        var lookPast: Int64 = 0
        while let wallTime = Self.nextMatchingWall(fields, after: cursor, until: horizon) {
            if let best, wallTime > wall(of: best) + lookPast { break }
            for instant in instants(ofWall: wallTime, fixedTime: !fields.everyHour) where instant > after {
                if best.map({ instant < $0 }) ?? true {
                    best = instant
                    lookPast = nearTransition(instant) ? margin : 0
                }
            }
            cursor = wallTime
        }
        return best
    }

    /// The instants a matching wall time fires at, under the rules above.
    private func instants(ofWall wallTime: Int64, fixedTime: Bool) -> [Int64] {
        // Offsets in effect well before and well after; a zone changes at most once in 32 hours.
        let early = offset(at: wallTime - 16 * 3600), late = offset(at: wallTime + 16 * 3600)
        // A candidate is real when the offset in effect at it is the one it was computed with.
        let valid = Set([early, late].compactMap { candidate -> Int64? in
            let instant = wallTime - candidate
            return offset(at: instant) == candidate ? instant : nil
        }).sorted()
        if valid.count >= 2 { return fixedTime ? [valid[0]] : valid }
        if let only = valid.first { return [only] }
        // A gap (spring forward): the time does not exist. A fixed time fires when the gap ends.
        guard fixedTime else { return [] }
        return [transition(from: wallTime - early, to: wallTime - late)]
    }

    /// The first instant in `low...high` (either order) whose offset is the later one: the
    /// moment a gap ends.
    private func transition(from a: Int64, to b: Int64) -> Int64 {
        var low = min(a, b), high = max(a, b)
        let target = offset(at: high)
        while low < high {
            let middle = low + (high - low) / 2
            if offset(at: middle) == target { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The first wall time after `cursor` (exclusive) whose fields match, or `nil` past `until`.
    /// Skips a whole month, day, hour or minute at a time when that field does not match.
    static func nextMatchingWall(_ fields: CronFields, after cursor: Int64, until: Int64) -> Int64? {
        var time = cursor + 1
        while time <= until {
            let days = floorDivide(time, 86_400)
            let secondOfDay = time - days * 86_400
            let (year, month, day) = Civil.date(fromDays: days)
            guard fields.month(month) else {
                time = Civil.days(year: month == 12 ? year + 1 : year, month: month == 12 ? 1 : month + 1, day: 1) * 86_400
                continue
            }
            guard fields.day(day, weekday: Civil.weekday(days)) else {
                time = (days + 1) * 86_400
                continue
            }
            let hour = secondOfDay / 3600, minute = secondOfDay / 60 % 60, second = secondOfDay % 60
            guard fields.hour(Int(hour)) else {
                time = days * 86_400 + (hour + 1) * 3600
                continue
            }
            guard fields.minute(Int(minute)) else {
                time = days * 86_400 + hour * 3600 + (minute + 1) * 60
                continue
            }
            guard fields.second(Int(second)) else {
                time += 1
                continue
            }
            return time
        }
        return nil
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let (quotient, remainder) = a.quotientAndRemainder(dividingBy: b)
        return remainder < 0 ? quotient - 1 : quotient
    }
}

/// Proleptic Gregorian dates as days since 1970-01-01 (Howard Hinnant's civil algorithms):
/// integer arithmetic, no calendar object, no time zone.
enum Civil {
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month), d = Int64(day)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func date(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // The values are bounded by the search horizon (years within a few centuries of now).
        return (Int(year), Int(month), Int(day))
    }

    /// 0 = Sunday; 1970-01-01 was a Thursday.
    static func weekday(_ days: Int64) -> Int {
        let remainder = (days + 4) % 7
        return Int(remainder < 0 ? remainder + 7 : remainder)
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

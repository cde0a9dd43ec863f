/// A parsed cron expression: the standard five fields (minute, hour, day of month, month, day
/// of week) with lists, ranges, steps and names (`MON-FRI`, `JAN`), an optional seconds field
/// in front (six fields), the macros `@yearly` `@annually` `@monthly` `@weekly` `@daily`
/// `@midnight` `@hourly`, and `@every <duration>` (whole seconds, aligned to the Unix epoch, so
/// every process computes the same ticks). Pure: ``CronSchedule`` turns it into instants.
///
/// Day of month and day of week follow Vixie cron: when both are restricted (neither starts
/// with `*`), a day matches if either matches; otherwise both must.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// What the expression describes.
    public enum Rule: Sendable, Equatable {
        case calendar(CronFields)
        /// Every this many seconds since the epoch.
        case interval(seconds: Int64)
    }

    /// The text as given (trimmed).
    public let text: String
    public let rule: Rule

    public var description: String { text }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// The longest `@every` interval: a year of seconds, past which "every" stops meaning much.
    public static let longestInterval: Int64 = 366 * 86_400

    public init(_ text: String) throws(ValidationError) {
        let trimmed = text.trimmingWhitespace()
        self.text = trimmed
        let field = "cron expression \"\(trimmed)\""
        if trimmed.hasPrefix("@every") {
            let spec = String(trimmed.dropFirst("@every".count)).trimmingWhitespace()
            let duration = try DurationParsing.parse(spec, field: field, range: .seconds(1)...(.seconds(Self.longestInterval)))
            let (seconds, attoseconds) = duration.components
            guard attoseconds == 0 else {
                throw ValidationError(field: field, value: spec, rule: "@every takes whole seconds", hint: "e.g. @every 10s or @every 5m")
            }
            rule = .interval(seconds: seconds)
            return
        }
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let macro = Self.macros[trimmed.lowercased()] else {
                throw ValidationError(
                    field: field, value: trimmed, rule: "is not a known macro",
                    hint: "use one of \(Self.macros.keys.sorted().joined(separator: ", ")) or @every <duration>")
            }
            expanded = macro
        }
        let parts = expanded.split(whereSeparator: \.isWhitespace).map(String.init)
        let tokens: [String]
        switch parts.count {
        case 5: tokens = ["0"] + parts
        case 6: tokens = parts
        default:
            throw ValidationError(
                field: field, value: "\(parts.count) fields",
                rule: "needs 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first",
                hint: "e.g. \"30 2 * * MON-FRI\"")
        }
        rule = .calendar(try CronFields(tokens, expression: trimmed))
    }
}

/// The six fields of a calendar expression as bit sets (bit n set: value n matches).
public struct CronFields: Sendable, Equatable {
    public var seconds: UInt64
    public var minutes: UInt64
    public var hours: UInt64
    public var daysOfMonth: UInt64
    public var months: UInt64
    /// 0 = Sunday … 6 = Saturday (7 in the text is Sunday too).
    public var daysOfWeek: UInt64
    /// Day of month is restricted (its text does not start with `*`).
    public var dayOfMonthRestricted: Bool
    public var dayOfWeekRestricted: Bool
    /// The hour field starts with `*`: the schedule follows real time through daylight-saving
    /// changes (see ``CronSchedule``), rather than a fixed time of day.
    public var everyHour: Bool

    /// One field's name, range and the names it accepts.
    struct FieldSpec {
        var name: String
        var range: ClosedRange<Int>
        var names: [String] = []
        /// Names start at this value (JAN = 1, SUN = 0).
        var firstNamed = 0
        /// Where `*` and `N/STEP` end: day of week accepts 7 (Sunday) as a value, but a step
        /// runs to Saturday, as croniter and most crons count (`1/3` is MON, THU).
        var openEnd: Int? = nil
    }

    static let specs = [
        FieldSpec(name: "second", range: 0...59), FieldSpec(name: "minute", range: 0...59), FieldSpec(name: "hour", range: 0...23),
        FieldSpec(name: "day-of-month", range: 1...31),
        FieldSpec(name: "month", range: 1...12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], firstNamed: 1),
        FieldSpec(name: "day-of-week", range: 0...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], openEnd: 6),
    ]

    init(_ tokens: [String], expression: String) throws(ValidationError) {
        var sets: [UInt64] = []
        for (token, spec) in zip(tokens, Self.specs) {
            sets.append(try Self.parse(token, spec, expression: expression))
        }
        seconds = sets[0]; minutes = sets[1]; hours = sets[2]; daysOfMonth = sets[3]; months = sets[4]
        // 7 is Sunday as well as 0.
        daysOfWeek = (sets[5] & 0x7F) | (sets[5] >> 7 & 1)
        dayOfMonthRestricted = !tokens[3].hasPrefix("*")
        dayOfWeekRestricted = !tokens[5].hasPrefix("*")
        everyHour = tokens[2].hasPrefix("*")
    }

    /// One field: a comma-separated list of `*`, `N`, `A-B`, each optionally `/STEP`.
    static func parse(_ token: String, _ spec: FieldSpec, expression: String) throws(ValidationError) -> UInt64 {
        let field = "cron expression \"\(expression)\", \(spec.name) field"
        func refuse(_ value: String, _ rule: String, hint: String? = nil) -> ValidationError {
            ValidationError(field: field, value: value, rule: rule, hint: hint)
        }
        func value(_ text: String) throws(ValidationError) -> Int {
            if let index = spec.names.firstIndex(of: text.uppercased()) { return index + spec.firstNamed }
            guard let number = Int(text), text.allSatisfy(\.isASCII) else {
                let names = spec.names.isEmpty ? "" : " or a name (\(spec.names.first ?? "")…\(spec.names.last ?? ""))"
                throw refuse(text, "is not a number\(names)", hint: text == "?" ? "\"?\" is Quartz syntax; use *" : nil)
            }
            guard spec.range.contains(number) else {
                throw refuse(text, "is out of range \(spec.range.lowerBound)-\(spec.range.upperBound)")
            }
            return number
        }
        var set: UInt64 = 0
        for item in token.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !item.isEmpty else { throw refuse(token, "has an empty list item") }
            let pieces = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed >= 1, parsed <= spec.range.upperBound else {
                    throw refuse(item, "has step \"\(pieces[1])\"; a step is a whole number from 1 to \(spec.range.upperBound)")
                }
                step = parsed
            }
            let base = pieces[0]
            var low = spec.range.lowerBound, high = spec.openEnd ?? spec.range.upperBound
            if base == "*" {
                // the whole range
            } else if let dash = base.firstIndex(of: "-"), dash != base.startIndex {
                low = try value(String(base[..<dash]))
                high = try value(String(base[base.index(after: dash)...]))
                guard low <= high else { throw refuse(item, "is a range that runs backwards", hint: "write the smaller value first") }
            } else {
                low = try value(base)
                // `N/STEP` runs from N to the end of the range, as in Vixie cron.
                if pieces.count == 1 { high = low }
            }
            for bit in stride(from: low, through: high, by: step) { set |= 1 << UInt64(bit) }
        }
        return set
    }

    func second(_ value: Int) -> Bool { seconds >> UInt64(value) & 1 == 1 }
    func minute(_ value: Int) -> Bool { minutes >> UInt64(value) & 1 == 1 }
    func hour(_ value: Int) -> Bool { hours >> UInt64(value) & 1 == 1 }
    func month(_ value: Int) -> Bool { months >> UInt64(value) & 1 == 1 }

    /// Vixie cron's rule: both restricted → either matches; otherwise both.
    func day(_ dayOfMonth: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth >> UInt64(dayOfMonth) & 1 == 1
        let dow = daysOfWeek >> UInt64(weekday) & 1 == 1
        if dayOfMonthRestricted && dayOfWeekRestricted { return dom || dow }
        return dom && dow
    }
}

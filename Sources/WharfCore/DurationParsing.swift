/// Parses human durations as written on command lines and in config files: `250ms`, `30s`,
/// `5m`, `1h30m`, `2d`; a bare number means seconds. Every duration Wharf accepts lies in
/// `0...maximum` (ten years), and each setting may narrow that (a timeout must be positive), so
/// `99999999999d` or `1e300` is a clear error rather than an overflow.
public enum DurationParsing {
    /// The longest duration any setting accepts: 3650 days.
    public static let maximum: Duration = .seconds(3650 * 86_400)
    /// Every accepted duration, zero included.
    public static let anyLength: ClosedRange<Duration> = .zero...maximum
    /// Durations that must be greater than zero (timeouts, intervals): 1 ms and up.
    public static let positive: ClosedRange<Duration> = .milliseconds(1)...maximum

    public static func parse(_ text: String, field: String, range: ClosedRange<Duration> = anyLength) throws(ValidationError) -> Duration {
        let seconds = try parseSeconds(text, field: field)
        return try check(seconds, text: text, field: field, range: range)
    }

    /// A number of seconds (JSON numbers, `delay_seconds`) checked against `range`.
    public static func check(seconds: Double, field: String, range: ClosedRange<Duration> = anyLength) throws(ValidationError) -> Duration {
        try check(seconds, text: "\(seconds)", field: field, range: range)
    }

    private static func check(_ seconds: Double, text: String, field: String, range: ClosedRange<Duration>) throws(ValidationError) -> Duration {
        guard seconds.isFinite, seconds >= 0 else {
            throw ValidationError(field: field, value: text, rule: "must be a finite, non-negative duration")
        }
        // Compare in floating point first: the value may be far outside any Duration.
        guard seconds <= range.upperBound.wharfSeconds else {
            throw ValidationError(field: field, value: text, rule: "is longer than the \(describe(range.upperBound)) limit")
        }
        let duration = Duration.saturating(seconds: seconds)
        guard duration >= range.lowerBound else {
            let rule = range.lowerBound == positive.lowerBound ? "must be greater than zero" : "is shorter than the \(describe(range.lowerBound)) minimum"
            throw ValidationError(field: field, value: text, rule: rule)
        }
        return duration
    }

    private static func parseSeconds(_ text: String, field: String) throws(ValidationError) -> Double {
        let trimmed = text.trimmingWhitespace()
        let hint = "write it like 250ms, 30s, 5m, 1h30m or 2d"
        guard !trimmed.isEmpty else {
            throw ValidationError(field: field, value: text, rule: "is empty", hint: hint)
        }
        if let seconds = Double(trimmed) {
            guard seconds >= 0, seconds.isFinite else {
                throw ValidationError(field: field, value: text, rule: "must be a finite, non-negative number of seconds")
            }
            return seconds
        }
        var total = 0.0
        var number = ""
        var unit = ""
        func flush() throws(ValidationError) {
            guard let value = Double(number) else {
                throw ValidationError(field: field, value: text, rule: "has a unit without a number before it", hint: hint)
            }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86_400
            default:
                throw ValidationError(field: field, value: text, rule: "has unknown unit \"\(unit)\"", hint: hint)
            }
            total += value * scale
            number = ""
            unit = ""
        }
        for character in trimmed {
            if character.isASCII && (character.isNumber || character == ".") {
                if !unit.isEmpty { try flush() }
                number.append(character)
            } else if character.isASCII && character.isLetter {
                unit.append(character)
            } else {
                throw ValidationError(field: field, value: text, rule: "contains \"\(character)\"", hint: hint)
            }
        }
        if unit.isEmpty {
            throw ValidationError(field: field, value: text, rule: "ends without a unit", hint: hint)
        }
        try flush()
        return total
    }

    /// `3650d`, `1ms`, `1s`: the shortest exact form, for messages. Without `days`, hours are
    /// the largest unit (`24h`, as people write a retention).
    public static func describe(_ duration: Duration, days: Bool = true) -> String {
        let micros = duration.wharfMicroseconds
        for (unit, size) in [("d", Int64(86_400_000_000)), ("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000), ("ms", 1000)]
        where micros != 0 && micros % size == 0 && (days || unit != "d") {
            return "\(micros / size)\(unit)"
        }
        return "\(duration)"
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

/// Parses human durations as written on command lines and in config files: `250ms`, `30s`,
/// `5m`, `1h30m`, `2d`; a bare number means seconds.
public enum DurationParsing {
    public static func parse(_ text: String, field: String) throws(ValidationError) -> Duration {
        let trimmed = text.trimmingWhitespace()
        let hint = "write it like 250ms, 30s, 5m, 1h30m or 2d"
        guard !trimmed.isEmpty else {
            throw ValidationError(field: field, value: text, rule: "is empty", hint: hint)
        }
        if let seconds = Double(trimmed) {
            guard seconds >= 0, seconds.isFinite else {
                throw ValidationError(field: field, value: text, rule: "must be a non-negative number of seconds")
            }
            return .microseconds(Int64((seconds * 1_000_000).rounded()))
        }
        var total: Duration = .zero
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
            total += .microseconds(Int64((value * scale * 1_000_000).rounded()))
            number = ""
            unit = ""
        }
        for character in trimmed {
            if character.isNumber || character == "." {
                if !unit.isEmpty { try flush() }
                number.append(character)
            } else if character.isLetter {
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
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

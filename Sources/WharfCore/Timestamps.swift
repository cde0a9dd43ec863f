public import Foundation

/// The instants Wharf accepts for a job's `run_at`, at every door (SQL function, CLI, API) and
/// in the `jobs_run_at_range` CHECK constraint: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
/// Outside that range lie the values that break arithmetic downstream (`-infinity`, Go's zero
/// time 0001-01-01, dates before the proleptic Gregorian switch) and that no real schedule needs:
/// a time in the past already means "as soon as possible".
public enum Timestamps {
    public static let earliest = Date(timeIntervalSince1970: 0)
    /// 9999-12-31T23:59:59Z.
    public static let latest = Date(timeIntervalSince1970: 253_402_300_799)
    public static let rangeText = "1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"

    /// `date` if it lies in the accepted range.
    public static func check(_ date: Date, field: String) throws(ValidationError) -> Date {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, date >= earliest, date <= latest else {
            throw ValidationError(
                field: field, value: describe(date), rule: "is outside the accepted range \(rangeText)",
                hint: "a time in the past runs the job at once: use the current time, or omit it")
        }
        return date
    }

    /// Parses an ISO 8601 instant with a zone (`2026-12-01T09:00:00Z`, `…T09:00:00.250+01:00`)
    /// and checks its range.
    public static func parse(_ text: String, field: String) throws(ValidationError) -> Date {
        let trimmed = text.trimmingWhitespace()
        let parsed =
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(trimmed))
            ?? (try? Date.ISO8601FormatStyle().parse(trimmed))
        guard let parsed else {
            throw ValidationError(field: field, value: text, rule: "is not an ISO 8601 instant", hint: "for example 2026-12-01T09:00:00Z")
        }
        return try check(parsed, field: field)
    }

    /// How far before 1970 an instant is still printed as ISO 8601 (back to year 1); older ones
    /// print as seconds from 1970.
    static let formattableMargin: TimeInterval = 62_135_596_800

    /// An instant for messages and JSON, whatever its value: ISO 8601 from year 1 to 9999,
    /// otherwise seconds from 1970 (PostgreSQL's `-infinity` arrives as about -9.2e12).
    public static func describe(_ date: Date, fractionalSeconds: Bool = false) -> String {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite else { return seconds > 0 ? "infinity" : "-infinity" }
        guard seconds >= -formattableMargin, date <= latest else { return "\(seconds) seconds from 1970" }
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: fractionalSeconds))
    }
}

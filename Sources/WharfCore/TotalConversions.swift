/// Conversions from floating point that cannot trap. `Int64(x)` traps when `x` is NaN, infinite
/// or out of range, and values computed from database rows (an age of `-infinity`, a job from
/// year 1) or from users (`1e300` seconds) can be all three. Every floating-to-integer
/// conversion in Wharf goes through these (a lint test checks the sources).
extension FixedWidthInteger {
    /// `value` rounded to the nearest integer, clamped to `min...max`; NaN becomes zero.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
            return
        }
        let rounded = value.rounded()
        // Double(Self.max) may round up past max (2^63 for Int64), so compare with >= and
        // take max; below that bound every Double is exactly representable as Self.
        if rounded >= Double(Self.max) {
            self = .max
        } else if rounded <= Double(Self.min) {
            self = .min
        } else {
            self = Self(rounded)  // safe: strictly inside min...max and not NaN
        }
    }
}

extension Duration {
    /// `seconds` as a duration with microsecond resolution, clamped to about ±292,000 years
    /// (the Int64 microsecond range); NaN becomes zero.
    public static func saturating(seconds: Double) -> Duration {
        .microseconds(Int64(saturating: seconds * 1_000_000))
    }

    /// The duration in seconds as a Double (loses precision past 2^53 attoseconds; exact enough
    /// for metrics and comparisons).
    public var wharfSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// Whole microseconds, clamped to the Int64 range (the unit the SQL multiplies by
    /// `interval '1 microsecond'`).
    public var wharfMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return total
    }
}

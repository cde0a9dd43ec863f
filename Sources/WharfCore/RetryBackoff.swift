/// Exponential backoff for reconnect-style loops (claims, outcome writes, registration, the
/// notification listener): 100 ms, doubling, at most 5 s; back to the start after a success.
public struct RetryBackoff: Sendable, Equatable {
    public static let initial: Duration = .milliseconds(100)
    public static let cap: Duration = .seconds(5)
    /// The delay the next ``next()`` returns.
    public private(set) var upcoming: Duration = initial

    public init() {}

    public mutating func next() -> Duration {
        defer { upcoming = min(upcoming * 2, Self.cap) }
        return upcoming
    }

    public mutating func reset() { upcoming = Self.initial }
}

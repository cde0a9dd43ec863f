/// How long to wait before the next attempt of a failed job, and when to give up.
///
/// The delay before attempt `n + 1` is drawn from `[0, min(cap, base · 2^(n-1))]` ("full
/// jitter"). Full jitter needs no memory of the previous delay, so it can be computed from the
/// job row alone, and it spreads a burst of failures (a downstream outage) most evenly over time:
/// retries do not arrive in synchronized waves. Its expected delay is half the exponential one;
/// choose `base` with that in mind.
public struct RetryPolicy: Sendable, Equatable {
    /// Jitter applied to the exponential delay.
    public enum Jitter: String, Sendable, Equatable, CaseIterable {
        /// Uniform in `[0, exponential]` (the default).
        case full
        /// The exponential delay exactly; for tests and for callers who want predictable timing.
        case none
    }

    /// Delay scale for the first retry. Default 1 s.
    public var base: Duration
    /// Upper bound of any single delay. Default 1 hour.
    public var cap: Duration
    /// When set, a ceiling on attempts for jobs this policy covers, below the job's own
    /// `max_attempts`. Default `nil`: the job's `max_attempts` decides.
    public var maxAttempts: Int?
    public var jitter: Jitter

    public static let defaultBase: Duration = .seconds(1)
    public static let defaultCap: Duration = .seconds(3600)

    public init(base: Duration = defaultBase, cap: Duration = defaultCap, maxAttempts: Int? = nil, jitter: Jitter = .full)
        throws(ValidationError)
    {
        if let first = Self.problems(base: base, cap: cap, maxAttempts: maxAttempts).first { throw first }
        self.base = base; self.cap = cap; self.maxAttempts = maxAttempts; self.jitter = jitter
    }

    /// Every rule these values break, not just the first (a config file reports them all).
    public static func problems(base: Duration, cap: Duration, maxAttempts: Int?) -> [ValidationError] {
        var problems: [ValidationError] = []
        if !DurationParsing.positive.contains(base) {
            problems.append(ValidationError(field: "retry.base", value: "\(base)", rule: "must be from 1ms to \(DurationParsing.describe(DurationParsing.maximum))"))
        }
        if !DurationParsing.positive.contains(cap) {
            problems.append(ValidationError(field: "retry.cap", value: "\(cap)", rule: "must be from 1ms to \(DurationParsing.describe(DurationParsing.maximum))"))
        } else if cap < base {
            problems.append(ValidationError(field: "retry.cap", value: "\(cap)", rule: "must be at least retry.base (\(base))"))
        }
        if let maxAttempts, !EnqueueOptions.maxAttemptsRange.contains(maxAttempts) {
            problems.append(ValidationError(field: "retry.max_attempts", value: String(maxAttempts), rule: "must be between 1 and 1000"))
        }
        return problems
    }

    /// 1 s base, 1 h cap, full jitter, the job's own max attempts.
    public static let `default` = RetryPolicy(uncheckedBase: defaultBase, cap: defaultCap, maxAttempts: nil, jitter: .full)

    /// Exponential backoff with full jitter.
    public static func exponential(base: Duration = defaultBase, cap: Duration = defaultCap, maxAttempts: Int? = nil)
        throws(ValidationError) -> RetryPolicy
    {
        try RetryPolicy(base: base, cap: cap, maxAttempts: maxAttempts, jitter: .full)
    }

    private init(uncheckedBase base: Duration, cap: Duration, maxAttempts: Int?, jitter: Jitter) {
        self.base = base; self.cap = cap; self.maxAttempts = maxAttempts; self.jitter = jitter
    }

    /// The delay after failed attempt `attempt` (1-based). `random` is a number in `[0, 1)`
    /// supplied by the caller, so tests can pin it.
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        let exponent = max(0, min(attempt - 1, 62))
        let baseSeconds = base.wharfSeconds
        let capSeconds = cap.wharfSeconds
        // Compare in floating point so 2^exponent cannot overflow a Duration.
        let exponential = min(capSeconds, baseSeconds * pow2(exponent))
        let seconds: Double =
            switch jitter {
            case .full: exponential * min(max(random, 0), 1)
            case .none: exponential
            }
        return .saturating(seconds: seconds)
    }

    /// The attempts a job may use under this policy.
    public func effectiveMaxAttempts(jobMaxAttempts: Int) -> Int {
        min(jobMaxAttempts, maxAttempts ?? jobMaxAttempts)
    }

    private func pow2(_ n: Int) -> Double { Double(sign: .plus, exponent: n, significand: 1) }
}

/// Retry policies by job kind and by queue. The most specific wins: kind, then queue, then the
/// default.
public struct RetryPolicies: Sendable, Equatable {
    public var `default`: RetryPolicy
    public var byQueue: [QueueName: RetryPolicy]
    public var byKind: [JobKind: RetryPolicy]

    public init(default: RetryPolicy = .default, byQueue: [QueueName: RetryPolicy] = [:], byKind: [JobKind: RetryPolicy] = [:]) {
        self.default = `default`; self.byQueue = byQueue; self.byKind = byKind
    }

    public func policy(queue: QueueName, kind: JobKind) -> RetryPolicy {
        byKind[kind] ?? byQueue[queue] ?? self.default
    }
}

/// How an attempt failed, as reported by whatever ran the job.
public struct Failure: Sendable, Equatable {
    /// Whether another attempt could succeed.
    public enum Retryability: String, Sendable, Equatable {
        /// Might work next time: retry with backoff while attempts remain.
        case transient
        /// Will never work (bad payload, 4xx from a webhook): dead-letter now.
        case permanent
    }

    public var message: String
    public var retryability: Retryability
    /// A delay the job asked for (a `Retry-After` header, an exit code's contract). Overrides
    /// the backoff for this retry only; still capped by the policy's cap.
    public var retryAfter: Duration?

    /// Longest error text stored per attempt: the tail is kept, since that is where the cause is.
    public static let maxMessageLength = 4096

    public init(message: String, retryability: Retryability = .transient, retryAfter: Duration? = nil) {
        self.message = message.count > Self.maxMessageLength
            ? "…" + String(message.suffix(Self.maxMessageLength - 1)) : message
        self.retryability = retryability
        self.retryAfter = retryAfter
    }

    public static func transient(_ message: String, retryAfter: Duration? = nil) -> Failure {
        Failure(message: message, retryability: .transient, retryAfter: retryAfter)
    }

    public static func permanent(_ message: String) -> Failure {
        Failure(message: message, retryability: .permanent)
    }
}

/// What to do with a job whose attempt failed.
public enum FailureDecision: Equatable, Sendable {
    /// Make it available again after `delay` (measured on the database clock).
    case retry(after: Duration)
    /// Move it to the dead-letter table.
    case deadLetter(DeathReason)

    /// Decides from the attempt that just failed (1-based), the job's max attempts and the
    /// policy. `random` in `[0, 1)` drives the jitter.
    public static func decide(
        _ failure: Failure, attempt: Int, jobMaxAttempts: Int, policy: RetryPolicy, random: Double
    ) -> FailureDecision {
        if failure.retryability == .permanent { return .deadLetter(.permanentFailure) }
        if attempt >= policy.effectiveMaxAttempts(jobMaxAttempts: jobMaxAttempts) {
            return .deadLetter(.maxAttemptsExhausted)
        }
        if let asked = failure.retryAfter {
            return .retry(after: min(max(asked, .zero), policy.cap))
        }
        return .retry(after: policy.delay(afterAttempt: attempt, random: random))
    }
}

import Testing
import WharfCore

@Suite("Retry policy and failure decisions")
struct RetryPolicyTests {
    @Test(
        "without jitter the delay doubles from base and stops at cap",
        arguments: [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 16.0), (6, 30.0), (50, 30.0), (10_000, 30.0)])
    func delayDoublesUpToCap(attempt: Int, seconds: Double) throws {
        let policy = try RetryPolicy(base: .seconds(1), cap: .seconds(30), jitter: .none)
        #expect(policy.delay(afterAttempt: attempt, random: 0.123) == .seconds(seconds))
    }

    @Test(
        "full jitter scales the exponential delay by the random draw",
        arguments: [(0.0, 0.0), (0.25, 1.0), (0.5, 2.0), (0.999, 3.996)])
    func fullJitterScalesByRandom(random: Double, seconds: Double) throws {
        let policy = try RetryPolicy(base: .seconds(1), cap: .seconds(30), jitter: .full)
        #expect(policy.delay(afterAttempt: 3, random: random) == .microseconds(Int64(seconds * 1_000_000)))
    }

    @Test("full jitter never exceeds the cap, whatever the attempt")
    func fullJitterNeverExceedsCap() throws {
        let policy = try RetryPolicy.exponential(base: .milliseconds(100), cap: .seconds(5))
        for attempt in 1...200 {
            let delay = policy.delay(afterAttempt: attempt, random: 0.9999)
            #expect(delay <= .seconds(5))
            #expect(delay >= .zero)
        }
    }

    @Test("invalid policies are rejected with the field named")
    func invalidPoliciesAreRejected() {
        #expect(throws: ValidationError.self) { try RetryPolicy(base: .zero) }
        #expect {
            try RetryPolicy(base: .seconds(10), cap: .seconds(1))
        } throws: { ($0 as? ValidationError)?.field == "retry.cap" }
        #expect {
            try RetryPolicy(maxAttempts: 0)
        } throws: { ($0 as? ValidationError)?.field == "retry.max_attempts" }
    }

    @Test("a transient failure with attempts left is retried after the backoff")
    func transientFailureIsRetried() throws {
        let policy = try RetryPolicy(base: .seconds(2), cap: .seconds(60), jitter: .none)
        let decision = FailureDecision.decide(.transient("boom"), attempt: 2, jobMaxAttempts: 5, policy: policy, random: 0.5)
        #expect(decision == .retry(after: .seconds(4)))
    }

    @Test("the last attempt's failure dead-letters the job")
    func lastAttemptDeadLetters() {
        let decision = FailureDecision.decide(.transient("boom"), attempt: 5, jobMaxAttempts: 5, policy: .default, random: 0.5)
        #expect(decision == .deadLetter(.maxAttemptsExhausted))
    }

    @Test("a permanent failure dead-letters at once, even on the first attempt")
    func permanentFailureDeadLettersAtOnce() {
        let decision = FailureDecision.decide(.permanent("bad payload"), attempt: 1, jobMaxAttempts: 20, policy: .default, random: 0.5)
        #expect(decision == .deadLetter(.permanentFailure))
    }

    @Test("a policy's max attempts caps the job's own")
    func policyMaxAttemptsCapsTheJob() throws {
        let policy = try RetryPolicy(maxAttempts: 3)
        #expect(FailureDecision.decide(.transient("x"), attempt: 3, jobMaxAttempts: 20, policy: policy, random: 0) == .deadLetter(.maxAttemptsExhausted))
        #expect(policy.effectiveMaxAttempts(jobMaxAttempts: 2) == 2)
    }

    @Test("a requested retry delay replaces the backoff but stays under the cap")
    func requestedDelayIsCapped() throws {
        let policy = try RetryPolicy(base: .seconds(1), cap: .seconds(10), jitter: .none)
        #expect(FailureDecision.decide(.transient("429", retryAfter: .seconds(7)), attempt: 1, jobMaxAttempts: 5, policy: policy, random: 0) == .retry(after: .seconds(7)))
        #expect(FailureDecision.decide(.transient("429", retryAfter: .seconds(700)), attempt: 1, jobMaxAttempts: 5, policy: policy, random: 0) == .retry(after: .seconds(10)))
    }

    @Test("long failure messages keep their tail")
    func longMessagesKeepTheirTail() {
        let message = String(repeating: "a", count: 10_000) + "THE CAUSE"
        let failure = Failure.transient(message)
        #expect(failure.message.count == Failure.maxMessageLength)
        #expect(failure.message.hasSuffix("THE CAUSE"))
    }

    @Test("the most specific policy wins: kind, then queue, then default")
    func mostSpecificPolicyWins() throws {
        let byKind = try RetryPolicy(base: .seconds(3))
        let byQueue = try RetryPolicy(base: .seconds(2))
        let queue = try QueueName("mail"), kind = try JobKind("email.send")
        let policies = RetryPolicies(byQueue: [queue: byQueue], byKind: [kind: byKind])
        #expect(policies.policy(queue: queue, kind: kind) == byKind)
        #expect(policies.policy(queue: queue, kind: try JobKind("other")) == byQueue)
        #expect(policies.policy(queue: .default, kind: try JobKind("other")) == .default)
    }
}

@Suite("Reconnect backoff")
struct RetryBackoffTests {
    @Test("100 ms, doubling, capped at 5 s; reset starts over")
    func doublesToTheCap() {
        var backoff = RetryBackoff()
        let delays = (0..<8).map { _ in backoff.next() }
        #expect(delays == [100, 200, 400, 800, 1600, 3200, 5000, 5000].map { Duration.milliseconds($0) })
        backoff.reset()
        #expect(backoff.next() == .milliseconds(100))
    }
}

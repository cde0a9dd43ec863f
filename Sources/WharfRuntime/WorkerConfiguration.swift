public import WharfCore

/// Everything a worker process needs to know besides its handlers. Every interval is a
/// `Duration`; defaults sit next to each field. Check with ``validate()`` once at startup.
public struct WorkerConfiguration: Sendable, Equatable {
    /// One queue this process claims from and how many of its jobs may run at once.
    public struct QueueSettings: Sendable, Equatable {
        public var name: QueueName
        /// Concurrent jobs of this queue in this process. Default 10.
        public var concurrency: Int
        public static let defaultConcurrency = 10
        public init(name: QueueName, concurrency: Int = defaultConcurrency) {
            self.name = name; self.concurrency = concurrency
        }
    }

    /// Identifies this process in leases, logs and the `workers` table. Default host:pid:random.
    public var workerID: WorkerID
    public var queues: [QueueSettings]
    /// How long a claimed job is leased before another worker may take it over. Default 30 s.
    public var leaseTTL: Duration = defaultLeaseTTL
    /// How often leases and the worker's heartbeat are renewed. Must be well inside the lease
    /// TTL (at most a third of it). Default 10 s.
    public var heartbeatInterval: Duration = defaultHeartbeatInterval
    /// Claim attempt interval when no notification arrives: bounds the delay for a lost
    /// notification or a job scheduled for later. Default 1 s.
    public var pollInterval: Duration = defaultPollInterval
    /// On shutdown, how long running jobs may take to finish before they are handed back.
    /// Default 25 s (systemd's default stop timeout is 90 s).
    public var gracePeriod: Duration = defaultGracePeriod
    /// How often the maintenance leader reclaims expired leases and prunes dead workers. Default 5 s.
    public var reaperInterval: Duration = defaultReaperInterval
    /// A worker row whose heartbeat is older than this is removed. Default 3 × lease TTL.
    public var staleWorkerAfter: Duration?
    /// Longest a single database call (claim, outcome write, lease renewal) may take before it
    /// is abandoned and retried. Default 15 s, and at most half the lease TTL is sensible.
    public var storeCallTimeout: Duration = defaultStoreCallTimeout
    /// How long completed and cancelled jobs are kept before the maintenance leader deletes
    /// them; `nil` keeps them forever. Dead jobs are never deleted automatically. Default 24 h.
    public var retention: Duration? = defaultRetention
    /// Most completions written in one statement. Default 500.
    public var completionBatchSize: Int = defaultCompletionBatchSize
    /// Retry policies by kind and queue.
    public var retry: RetryPolicies = RetryPolicies()
    /// The cron schedules this process defines, synced at startup as the schedules of
    /// `deployment` (added, updated, and those no longer listed removed); `nil` leaves them as
    /// they are. Schedules of another source or deployment are never touched.
    public var schedules: [ScheduleDefinition]?
    /// Snoozes a job may take (``HandlerOutcome/snooze(for:)``); the next one counts as a failed
    /// attempt, so a handler cannot put a job off forever. Default 100.
    public var maxSnoozes: Int = defaultMaxSnoozes
    /// Names the set `schedules` belongs to, so two services sharing a database keep theirs
    /// apart. Default "default".
    public var deployment: String = defaultDeployment
    /// Which writes wait for the disk (``CommitWait``). Default `.enqueues`.
    public var commitWait: CommitWait = .enqueues

    /// Which commits wait for PostgreSQL's WAL flush. An enqueue must survive a database crash:
    /// nothing else holds the job. A claim, an outcome or a lease renewal lost to a crash only
    /// makes a job run again, which the fence and at-least-once already allow for; not waiting
    /// for the disk (`synchronous_commit = off`) makes each of them cheaper.
    public enum CommitWait: String, Sendable, CaseIterable {
        /// Enqueues, schedule fires and operator actions wait; claims, outcomes, lease renewals,
        /// lease reclaims and pruning do not (their own connection pool, `synchronous_commit = off`).
        case enqueues
        /// Every write waits (one pool, the server's `synchronous_commit`).
        case all
    }

    public static let defaultLeaseTTL: Duration = .seconds(30)
    public static let defaultHeartbeatInterval: Duration = .seconds(10)
    public static let defaultPollInterval: Duration = .seconds(1)
    public static let defaultGracePeriod: Duration = .seconds(25)
    public static let defaultReaperInterval: Duration = .seconds(5)
    public static let defaultStoreCallTimeout: Duration = .seconds(15)
    public static let defaultRetention: Duration = .seconds(86_400)
    public static let defaultCompletionBatchSize = 500
    public static let defaultDeployment = "default"
    public static let defaultMaxSnoozes = 100

    public init(workerID: WorkerID, queues: [QueueSettings]) {
        self.workerID = workerID
        self.queues = queues
    }

    /// What a duration setting of this name accepts when parsed: zero and up for the grace
    /// period, otherwise greater than zero; ``validate()`` adds the rules between settings.
    public static func durationRange(_ key: String) -> ClosedRange<Duration> {
        key == "grace_period" ? DurationParsing.anyLength : DurationParsing.positive
    }

    public var effectiveStaleWorkerAfter: Duration { staleWorkerAfter ?? leaseTTL * 3 }
    public var totalConcurrency: Int { queues.reduce(0) { $0 + $1.concurrency } }

    /// Every problem at once, each naming its setting, so an operator fixes them in one go.
    public func validate() -> [String] {
        var problems: [String] = []
        if queues.isEmpty { problems.append("queues: no queue configured; name at least one, e.g. default=10") }
        var seen = Set<QueueName>()
        for queue in queues {
            if !seen.insert(queue.name).inserted { problems.append("queues.\(queue.name): listed twice") }
            if !(1...10_000).contains(queue.concurrency) {
                problems.append("queues.\(queue.name).concurrency: \(queue.concurrency) is out of range 1-10000")
            }
        }
        if leaseTTL < .seconds(1) { problems.append("lease_ttl: \(leaseTTL) is below the 1s minimum") }
        if heartbeatInterval <= .zero { problems.append("heartbeat_interval: must be positive") }
        if heartbeatInterval * 3 > leaseTTL {
            problems.append("heartbeat_interval: \(heartbeatInterval) must be at most a third of lease_ttl (\(leaseTTL)), so one late heartbeat never loses a lease")
        }
        if pollInterval < .milliseconds(10) { problems.append("poll_interval: \(pollInterval) is below the 10ms minimum") }
        if gracePeriod < .zero { problems.append("grace_period: must not be negative") }
        if reaperInterval <= .zero || reaperInterval >= leaseTTL {
            problems.append("reaper_interval: \(reaperInterval) must be positive and below lease_ttl (\(leaseTTL)), so a dead leader is replaced within one lease TTL")
        }
        if let retention, retention < .seconds(1) { problems.append("retention: \(retention) is below the 1s minimum (use \"forever\" to keep finished jobs)") }
        if storeCallTimeout < .milliseconds(100) { problems.append("store_call_timeout: \(storeCallTimeout) is below the 100ms minimum") }
        if !(1...10_000).contains(completionBatchSize) { problems.append("completion_batch_size: \(completionBatchSize) is out of range 1-10000") }
        if !(1...100_000).contains(maxSnoozes) { problems.append("max_snoozes: \(maxSnoozes) is out of range 1-100000") }
        do { try ScheduleDefinition.checkDeployment(deployment) } catch { problems.append("deployment: \(error)") }
        var names = Set<String>()
        for schedule in schedules ?? [] where !names.insert(schedule.name).inserted {
            problems.append("schedules.\(schedule.name): defined twice; schedule names are unique")
        }
        return problems
    }
}

/// One metric Wharf exports: its Prometheus name, help text, type, labels and (for histograms)
/// bucket bounds in base units.
public struct MetricDescriptor: Sendable, Equatable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }
    public let name: String
    public let help: String
    public let kind: Kind
    public let labels: [String]
    public let buckets: [Double]

    init(_ name: String, _ kind: Kind, labels: [String] = [], buckets: [Double] = [], help: String) {
        self.name = name; self.kind = kind; self.labels = labels; self.buckets = buckets; self.help = help
    }
}

/// Every metric Wharf exports, in one place: the runtime records them by these names through
/// swift-metrics, the Prometheus adapter takes help texts and buckets from here, and the README
/// table is checked against it. Names follow Prometheus conventions: `wharf_` prefix, base
/// units, `_total` counters. Labels are bounded (queue, kind, state, reason, operation), never
/// a job id.
public enum MetricCatalog {
    static let jobLabels = ["queue", "kind"]
    /// Seconds: 1 ms to 1 h.
    static let jobSecondsBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]
    static let storeSecondsBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15]

    public static let jobsEnqueued = MetricDescriptor("wharf_jobs_enqueued_total", .counter, labels: jobLabels,
        help: "Jobs enqueued through this process's HTTP API; see wharf_jobs_inserted_total for all paths.")
    public static let jobsInserted = MetricDescriptor("wharf_jobs_inserted_total", .counter,
        help: "Rows inserted into the job table by any path (SQL function, API, CLI, dead-job retries), database-wide, from pg_stat_user_tables.")
    public static let jobsStarted = MetricDescriptor("wharf_jobs_started_total", .counter, labels: jobLabels,
        help: "Job runs started (claimed) by this process.")
    public static let jobsCompleted = MetricDescriptor("wharf_jobs_completed_total", .counter, labels: jobLabels,
        help: "Job runs that succeeded and were recorded as completed.")
    public static let jobsFailed = MetricDescriptor("wharf_jobs_failed_total", .counter, labels: jobLabels + ["reason"],
        help: "Failed job runs by reason class: error, timeout, permanent, no_handler, lease_expired.")
    public static let jobsRetried = MetricDescriptor("wharf_jobs_retried_total", .counter, labels: jobLabels,
        help: "Failed runs rescheduled for another attempt after a backoff.")
    public static let jobsDeadLettered = MetricDescriptor("wharf_jobs_dead_lettered_total", .counter, labels: jobLabels,
        help: "Jobs moved to the dead-letter table.")
    public static let jobsReclaimed = MetricDescriptor("wharf_jobs_reclaimed_total", .counter, labels: jobLabels,
        help: "Running jobs taken back from a worker whose lease expired (counted by the maintenance leader).")
    public static let jobsCancelled = MetricDescriptor("wharf_jobs_cancelled_total", .counter, labels: jobLabels,
        help: "Jobs cancelled through this process's HTTP API.")
    public static let jobsReleased = MetricDescriptor("wharf_jobs_released_total", .counter, labels: jobLabels,
        help: "Running jobs handed back without using an attempt at shutdown.")
    public static let jobsSnoozed = MetricDescriptor("wharf_jobs_snoozed_total", .counter, labels: jobLabels,
        help: "Runs whose handler said \"not yet\": put back for later without using an attempt.")
    public static let jobsLeaseLost = MetricDescriptor("wharf_jobs_lease_lost_total", .counter, labels: jobLabels,
        help: "Job results discarded because the run had lost its lease (another worker took the job over).")
    public static let deadJobsRetried = MetricDescriptor("wharf_dead_jobs_retried_total", .counter, labels: ["queue"],
        help: "Dead jobs moved back to the job table through this process's HTTP API.")
    public static let jobRunDuration = MetricDescriptor("wharf_job_run_duration_seconds", .histogram, labels: jobLabels, buckets: jobSecondsBuckets,
        help: "Time a job's handler ran, per run.")
    public static let jobWaitDuration = MetricDescriptor("wharf_job_wait_duration_seconds", .histogram, labels: jobLabels, buckets: jobSecondsBuckets,
        help: "Time from when a job became due (run_at) to its start, per run.")
    public static let queueJobs = MetricDescriptor("wharf_queue_jobs", .gauge, labels: ["queue", "state"],
        help: "Jobs per queue and state (available, scheduled, running), sampled from the database.")
    public static let queueOldestAge = MetricDescriptor("wharf_queue_oldest_available_age_seconds", .gauge, labels: ["queue"],
        help: "Seconds the oldest due, unclaimed job of the queue has been waiting; 0 when none waits.")
    public static let queuePaused = MetricDescriptor("wharf_queue_paused", .gauge, labels: ["queue"],
        help: "1 when the queue is paused (not claimed from), else 0.")
    public static let deadJobs = MetricDescriptor("wharf_dead_jobs", .gauge, labels: ["queue"],
        help: "Jobs in the dead-letter table per queue, sampled from the database.")
    public static let workersAlive = MetricDescriptor("wharf_workers", .gauge,
        help: "Worker processes registered in the database (rows are pruned when heartbeats stop).")
    public static let workerRunningJobs = MetricDescriptor("wharf_worker_running_jobs", .gauge, labels: ["queue"],
        help: "Jobs this process is running now.")
    public static let workerConcurrency = MetricDescriptor("wharf_worker_concurrency", .gauge, labels: ["queue"],
        help: "Jobs this process may run at once (configured concurrency).")
    public static let dbPoolConnections = MetricDescriptor("wharf_db_pool_max_connections", .gauge,
        help: "Most PostgreSQL connections this process's pool opens.")
    public static let storeCallDuration = MetricDescriptor("wharf_store_call_duration_seconds", .histogram, labels: ["operation"], buckets: storeSecondsBuckets,
        help: "Duration of database calls made by the worker runtime, by operation.")
    public static let storeErrors = MetricDescriptor("wharf_store_errors_total", .counter, labels: ["operation"],
        help: "Database calls that failed or timed out, by operation.")
    public static let sampleDuration = MetricDescriptor("wharf_monitoring_sample_duration_seconds", .gauge,
        help: "Duration of the last sampling of queue figures from the database.")
    public static let scheduleTicksFired = MetricDescriptor("wharf_schedule_ticks_fired_total", .counter,
        help: "Cron ticks enqueued as jobs by this process while it led maintenance.")
    public static let scheduleTicksMissed = MetricDescriptor("wharf_schedule_ticks_missed_total", .counter, labels: ["policy"],
        help: "Cron ticks that fell due and were not run, by the schedule's missed-tick policy (skip and latest leave them out; all, beyond its catch-up limit).")
    public static let scheduleLag = MetricDescriptor("wharf_schedule_lag_seconds", .histogram, buckets: jobSecondsBuckets,
        help: "From a cron tick to its job's insert, per fired tick.")
    public static let buildInfo = MetricDescriptor("wharf_build_info", .gauge, labels: ["version"],
        help: "Always 1; the version label says which Wharf build runs.")

    public static let all: [MetricDescriptor] = [
        jobsEnqueued, jobsInserted, jobsStarted, jobsCompleted, jobsFailed, jobsRetried, jobsDeadLettered, jobsReclaimed,
        jobsCancelled, jobsReleased, jobsSnoozed, jobsLeaseLost, deadJobsRetried, jobRunDuration, jobWaitDuration, queueJobs,
        queueOldestAge, queuePaused, deadJobs, workersAlive, workerRunningJobs, workerConcurrency, dbPoolConnections,
        storeCallDuration, storeErrors, sampleDuration, scheduleTicksFired, scheduleTicksMissed, scheduleLag, buildInfo,
    ]

    public static func descriptor(named name: String) -> MetricDescriptor? { byName[name] }
    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}

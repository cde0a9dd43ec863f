public import WharfCore
import Foundation
import Metrics

/// Records Wharf's metrics through swift-metrics, by the names and labels of ``MetricCatalog``.
/// Whatever backend the process bootstraps (Prometheus in `wharf`) receives them; without one
/// they cost nothing.
public enum RuntimeMetrics {
    static func dimensions(_ queue: QueueName, _ kind: JobKind) -> [(String, String)] {
        [("queue", queue.rawValue), ("kind", kind.rawValue)]
    }

    static func count(_ metric: MetricDescriptor, _ queue: QueueName, _ kind: JobKind, by amount: Int = 1, extra: [(String, String)] = []) {
        Counter(label: metric.name, dimensions: dimensions(queue, kind) + extra).increment(by: amount)
    }

    /// Negative, NaN and absurd values (a wait measured from a `run_at` decades ago) are clamped,
    /// never trapped on: the value comes from database rows.
    static func seconds(_ metric: MetricDescriptor, _ dimensions: [(String, String)], _ value: Double) {
        Timer(label: metric.name, dimensions: dimensions).recordNanoseconds(Int64(saturating: max(0, value) * 1e9))
    }

    static func scheduleFired(lag: Double) {
        Counter(label: MetricCatalog.scheduleTicksFired.name).increment()
        seconds(MetricCatalog.scheduleLag, [], lag)
    }

    static func scheduleMissed(_ ticks: Int, policy: MissedTickPolicy) {
        Counter(label: MetricCatalog.scheduleTicksMissed.name, dimensions: [("policy", policy.rawValue)]).increment(by: ticks)
    }

    static func started(_ job: Job) {
        count(MetricCatalog.jobsStarted, job.queue, job.kind)
        if let startedAt = job.startedAt {
            // Both instants come from the database clock, so worker clock skew does not enter.
            seconds(MetricCatalog.jobWaitDuration, dimensions(job.queue, job.kind), startedAt.timeIntervalSince(job.runAt))
        }
    }

    static func ran(_ job: Job, for duration: Duration) {
        seconds(MetricCatalog.jobRunDuration, dimensions(job.queue, job.kind), duration.wharfSeconds)
    }

    static func completed(_ job: Job) { count(MetricCatalog.jobsCompleted, job.queue, job.kind) }
    static func released(_ job: Job) { count(MetricCatalog.jobsReleased, job.queue, job.kind) }
    static func snoozed(_ job: Job) { count(MetricCatalog.jobsSnoozed, job.queue, job.kind) }
    static func leaseLost(_ job: Job) { count(MetricCatalog.jobsLeaseLost, job.queue, job.kind) }

    static func failed(_ queue: QueueName, _ kind: JobKind, reason: FailureReason, deadLettered: Bool) {
        count(MetricCatalog.jobsFailed, queue, kind, extra: [("reason", reason.rawValue)])
        count(deadLettered ? MetricCatalog.jobsDeadLettered : MetricCatalog.jobsRetried, queue, kind)
    }

    static func reclaimed(_ job: ReclaimedJob) {
        count(MetricCatalog.jobsReclaimed, job.queue, job.kind)
        failed(job.queue, job.kind, reason: .leaseExpired, deadLettered: job.deadLettered)
    }

    /// Jobs enqueued by this process (API, CLI).
    public static func enqueued(_ queue: QueueName, _ kind: JobKind) { count(MetricCatalog.jobsEnqueued, queue, kind) }
    /// A job cancelled by this process (API, CLI).
    public static func cancelled(_ job: Job) { count(MetricCatalog.jobsCancelled, job.queue, job.kind) }
    /// Dead jobs moved back by this process (API, CLI).
    public static func deadJobsRetried(_ queue: QueueName?, count amount: Int) {
        Counter(label: MetricCatalog.deadJobsRetried.name, dimensions: [("queue", queue?.rawValue ?? "*")]).increment(by: amount)
    }

    static func storeCall(_ operation: String, seconds value: Double, failed: Bool) {
        seconds(MetricCatalog.storeCallDuration, [("operation", operation)], value)
        if failed { Counter(label: MetricCatalog.storeErrors.name, dimensions: [("operation", operation)]).increment() }
    }

    static func slots(_ queue: QueueName, running: Int, concurrency: Int) {
        Gauge(label: MetricCatalog.workerRunningJobs.name, dimensions: [("queue", queue.rawValue)]).record(running)
        Gauge(label: MetricCatalog.workerConcurrency.name, dimensions: [("queue", queue.rawValue)]).record(concurrency)
    }
}

/// Why a run failed, as the `reason` label of `wharf_jobs_failed_total`.
enum FailureReason: String, Sendable {
    case error, timeout, permanent
    case noHandler = "no_handler"
    case leaseExpired = "lease_expired"
}

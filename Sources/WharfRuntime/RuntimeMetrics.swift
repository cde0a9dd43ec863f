import Metrics
import WharfCore

/// Every metric the worker runtime records, named in one place (Prometheus style: `wharf_`
/// prefix, base units, `_total` counters). Labels are bounded: queue, kind, outcome; never a
/// job id.
enum RuntimeMetrics {
    static func claimed(_ queue: QueueName, count: Int) {
        Counter(label: "wharf_jobs_claimed_total", dimensions: [("queue", queue.rawValue)]).increment(by: count)
    }

    /// outcome: completed | failed | retried | dead_lettered | timed_out | lease_lost | released
    static func finished(_ job: Job, outcome: String) {
        Counter(label: "wharf_jobs_finished_total", dimensions: [("queue", job.queue.rawValue), ("kind", job.kind.rawValue), ("outcome", outcome)]).increment()
    }

    static func duration(_ job: Job, _ duration: Duration) {
        Timer(label: "wharf_job_duration_seconds", dimensions: [("queue", job.queue.rawValue), ("kind", job.kind.rawValue)])
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    static func leasesReclaimed(_ count: Int) {
        Counter(label: "wharf_lease_expired_total").increment(by: count)
    }

    static func storeError(_ operation: String) {
        Counter(label: "wharf_store_errors_total", dimensions: [("operation", operation)]).increment()
    }
}

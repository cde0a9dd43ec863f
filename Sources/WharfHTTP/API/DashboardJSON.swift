import Foundation
import WharfCore

/// JSON shapes of the monitoring figures (`/api/v1/overview`, `/api/v1/queues`, workers).
enum DashboardJSON {
    /// JSON has no NaN or infinity: such a value (from a row written around the checks) is null.
    static func number(_ value: Double?) -> Any { value.flatMap { $0.isFinite ? $0 as Any : nil } ?? NSNull() }

    static func rates(_ rates: QueueRates?) -> [String: Any] {
        let rates = rates ?? QueueRates()
        return ["completed_per_second": rates.completed, "failed_per_second": rates.failed, "dead_lettered_per_second": rates.deadLettered]
    }

    static func timings(_ summary: TimingSummary?) -> [String: Any] {
        guard let summary else { return ["sample": 0] }
        var object: [String: Any] = ["sample": summary.count]
        for (index, name) in ["p50", "p95", "p99"].enumerated() {
            object["wait_\(name)_seconds"] = number(summary.wait[index])
            object["run_\(name)_seconds"] = number(summary.run[index])
        }
        return object
    }

    static func queues(_ snapshot: MonitoringSnapshot) -> [[String: Any]] {
        snapshot.queues.map { queue in
            var object: [String: Any] = [
                "queue": queue.queue.rawValue, "available": queue.available, "scheduled": queue.scheduled, "running": queue.running,
                "dead": queue.dead, "oldest_available_age_seconds": number(queue.oldestAvailableAgeSeconds), "paused": queue.paused,
            ]
            object["rates"] = rates(snapshot.rates[queue.queue.rawValue])
            object["timings"] = timings(snapshot.timingsByQueue[queue.queue.rawValue])
            return object
        }
    }

    static func failure(_ failure: RecentFailure) -> [String: Any] {
        [
            "job_id": failure.jobID.rawValue, "queue": failure.queue.rawValue, "kind": failure.kind.rawValue, "attempt": failure.attempt,
            "max_attempts": failure.maxAttempts, "error": failure.error, "at": JSONShapes.timestamp(failure.at), "dead": failure.dead,
        ]
    }

    static func overview(_ snapshot: MonitoringSnapshot, history: [HistoryPoint], lastError: String?) -> [String: Any] {
        let total = snapshot.rates.values.reduce(QueueRates(), +)
        return [
            "sampled_at": JSONShapes.timestamp(snapshot.at),
            "sample_seconds": snapshot.sampleSeconds,
            "sample_error": lastError ?? NSNull(),
            "queues": queues(snapshot),
            "totals": [
                "available": snapshot.queues.reduce(0) { $0 + $1.available },
                "scheduled": snapshot.queues.reduce(0) { $0 + $1.scheduled },
                "running": snapshot.queues.reduce(0) { $0 + $1.running },
                "dead": snapshot.queues.reduce(0) { $0 + $1.dead },
                "rates": rates(total),
                "timings": timings(snapshot.timings),
            ] as [String: Any],
            "workers": snapshot.workers.map { worker in
                // Age as of the sample, not of this response: the row is from the sample.
                var object = worker.jsonObject
                object["heartbeat_age_seconds"] = number(worker.heartbeatAt.map { max(0, snapshot.at.timeIntervalSince($0)) })
                return object
            },
            "failures": snapshot.failures.map(failure),
            "history": history.map { point in
                [
                    "at": point.at.timeIntervalSince1970,
                    "depth": point.depth,
                    "completed_per_second": point.rates.values.reduce(0) { $0 + $1.completed },
                    "failed_per_second": point.rates.values.reduce(0) { $0 + $1.failed },
                ] as [String: Any]
            },
        ]
    }
}

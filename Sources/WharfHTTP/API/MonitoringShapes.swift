import Foundation
import WharfCore

// The JSON shapes of the monitoring figures: `/api/v1/overview` (the dashboard's one read),
// `/api/v1/queues`. Built from the sampler's snapshot, never from a query per request.

/// Jobs per second of one queue or all, over the sampler's window.
struct RatesShape: Encodable {
    var completed, failed, deadLettered: FiniteNumber
    init(_ rates: QueueRates?) {
        let rates = rates ?? QueueRates()
        completed = FiniteNumber(rates.completed); failed = FiniteNumber(rates.failed); deadLettered = FiniteNumber(rates.deadLettered)
    }
    enum CodingKeys: String, CodingKey {
        case completed = "completed_per_second", failed = "failed_per_second", deadLettered = "dead_lettered_per_second"
    }
}

/// Wait and run percentiles of the recent sample; only `sample` (0) when there is none.
struct TimingsShape: Encodable {
    var summary: TimingSummary?
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(summary?.count ?? 0, forKey: Key(stringValue: "sample"))
        guard let summary else { return }
        for (index, name) in ["p50", "p95", "p99"].enumerated() {
            try container.encode(FiniteNumber(summary.wait[index]), forKey: Key(stringValue: "wait_\(name)_seconds"))
            try container.encode(FiniteNumber(summary.run[index]), forKey: Key(stringValue: "run_\(name)_seconds"))
        }
    }
}

extension QueueOverviewShape {
    /// Every queue of the sample with its rates and timings.
    static func monitored(_ snapshot: MonitoringSnapshot) -> [QueueOverviewShape] {
        snapshot.queues.map { queue in
            var shape = QueueOverviewShape(queue)
            shape.rates = RatesShape(snapshot.rates[queue.queue.rawValue])
            shape.timings = TimingsShape(summary: snapshot.timingsByQueue[queue.queue.rawValue])
            return shape
        }
    }
}

/// A failed attempt, for "recent failures".
struct FailureShape: Encodable {
    var jobID: Int64
    var queue, kind, error, at: String
    var attempt, maxAttempts: Int
    var dead: Bool
    init(_ failure: RecentFailure) {
        jobID = failure.jobID.rawValue; queue = failure.queue.rawValue; kind = failure.kind.rawValue; error = failure.error
        at = JSONShapes.timestamp(failure.at); attempt = failure.attempt; maxAttempts = failure.maxAttempts; dead = failure.dead
    }
    enum CodingKeys: String, CodingKey {
        case queue, kind, error, at, attempt, dead
        case jobID = "job_id", maxAttempts = "max_attempts"
    }
}

/// `GET /api/v1/queues`.
struct QueuesShape: Encodable {
    var queues: [QueueOverviewShape]
    var sampledAt: String
    init(_ snapshot: MonitoringSnapshot) {
        queues = QueueOverviewShape.monitored(snapshot)
        sampledAt = JSONShapes.timestamp(snapshot.at)
    }
    enum CodingKeys: String, CodingKey { case queues, sampledAt = "sampled_at" }
}

/// `GET /api/v1/overview`: everything the dashboard shows, from one sample.
struct OverviewShape: Encodable {
    struct Totals: Encodable {
        var available, scheduled, running, dead: Int
        var rates: RatesShape
        var timings: TimingsShape
    }

    /// One point of the sampler's history (30 minutes).
    struct Point: Encodable {
        var at: Double
        var depth: [String: [Int]]
        var completed, failed: FiniteNumber
        enum CodingKeys: String, CodingKey { case at, depth, completed = "completed_per_second", failed = "failed_per_second" }
    }

    var sampledAt: String
    var sampleSeconds: FiniteNumber
    var sampleError: String?
    var queues: [QueueOverviewShape]
    var totals: Totals
    var workers: [WorkerShape]
    var failures: [FailureShape]
    var history: [Point]

    init(_ snapshot: MonitoringSnapshot, history: [HistoryPoint], lastError: String?) {
        sampledAt = JSONShapes.timestamp(snapshot.at)
        sampleSeconds = FiniteNumber(snapshot.sampleSeconds)
        sampleError = lastError
        queues = QueueOverviewShape.monitored(snapshot)
        let queues = snapshot.queues
        totals = Totals(
            available: queues.reduce(0) { $0 + $1.available }, scheduled: queues.reduce(0) { $0 + $1.scheduled },
            running: queues.reduce(0) { $0 + $1.running }, dead: queues.reduce(0) { $0 + $1.dead },
            rates: RatesShape(snapshot.rates.values.reduce(QueueRates(), +)), timings: TimingsShape(summary: snapshot.timings))
        // Age as of the sample, not of this response: the row is from the sample.
        workers = snapshot.workers.map { worker in
            WorkerShape(worker, heartbeatAge: worker.heartbeatAt.map { max(0, snapshot.at.timeIntervalSince($0)) })
        }
        failures = snapshot.failures.map(FailureShape.init)
        self.history = history.map { point in
            Point(
                at: point.at.timeIntervalSince1970, depth: point.depth,
                completed: FiniteNumber(point.rates.values.reduce(0) { $0 + $1.completed }),
                failed: FiniteNumber(point.rates.values.reduce(0) { $0 + $1.failed }))
        }
    }

    enum CodingKeys: String, CodingKey {
        case queues, totals, workers, failures, history
        case sampledAt = "sampled_at", sampleSeconds = "sample_seconds", sampleError = "sample_error"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sampledAt, forKey: .sampledAt)
        try container.encode(sampleSeconds, forKey: .sampleSeconds)
        try container.encode(sampleError, forKey: .sampleError)
        try container.encode(queues, forKey: .queues)
        try container.encode(totals, forKey: .totals)
        try container.encode(workers, forKey: .workers)
        try container.encode(failures, forKey: .failures)
        try container.encode(history, forKey: .history)
    }
}

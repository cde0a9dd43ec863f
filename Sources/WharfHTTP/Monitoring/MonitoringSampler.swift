public import Foundation
public import Logging
public import ServiceLifecycle
public import WharfCore
import Metrics
import Synchronization
import WharfRuntime

/// Wait and run time percentiles over a sample of recently completed jobs.
public struct TimingSummary: Sendable, Equatable {
    /// Jobs in the sample.
    public var count: Int
    /// p50, p95, p99 in seconds (`nil` without samples).
    public var wait: [Double?]
    public var run: [Double?]
    public static let quantiles = [0.5, 0.95, 0.99]

    init(_ timings: [JobTiming]) {
        count = timings.count
        wait = Percentiles.of(timings.map(\.waitSeconds), Self.quantiles)
        run = Percentiles.of(timings.map(\.runSeconds), Self.quantiles)
    }
}

/// What the sampler last read from the database.
public struct MonitoringSnapshot: Sendable {
    public var at: Date
    public var queues: [QueueOverview]
    public var workers: [WorkerInfo]
    public var rates: [String: QueueRates]
    public var timings: TimingSummary
    public var timingsByQueue: [String: TimingSummary]
    public var failures: [RecentFailure]
    /// How long reading all of this took.
    public var sampleSeconds: Double
}

/// One point of the dashboard's trend lines.
public struct HistoryPoint: Sendable {
    public var at: Date
    /// Per queue: available, scheduled, running.
    public var depth: [String: [Int]]
    /// Per queue, averaged over the rate window.
    public var rates: [String: QueueRates]
}

/// Reads queue depths, workers, recent timings and failures from the database on an interval,
/// sets the gauges `/metrics` serves, and keeps the latest snapshot plus a history for the
/// dashboard. Every read uses small partial indexes or a LIMIT (see MonitoringReader), so a
/// sample costs the same with 5 million finished rows as with none.
public final class MonitoringSampler: Service, Sendable {

    let reader: any MonitoringReader
    public let interval: Duration
    let historyLength: Int
    let timeout: Duration
    let logger: Logger
    /// Completed jobs whose timings make up the percentiles.
    static let timingSampleSize = 500
    static let failureCount = 20

    private struct State {
        var latest: MonitoringSnapshot?
        var lastError: String?
        var history: [HistoryPoint] = []
        var window = ActivityWindow()
        var gaugedQueues = Set<String>()
        var insertedBaseline: Int64?
    }
    private let state = Mutex(State())

    /// `interval` default 5 s; `historyLength` points of history (default 360: 30 minutes).
    public init(reader: any MonitoringReader, interval: Duration = .seconds(5), historyLength: Int = 360, timeout: Duration = .seconds(10), logger: Logger) {
        self.reader = reader
        self.interval = interval
        self.historyLength = historyLength
        self.timeout = timeout
        self.logger = logger
    }

    public var latest: MonitoringSnapshot? { state.withLock { $0.latest } }
    public var history: [HistoryPoint] { state.withLock { $0.history } }
    /// Why the last sample failed, when it did (the dashboard shows it).
    public var lastError: String? { state.withLock { $0.lastError } }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.sampleOnce()
                try await Task.sleep(for: self.interval)
            }
        }
    }

    /// Takes one sample. The reads are independent: one that fails keeps its part of the
    /// previous snapshot (and its gauges) while the others are updated, and its error is
    /// recorded, so one bad row or one slow statement never blanks all of monitoring.
    public func sampleOnce() async {
        let clock = ContinuousClock()
        let started = clock.now
        let reader = self.reader
        let timeout = self.timeout
        async let queues = Self.outcome { try await withTimeLimit(timeout, "sample queues") { try await reader.queueOverview() } }
        async let workers = Self.outcome { try await withTimeLimit(timeout, "sample workers") { try await reader.workers() } }
        async let timings = Self.outcome {
            try await withTimeLimit(timeout, "sample timings") { try await reader.recentTimings(limit: Self.timingSampleSize) }
        }
        async let failures = Self.outcome {
            try await withTimeLimit(timeout, "sample failures") { try await reader.recentFailures(limit: Self.failureCount) }
        }
        async let inserted = Self.outcome { try await withTimeLimit(timeout, "sample inserts") { try await reader.jobsInsertedTotal() } }
        let (q, w, t, f, i) = await (queues, workers, timings, failures, inserted)
        var errors: [String] = []
        func value<T>(_ result: Result<T, any Error>, _ name: String, previous: T) -> T {
            switch result {
            case .success(let value): return value
            case .failure(let error):
                logger.warning("Sampling failed; keeping the previous figures", metadata: [
                    "sample.read": "\(name)", "error.message": "\(String(reflecting: error))",
                ])
                errors.append("\(name): \(error)")
                return previous
            }
        }
        let previous = latest
        let sample = Sample(
            queues: value(q, "queues", previous: previous?.queues ?? []),
            workers: value(w, "workers", previous: previous?.workers ?? []),
            timings: value(t.map { Optional($0) }, "timings", previous: nil),
            failures: value(f, "failures", previous: previous?.failures ?? []),
            inserted: value(i, "inserts", previous: nil))
        record(sample, took: clock.now - started, at: Date(), errors: errors)
    }

    private static func outcome<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// One sample's reads; `timings` is nil when its read failed (the previous summary stays).
    private struct Sample {
        var queues: [QueueOverview]
        var workers: [WorkerInfo]
        var timings: [JobTiming]?
        var failures: [RecentFailure]
        var inserted: Int64?
    }

    private func record(_ sample: Sample, took: Duration, at now: Date, errors: [String]) {
        let (queues, workers, failures, inserted) = (sample.queues, sample.workers, sample.failures, sample.inserted)
        let seconds = took.wharfSeconds
        let (insertedDelta, vanished) = state.withLock { state -> (Int64, Set<String>) in
            state.window.observe(workers, at: now)
            let rates = state.window.rates()
            let summary = sample.timings.map(TimingSummary.init) ?? state.latest?.timings ?? TimingSummary([])
            let byQueue =
                sample.timings.map { Dictionary(grouping: $0, by: { $0.queue.rawValue }).mapValues(TimingSummary.init) }
                ?? state.latest?.timingsByQueue ?? [:]
            state.latest = MonitoringSnapshot(
                at: now, queues: queues, workers: workers, rates: rates, timings: summary,
                timingsByQueue: byQueue, failures: failures, sampleSeconds: seconds)
            state.lastError = errors.isEmpty ? nil : errors.joined(separator: "; ")
            state.history.append(HistoryPoint(
                at: now, depth: Dictionary(queues.map { ($0.queue.rawValue, [$0.available, $0.scheduled, $0.running]) }, uniquingKeysWith: { a, _ in a }),
                rates: rates))
            if state.history.count > historyLength { state.history.removeFirst(state.history.count - historyLength) }
            let current = Set(queues.map(\.queue.rawValue))
            let vanished = state.gaugedQueues.subtracting(current)
            state.gaugedQueues = current
            // The statistics counter starts from this process's first look (and again after a
            // statistics reset), so the exported counter only ever grows.
            var delta: Int64 = 0
            if let inserted {
                if let base = state.insertedBaseline, inserted >= base { delta = inserted - base }
                state.insertedBaseline = inserted
            }
            return (delta, vanished)
        }
        for queue in queues {
            setQueueGauges(queue.queue.rawValue, queue)
        }
        for name in vanished {
            setQueueGauges(name, QueueOverview(queue: QueueName(unchecked: name)))
        }
        Gauge(label: MetricCatalog.workersAlive.name).record(workers.count)
        Gauge(label: MetricCatalog.sampleDuration.name).record(seconds)
        Counter(label: MetricCatalog.jobsInserted.name).increment(by: Int(insertedDelta))
    }

    private func setQueueGauges(_ name: String, _ queue: QueueOverview) {
        for (state, value) in [("available", queue.available), ("scheduled", queue.scheduled), ("running", queue.running)] {
            Gauge(label: MetricCatalog.queueJobs.name, dimensions: [("queue", name), ("state", state)]).record(value)
        }
        Gauge(label: MetricCatalog.queueOldestAge.name, dimensions: [("queue", name)]).record(queue.oldestAvailableAgeSeconds ?? 0)
        Gauge(label: MetricCatalog.queuePaused.name, dimensions: [("queue", name)]).record(queue.paused ? 1 : 0)
        Gauge(label: MetricCatalog.deadJobs.name, dimensions: [("queue", name)]).record(queue.dead)
    }
}

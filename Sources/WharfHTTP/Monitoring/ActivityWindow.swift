public import Foundation
public import WharfCore

/// Turns the per-worker counts written with heartbeats into rates, without counting job rows:
/// it keeps recent observations of every worker's counts and sums their growth over a window.
/// Pure: the caller supplies the observations and the clock.
public struct ActivityWindow: Sendable {
    struct Observation: Sendable {
        var at: Date
        var workers: [WorkerID: WorkerInfo]
    }

    /// Rates are averaged over this window. Default 60 s: workers report every heartbeat
    /// (10 s by default), so a shorter window would jump.
    public var window: TimeInterval
    private var observations: [Observation] = []

    public init(window: TimeInterval = 60) { self.window = window }

    public mutating func observe(_ workers: [WorkerInfo], at now: Date) {
        observations.append(Observation(at: now, workers: Dictionary(workers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })))
        // Keep one observation at or before the window's start as the baseline.
        while observations.count > 2, observations[1].at <= now.addingTimeInterval(-window) {
            observations.removeFirst()
        }
    }

    /// Per queue: jobs completed, failed and dead-lettered per second over the window; empty
    /// until two observations exist.
    public func rates() -> [String: QueueRates] {
        guard let first = observations.first, let last = observations.last, last.at > first.at else { return [:] }
        let seconds = last.at.timeIntervalSince(first.at)
        return Self.growth(from: first, to: last).mapValues { QueueRates($0, over: seconds) }
    }

    /// Counts added between two observations. A worker seen only in the later one counts from
    /// zero if it started after the earlier one, and is skipped otherwise (its baseline is
    /// unknown); a worker that disappeared (stopped, pruned) contributes nothing.
    static func growth(from earlier: Observation, to later: Observation) -> [String: QueueActivity] {
        var sum: [String: QueueActivity] = [:]
        for (id, worker) in later.workers {
            let baseline: [String: QueueActivity]
            if let before = earlier.workers[id] {
                // Counts that went down mean the process restarted under the same id (the
                // systemd template's host:instance): it counts from zero again.
                let restarted = before.activity.queues.contains { queue, counts in
                    let now = worker.activity.queues[queue] ?? QueueActivity()
                    return now.completed < counts.completed || now.failed < counts.failed
                }
                baseline = restarted ? [:] : before.activity.queues
            } else if let started = worker.startedAt, started >= earlier.at {
                baseline = [:]
            } else {
                continue
            }
            for (queue, counts) in worker.activity.queues {
                sum[queue, default: QueueActivity()] = sum[queue, default: QueueActivity()] + counts.since(baseline[queue] ?? QueueActivity())
            }
        }
        return sum
    }
}

/// Jobs per second of one queue.
public struct QueueRates: Sendable, Equatable {
    public var completed: Double
    public var failed: Double
    public var deadLettered: Double

    public init(completed: Double = 0, failed: Double = 0, deadLettered: Double = 0) {
        self.completed = completed; self.failed = failed; self.deadLettered = deadLettered
    }

    init(_ counts: QueueActivity, over seconds: TimeInterval) {
        self.init(
            completed: Double(counts.completed) / seconds, failed: Double(counts.failed) / seconds,
            deadLettered: Double(counts.deadLettered) / seconds)
    }

    public static func + (a: Self, b: Self) -> Self {
        QueueRates(completed: a.completed + b.completed, failed: a.failed + b.failed, deadLettered: a.deadLettered + b.deadLettered)
    }
}

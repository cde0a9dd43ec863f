import Synchronization
import WharfCore

/// The jobs this process is running, across all its queues: what the heartbeat renews, what
/// shutdown stops, and the slot count each queue's producer claims against.
final class RunningJobs: Sendable {
    private struct Entry {
        var queue: QueueName
        var signal: StopSignal
    }

    private let entries = Mutex<[ClaimRef: Entry]>([:])

    func insert(_ ref: ClaimRef, queue: QueueName) -> StopSignal {
        let signal = StopSignal()
        entries.withLock { $0[ref] = Entry(queue: queue, signal: signal) }
        return signal
    }

    func remove(_ ref: ClaimRef) {
        entries.withLock { $0[ref] = nil }
    }

    var refs: [ClaimRef] { entries.withLock { Array($0.keys) } }
    var count: Int { entries.withLock { $0.count } }
    func count(in queue: QueueName) -> Int { entries.withLock { $0.values.count { $0.queue == queue } } }

    func stop(_ ref: ClaimRef, _ reason: StopReason) {
        entries.withLock { $0[ref]?.signal }?.stop(reason)
    }

    /// Stops every running job of `queues` (all when `nil`).
    func stopAll(_ reason: StopReason, in queues: Set<QueueName>? = nil) {
        let signals = entries.withLock { entries in
            entries.values.filter { queues?.contains($0.queue) ?? true }.map(\.signal)
        }
        signals.forEach { $0.stop(reason) }
    }

    /// Returns once no job of `queue` is running, `deadline` passes, or the task is cancelled.
    /// Polls: it runs only during shutdown, where 10 ms of latency does not matter.
    func waitUntilIdle(_ queue: QueueName, deadline: ContinuousClock.Instant) async {
        while count(in: queue) > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

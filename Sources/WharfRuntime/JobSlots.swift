import Synchronization
import WharfCore

/// Why a running job was told to stop before its handler finished.
public enum StopReason: Sendable, Equatable {
    /// The lease renewal found another owner (or the job was cancelled): the result would be
    /// discarded anyway.
    case leaseLost
    /// The worker is shutting down and the grace period ran out: hand the job back.
    case shutdown
    /// The kind's timeout passed (see ``JobDeadlines``).
    case timedOut
}

/// A one-shot stop signal for one running job, observed by the run's race (see JobExecutor).
final class StopSignal: Sendable {
    private let state = Mutex<(reason: StopReason?, observer: (@Sendable (StopReason) -> Void)?)>((nil, nil))

    /// Stops the job; only the first reason counts.
    func stop(_ reason: StopReason) {
        let observer = state.withLock { state -> (@Sendable (StopReason) -> Void)? in
            guard state.reason == nil else { return nil }
            state.reason = reason
            defer { state.observer = nil }
            return state.observer
        }
        observer?(reason)
    }

    var reason: StopReason? { state.withLock { $0.reason } }

    /// Calls `observer` once when the job is stopped, at once if it already is. One observer.
    func onStop(_ observer: @escaping @Sendable (StopReason) -> Void) {
        let already = state.withLock { state -> StopReason? in
            if let reason = state.reason { return reason }
            state.observer = observer
            return nil
        }
        if let already { observer(already) }
    }
}

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

/// A level-triggered wake-up: any number of `signal()` calls before a `wait` wake it once.
/// Used to wake a producer on a notification, a freed slot or shutdown.
final class WakeSignal: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Waits for a signal, at most `timeout`. Only one task may wait at a time.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    // Cancelled before we could park: onCancel has already run and found no waiter.
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}

/// A boolean that is set once and never cleared: graceful shutdown began, a handler ended.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

import Synchronization

/// A level-triggered wake-up: any number of `signal()` calls before a `wait` wake it once.
/// Used to wake a producer on a notification, a freed slot or shutdown, and the deadline watcher
/// on an earlier deadline.
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
        if takePending() { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Waits for a signal (or cancellation), with no timer: for a waiter that something else
    /// wakes periodically (``PollTicker``). Only one task may wait at a time.
    func wait() async {
        if takePending() { return }
        await waitForSignal()
    }

    /// Consumes a signal given before the wait (the usual case on a busy queue): no tasks, no timer.
    private func takePending() -> Bool {
        state.withLock { state -> Bool in
            defer { state.pending = false }
            return state.pending
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

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

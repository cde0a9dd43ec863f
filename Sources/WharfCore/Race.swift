import Synchronization

/// Runs each racer in its own task and returns the first non-nil value any of them produces
/// (`ifCancelled` when the calling task is cancelled first). The others are cancelled and **not
/// awaited**: that is the point. Structured concurrency would wait for a racer that ignores
/// cancellation (a stuck driver call, a handler that never checks), which is exactly the case
/// a time limit exists for. The abandoned tasks end whenever their work notices cancellation.
public func firstOf<T: Sendable>(_ racers: [@Sendable () async -> T?], ifCancelled: T) async -> T {
    let race = Race<T>()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            race.install(continuation)
            for racer in racers {
                // Unstructured on purpose: see above.
                race.add(Task {
                    if let value = await racer() { race.finish(value) }
                })
            }
        }
    } onCancel: {
        race.finish(ifCancelled)
    }
}

/// A continuation that the first of several contenders resolves: racing tasks (``firstOf``), a
/// stop signal, a cancellation handler. Later values are dropped; on the first, every adopted
/// task is cancelled (and not awaited). Used by the runtime's time limits and job runs, and the
/// PostgreSQL adapter's closed-connection guard.
public final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, Never>?
        var result: T?
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func install(_ continuation: CheckedContinuation<T, Never>) {
        // Cancelled before we got here: onCancel already recorded the result.
        let early = state.withLock { state -> T? in
            if let result = state.result { return result }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    /// Adopts a racing task: cancelled when the race is decided (at once if it already is).
    public func add(_ task: Task<Void, Never>) {
        let finished = state.withLock { state -> Bool in
            if state.result != nil { return true }
            state.tasks.append(task)
            return false
        }
        if finished { task.cancel() }
    }

    public func finish(_ value: T) {
        let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<T, Never>?, [Task<Void, Never>]) in
            guard state.result == nil else { return (nil, []) }
            state.result = value
            defer { state.continuation = nil; state.tasks = [] }
            return (state.continuation, state.tasks)
        }
        continuation?.resume(returning: value)
        tasks.forEach { $0.cancel() }
    }
}

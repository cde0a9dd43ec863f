import Synchronization

/// Enforces the handlers' timeouts for the whole process with one task: each run registers its
/// deadline, and when one passes the watcher stops that run's signal with `.timedOut`.
///
/// One timer per process instead of one per job: at thousands of jobs a second a sleeping task
/// per job was a measurable share of the worker's CPU, and on Linux every cancelled
/// `Task.sleep` leaves its dispatch timer queued until the (5-minute default) deadline.
final class JobDeadlines: Sendable {
    private struct Armed {
        var deadline: ContinuousClock.Instant
        var signal: StopSignal
    }

    private struct State {
        var lastID = 0
        var armed: [Int: Armed] = [:]
        /// When the watcher looks next: the earliest deadline, at most `idleCheck` ahead.
        var plannedCheck = ContinuousClock.now
    }

    private let state = Mutex(State())
    private let wake = WakeSignal()
    /// The longest the watcher sleeps before looking again (tests make it long, to show that an
    /// earlier deadline wakes it).
    let idleCheck: Duration

    init(idleCheck: Duration = .seconds(1)) {
        self.idleCheck = idleCheck
    }

    /// Registers a run's deadline; pass the returned id to ``disarm(_:)`` when the run ends.
    func arm(_ signal: StopSignal, at deadline: ContinuousClock.Instant) -> Int {
        let (id, sooner) = state.withLock { state -> (Int, Bool) in
            state.lastID += 1
            state.armed[state.lastID] = Armed(deadline: deadline, signal: signal)
            let sooner = deadline < state.plannedCheck
            if sooner { state.plannedCheck = deadline }
            return (state.lastID, sooner)
        }
        // Runs of one kind share a timeout, so this is rare: the first run, or a kind with a
        // shorter timeout than those already running.
        if sooner { wake.signal() }
        return id
    }

    func disarm(_ id: Int) {
        state.withLock { _ = $0.armed.removeValue(forKey: id) }
    }

    /// Stops runs whose deadline passed, until cancelled.
    func run() async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let (expired, next) = state.withLock { state -> ([StopSignal], ContinuousClock.Instant) in
                let due = state.armed.filter { $0.value.deadline <= now }
                for id in due.keys { state.armed[id] = nil }
                let next = state.armed.values.lazy.map(\.deadline).min()
                state.plannedCheck = min(next ?? now + idleCheck, now + idleCheck)
                return (due.values.map(\.signal), state.plannedCheck)
            }
            expired.forEach { $0.stop(.timedOut) }
            await wake.wait(timeout: next - now)
        }
    }
}

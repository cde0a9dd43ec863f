/// Wakes every queue producer each `interval`, which catches lost notifications and jobs
/// scheduled for later. One timer for the process: a producer waiting with a timeout of its own
/// set (and cancelled) a timer and two tasks on every wait, that is on every claim of a busy queue.
struct PollTicker: Sendable {
    let interval: Duration
    let wakes: [WakeSignal]

    /// Ticks until cancelled.
    func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            wakes.forEach { $0.signal() }
        }
    }
}

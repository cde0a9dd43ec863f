import Synchronization
import WharfCore

/// This process's job counts since it started, written to its `workers` row with every
/// heartbeat (the dashboard's system-wide rates are sums of these deltas).
final class ActivityTally: Sendable {
    private let counts = Mutex<[String: QueueActivity]>([:])

    func record(_ queue: QueueName, completed: Int = 0, failed: Int = 0, deadLettered: Int = 0) {
        counts.withLock {
            $0[queue.rawValue, default: QueueActivity()] =
                $0[queue.rawValue, default: QueueActivity()] + QueueActivity(completed: completed, failed: failed, deadLettered: deadLettered)
        }
    }

    func snapshot(running: Int) -> WorkerActivity {
        WorkerActivity(running: running, queues: counts.withLock { $0 })
    }
}

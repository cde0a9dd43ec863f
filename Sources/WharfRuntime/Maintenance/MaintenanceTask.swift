import Logging
import WharfCore

/// One kind of periodic housekeeping that only the maintenance leader runs (River's queue
/// maintainer services, Oban's plugins): rescuing expired leases, pruning stale workers and
/// finished jobs today; cron schedules and partition rotation later. A new task is a type
/// conforming to this, added to the leader's list; nothing else changes.
public protocol MaintenanceTask: Sendable {
    associatedtype Report: Sendable
    /// Lower-case, stable: it appears in logs (`maintenance.task`).
    var name: String { get }
    /// The least time between two passes. The leader ticks at the shortest interval of its
    /// tasks, and at `reaper_interval` at the longest.
    var interval: Duration { get }
    /// One pass, with what it did. Tests call this directly.
    func runOnce() async throws -> Report
    /// One pass as the leader runs it: returns how soon the next one is worth running when that
    /// is sooner than `interval` (the schedule firer wakes at the next tick instead of polling),
    /// or `nil` for `interval`. By default, ``runOnce()`` and `nil`.
    func runPass() async throws -> Duration?
}

extension MaintenanceTask {
    public func runPass() async throws -> Duration? {
        _ = try await runOnce()
        return nil
    }
}

/// Runs the maintenance tasks on one process at a time: each tick first takes or renews the
/// maintenance leadership (a row with an expiry on the database clock), then runs every task
/// that is due. A leader that dies stops renewing, and another process takes over once its
/// lease runs out: within one lease TTL. A task that fails is logged and tried again on its next
/// turn; the others still run.
struct MaintenanceLeader: Sendable {
    static let lockName = "maintenance"
    static let shortestWait = Duration.milliseconds(10)
    let leader: any LeaderLock
    let tasks: [any MaintenanceTask]
    let configuration: WorkerConfiguration
    let logger: Logger

    func run() async {
        let clock = ContinuousClock()
        var wasLeader = false
        var due = Array(repeating: clock.now, count: tasks.count)
        // A task with a shorter interval than the reaper's (the schedule firer, every second)
        // sets the longest sleep; a task that knows its next pass is sooner (the firer, at the
        // next tick) shortens it. Leadership is renewed on every wake either way.
        let tick = tasks.map(\.interval).reduce(configuration.reaperInterval, min)
        while !Task.isCancelled {
            var leading = false
            do {
                let isLeader = try await leader.tryAcquire(Self.lockName, holder: configuration.workerID, ttl: configuration.leaseTTL)
                if isLeader != wasLeader {
                    logger.notice(isLeader ? "Became maintenance leader" : "No longer maintenance leader", metadata: ["worker.id": "\(configuration.workerID)"])
                    wasLeader = isLeader
                }
                leading = isLeader
                if isLeader {
                    for (index, task) in tasks.enumerated() where due[index] <= clock.now {
                        due[index] = clock.now.advanced(by: task.interval)
                        do {
                            if let sooner = try await task.runPass(), sooner < task.interval {
                                // The floor keeps a task that keeps answering "now" from spinning.
                                due[index] = clock.now.advanced(by: max(sooner, Self.shortestWait))
                            }
                        } catch {
                            logger.warning("Maintenance pass failed", metadata: ["maintenance.task": "\(task.name)", "error.message": "\(String(reflecting: error))"])
                        }
                    }
                }
            } catch {
                logger.warning("Maintenance pass failed", metadata: ["error.message": "\(String(reflecting: error))"])
            }
            // A follower (or a leader that could not reach the database) tries again a tick
            // later; the leader wakes for its first due task.
            let nextTick = clock.now.advanced(by: tick)
            let wake = leading ? min(due.min() ?? nextTick, nextTick) : nextTick
            do { try await Task.sleep(until: wake, clock: clock) } catch { break }
        }
    }
}

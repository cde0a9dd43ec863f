public import Foundation

/// A schedule as operators see it: its definition, where it came from, and how it is doing.
public struct ScheduleStatus: Sendable, Equatable {
    public var definition: ScheduleDefinition
    /// `config:<deployment>`, `sql`, `api` or `cli`.
    public var source: String
    public var paused: Bool
    /// The last tick fired (or skipped by the missed-tick policy).
    public var lastTick: Date?
    /// The next tick the leader will fire; `nil` until it has evaluated the schedule.
    public var nextTick: Date?
    /// The job of the latest fired tick and its state (`available`, `running`, `completed`,
    /// `cancelled`, `dead`), `nil` state once the job was pruned.
    public var lastJob: (id: JobID, state: String?)?
    /// Seconds from the last tick to its job's enqueue, when that job is still there.
    public var lastLagSeconds: Double?
    /// Why the leader could not evaluate it, if so.
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        definition: ScheduleDefinition, source: String, paused: Bool, lastTick: Date?, nextTick: Date?, lastJob: (id: JobID, state: String?)?,
        lastLagSeconds: Double?, lastError: String?, createdAt: Date, updatedAt: Date
    ) {
        self.definition = definition; self.source = source; self.paused = paused; self.lastTick = lastTick; self.nextTick = nextTick
        self.lastJob = lastJob; self.lastLagSeconds = lastLagSeconds; self.lastError = lastError
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.definition == b.definition && a.source == b.source && a.paused == b.paused && a.lastTick == b.lastTick
            && a.nextTick == b.nextTick && a.lastJob?.id == b.lastJob?.id && a.lastJob?.state == b.lastJob?.state
            && a.lastLagSeconds == b.lastLagSeconds && a.lastError == b.lastError && a.createdAt == b.createdAt && a.updatedAt == b.updatedAt
    }
}

/// What defining a schedule did.
public enum ScheduleDefineOutcome: Sendable, Equatable {
    case created
    /// Replaced a schedule of the same name; its last tick is kept, so past ticks do not fire again.
    case replaced
    /// A config file owns the name (`config:<deployment>`); nothing was written.
    case ownedByConfig(source: String)
}

/// The `schedules` table as operators use it: the CLI, the API and the dashboard.
public protocol ScheduleAdministration: Sendable {
    /// Every schedule, by name.
    func schedules() async throws -> [ScheduleStatus]
    func schedule(named name: String) async throws -> ScheduleStatus?
    /// Creates or replaces a schedule owned by `source` (`api`, `cli`). A schedule a config
    /// file owns is not replaced.
    func defineSchedule(_ definition: ScheduleDefinition, source: String) async throws -> ScheduleDefineOutcome
    /// Pausing stops its firing; resuming evaluates it again at once, and the ticks that fell due
    /// meanwhile follow its missed-tick policy. Returns false if there is no such schedule.
    func setSchedulePaused(_ name: String, paused: Bool) async throws -> Bool
    /// Enqueues one job of the schedule now, outside its ticks (the last tick is unchanged).
    /// Returns nil if there is no such schedule.
    func triggerSchedule(_ name: String) async throws -> JobID?
    /// Removes the schedule; jobs already enqueued stay. Returns its source, nil if there was none.
    func removeSchedule(_ name: String) async throws -> String?
}

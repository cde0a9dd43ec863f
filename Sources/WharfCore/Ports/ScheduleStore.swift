public import Foundation

/// A schedule as it is defined: what to enqueue, when, and what to do about missed ticks.
public struct ScheduleDefinition: Sendable, Equatable {
    public var name: String
    /// Cron text as given (``CronExpression``).
    public var expression: String
    public var timeZone: String
    public var kind: JobKind
    public var queue: QueueName
    public var payload: JobPayload
    public var priority: Priority
    public var maxAttempts: Int
    public var missed: MissedTickPolicy
    public var catchUpLimit: Int

    public static let defaultCatchUpLimit = 100

    /// 1-128 letters, digits and `_ . : -` (the table's schedules_name_valid).
    public static func checkName(_ name: String) throws(ValidationError) {
        try NameRules.check(name, field: "schedule name", maxLength: 128, extra: ["_", ".", ":", "-"])
    }

    /// A deployment name, as it appears in a config schedule's source (`config:<deployment>`).
    public static func checkDeployment(_ name: String) throws(ValidationError) {
        try NameRules.check(name, field: "deployment", maxLength: 64, extra: ["_", ".", "-"])
    }

    /// Checks the name, the expression and the zone (each refusal names what was wrong).
    public init(
        name: String, expression: String, timeZone: String = "UTC", kind: JobKind, queue: QueueName = .default,
        payload: JobPayload = .empty, priority: Priority = .default, maxAttempts: Int = EnqueueOptions.defaultMaxAttempts,
        missed: MissedTickPolicy = .latest, catchUpLimit: Int = defaultCatchUpLimit
    ) throws(ValidationError) {
        try Self.checkName(name)
        _ = try CronSchedule(expression, timeZone: timeZone)
        guard (1...1000).contains(maxAttempts) else {
            throw ValidationError(field: "schedule \(name) max_attempts", value: "\(maxAttempts)", rule: "must be from 1 to 1000")
        }
        guard (1...10_000).contains(catchUpLimit) else {
            throw ValidationError(field: "schedule \(name) catch_up_limit", value: "\(catchUpLimit)", rule: "must be from 1 to 10000")
        }
        self.init(
            unchecked: name, expression: expression, timeZone: timeZone, kind: kind, queue: queue, payload: payload, priority: priority,
            maxAttempts: maxAttempts, missed: missed, catchUpLimit: catchUpLimit)
    }

    /// For rows read back from the database, which were checked on the way in (or are checked
    /// by the firer, which records what it cannot read).
    public init(
        unchecked name: String, expression: String, timeZone: String, kind: JobKind, queue: QueueName, payload: JobPayload,
        priority: Priority, maxAttempts: Int, missed: MissedTickPolicy, catchUpLimit: Int
    ) {
        self.name = name; self.expression = expression; self.timeZone = timeZone; self.kind = kind; self.queue = queue
        self.payload = payload; self.priority = priority; self.maxAttempts = maxAttempts; self.missed = missed; self.catchUpLimit = catchUpLimit
    }
}

/// A schedule the leader should look at: due, or not evaluated yet.
public struct DueSchedule: Sendable, Equatable {
    public var definition: ScheduleDefinition
    /// The last tick fired; `nil` before the first.
    public var lastTick: Date?
    /// Ticks after `lastTick ?? anchor` are due; the anchor is when it was created or resumed.
    public var anchor: Date
    public init(definition: ScheduleDefinition, lastTick: Date?, anchor: Date) {
        self.definition = definition; self.lastTick = lastTick; self.anchor = anchor
    }
}

/// One schedule's move in a firing: enqueue `ticks` and set the last tick, only if the schedule
/// still has `expectedLastTick` (another leader may have fired it meanwhile).
public struct ScheduleFiring: Sendable, Equatable {
    public var name: String
    public var expectedLastTick: Date?
    public var lastTick: Date?
    public var nextTick: Date?
    public var ticks: [Date]
    /// Set when the schedule cannot be evaluated: recorded, nothing enqueued.
    public var error: String?
    public init(name: String, expectedLastTick: Date?, lastTick: Date?, nextTick: Date?, ticks: [Date], error: String? = nil) {
        self.name = name; self.expectedLastTick = expectedLastTick; self.lastTick = lastTick; self.nextTick = nextTick
        self.ticks = ticks; self.error = error
    }
}

/// What a firing did for one schedule.
public struct FiredSchedule: Sendable, Equatable {
    public var name: String
    /// The jobs enqueued, one per tick, in tick order.
    public var jobs: [(tick: Date, id: JobID)]
    public init(name: String, jobs: [(tick: Date, id: JobID)]) { self.name = name; self.jobs = jobs }
    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.jobs.map(\.tick) == b.jobs.map(\.tick) && a.jobs.map(\.id) == b.jobs.map(\.id)
    }
}

/// The `schedules` table as the maintenance leader uses it.
public protocol ScheduleStore: Sendable {
    /// The database's clock and up to `limit` schedules that are due at it (or were never
    /// evaluated), oldest due first. Paused schedules are left out.
    func dueSchedules(limit: Int) async throws -> (now: Date, schedules: [DueSchedule])
    /// Carries out the firings in one statement. A firing whose `expectedLastTick` no longer
    /// holds is left out of the result: another leader got there first, and nothing is written.
    func fire(_ firings: [ScheduleFiring]) async throws -> [FiredSchedule]
    /// How long, on the database's clock, until the earliest unpaused schedule is due: zero
    /// when one is due already (or was never evaluated), `nil` when none will ever be.
    func timeUntilNextDue() async throws -> Duration?
    /// Makes the `config:<deployment>` schedules exactly `definitions`: creates and updates
    /// them (an update keeps the last tick), removes the ones no longer listed, and leaves
    /// schedules of any other source alone. Returns the names that another source already owns
    /// (not taken over).
    func syncConfigSchedules(_ definitions: [ScheduleDefinition], deployment: String) async throws -> [String]
}

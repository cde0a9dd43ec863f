public import Foundation
public import WharfCore

extension PostgresJobStore: ScheduleStore {
    public func dueSchedules(limit: Int) async throws -> (now: Date, schedules: [DueSchedule]) {
        let rows = try await run("list due schedules", ScheduleDueList(limit: Int64(max(1, min(limit, 100_000)))))
        var now = Date()
        var schedules: [DueSchedule] = []
        for row in rows {
            now = row.0
            let definition = Self.definition(row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10)
            schedules.append(DueSchedule(definition: definition, lastTick: row.11, anchor: row.12))
        }
        return (now, schedules)
    }

    /// A definition read back from its columns (``ScheduleColumns/definition``). The table's
    /// checks hold for these (name, kind, queue, ranges); the expression and zone are checked
    /// by the firer, which records what it cannot read.
    static func definition(
        _ name: String, _ expression: String, _ timeZone: String, _ kind: String, _ queue: String, _ payload: String, _ priority: Int16,
        _ maxAttempts: Int32, _ missed: String, _ catchUpLimit: Int32
    ) -> ScheduleDefinition {
        ScheduleDefinition(
            unchecked: name, expression: expression, timeZone: timeZone, kind: JobKind(unchecked: kind), queue: QueueName(unchecked: queue),
            payload: JobPayload(unchecked: payload), priority: Priority(unchecked: Int(priority)), maxAttempts: Int(maxAttempts),
            missed: MissedTickPolicy(rawValue: missed) ?? .latest, catchUpLimit: Int(catchUpLimit))
    }

    public func timeUntilNextDue() async throws -> Duration? {
        // The statement bounds the value to 0...86,400 seconds.
        try await run("find the next due schedule", ScheduleNextDue()).first.flatMap { $0 }.map { Duration.seconds($0) }
    }

    public func fire(_ firings: [ScheduleFiring]) async throws -> [FiredSchedule] {
        if firings.isEmpty { return [] }
        var statement = ScheduleFire()
        for firing in firings {
            statement.names.append(firing.name)
            statement.expected.append(firing.expectedLastTick ?? ScheduleFire.placeholder)
            statement.hasExpected.append(firing.expectedLastTick != nil)
            statement.lastTicks.append(firing.lastTick ?? ScheduleFire.placeholder)
            statement.hasLast.append(firing.lastTick != nil)
            statement.nextTicks.append(firing.nextTick ?? ScheduleFire.placeholder)
            statement.hasNext.append(firing.nextTick != nil)
            statement.errors.append(firing.error ?? "")
            var newest: (tick: Date, position: Int32)?
            for tick in firing.ticks {
                statement.tickNames.append(firing.name)
                statement.ticks.append(tick)
                // A batch fires far fewer than Int32.max ticks (1,000 schedules, each within its catch-up limit).
                if newest.map({ tick > $0.tick }) ?? true { newest = (tick, Int32(clamping: statement.ticks.count)) }
            }
            statement.newestFire.append(newest?.position ?? 0)
        }
        var fired: [String: FiredSchedule] = [:]
        var order: [String] = []
        for (name, tick, id) in try await run("fire schedules", statement) {
            if fired[name] == nil {
                fired[name] = FiredSchedule(name: name, jobs: [])
                order.append(name)
            }
            if let tick, let id { fired[name]?.jobs.append((tick, JobID(id))) }
        }
        return order.compactMap { fired[$0] }
    }

    public func syncConfigSchedules(_ definitions: [ScheduleDefinition], deployment: String) async throws -> [String] {
        var statement = ScheduleSyncConfig(source: "config:\(deployment)")
        for definition in definitions {
            statement.names.append(definition.name)
            statement.expressions.append(definition.expression)
            statement.timeZones.append(definition.timeZone)
            statement.kinds.append(definition.kind.rawValue)
            statement.queues.append(definition.queue.rawValue)
            statement.payloads.append(definition.payload.json)
            statement.priorities.append(Int16(definition.priority.rawValue))  // safe: a Priority is 0-9
            statement.maxAttempts.append(Int32(clamping: definition.maxAttempts))
            statement.missed.append(definition.missed.rawValue)
            statement.catchUpLimits.append(Int32(clamping: definition.catchUpLimit))
        }
        return try await run("sync config schedules", statement)
    }
}

extension PostgresJobStore: ScheduleAdministration {
    public func schedules() async throws -> [ScheduleStatus] {
        try await run("list schedules", ScheduleStatusList(name: "")).map(Self.status)
    }

    public func schedule(named name: String) async throws -> ScheduleStatus? {
        // '' would list every schedule; no schedule has that name.
        if name.isEmpty { return nil }
        return try await run("show schedule", ScheduleStatusList(name: name)).first.map(Self.status)
    }

    public func defineSchedule(_ definition: ScheduleDefinition, source: String) async throws -> ScheduleDefineOutcome {
        let statement = ScheduleDefine(
            name: definition.name, expression: definition.expression, timeZone: definition.timeZone, kind: definition.kind.rawValue,
            queue: definition.queue.rawValue, payload: definition.payload.json, priority: Int16(definition.priority.rawValue),  // safe: a Priority is 0-9
            maxAttempts: Int32(clamping: definition.maxAttempts), missed: definition.missed.rawValue,
            catchUpLimit: Int32(clamping: definition.catchUpLimit), source: source)
        let (existing, written) = try await run("define schedule", statement).first ?? (nil, false)
        if written { return existing == nil ? .created : .replaced }
        return .ownedByConfig(source: existing ?? "config")
    }

    public func setSchedulePaused(_ name: String, paused: Bool) async throws -> Bool {
        try await !run(paused ? "pause schedule" : "resume schedule", ScheduleSetPaused(name: name, paused: paused)).isEmpty
    }

    public func triggerSchedule(_ name: String) async throws -> JobID? {
        try await run("trigger schedule", ScheduleTrigger(name: name)).first.map(JobID.init)
    }

    public func removeSchedule(_ name: String) async throws -> String? {
        try await run("remove schedule", ScheduleRemove(name: name)).first
    }

    static func status(_ row: ScheduleStatusList.Row) -> ScheduleStatus {
        ScheduleStatus(
            definition: definition(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9), source: row.10, paused: row.11,
            lastTick: row.12, nextTick: row.13, lastJob: row.14.map { (JobID($0), row.15) }, lastLagSeconds: row.16, lastError: row.17,
            createdAt: row.18, updatedAt: row.19)
    }
}

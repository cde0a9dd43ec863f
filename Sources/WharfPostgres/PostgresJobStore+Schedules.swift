public import Foundation
public import WharfCore

extension PostgresJobStore: ScheduleStore {
    public func dueSchedules(limit: Int) async throws -> (now: Date, schedules: [DueSchedule]) {
        let rows = try await run("list due schedules", ScheduleDueList(limit: Int64(max(1, min(limit, 100_000)))))
        var now = Date()
        var schedules: [DueSchedule] = []
        for row in rows {
            now = row.0
            // The table's checks hold for these (name, kind, queue, ranges); the expression and
            // zone are checked by the firer, which records what it cannot read.
            let definition = ScheduleDefinition(
                unchecked: row.1, expression: row.2, timeZone: row.3, kind: JobKind(unchecked: row.4), queue: QueueName(unchecked: row.5),
                payload: JobPayload(unchecked: row.6), priority: Priority(unchecked: Int(row.7)), maxAttempts: Int(row.8),
                missed: MissedTickPolicy(rawValue: row.9) ?? .latest, catchUpLimit: Int(row.10))
            schedules.append(DueSchedule(definition: definition, lastTick: row.11, anchor: row.12))
        }
        return (now, schedules)
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
            for tick in firing.ticks {
                statement.tickNames.append(firing.name)
                statement.ticks.append(tick)
            }
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
            statement.priorities.append(Int16(definition.priority.rawValue))
            statement.maxAttempts.append(Int32(clamping: definition.maxAttempts))
            statement.missed.append(definition.missed.rawValue)
            statement.catchUpLimits.append(Int32(clamping: definition.catchUpLimit))
        }
        return try await run("sync config schedules", statement)
    }
}

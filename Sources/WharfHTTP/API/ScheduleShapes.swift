public import WharfCore

/// One schedule as `GET /api/v1/schedules` and `wharf schedules --json` show it.
public struct ScheduleShape: Encodable, Sendable {
    public var status: ScheduleStatus
    public init(_ status: ScheduleStatus) { self.status = status }

    enum Keys: String, CodingKey {
        case name, cron, kind, queue, payload, priority, missed, source, paused
        case timeZone = "time_zone", maxAttempts = "max_attempts", catchUpLimit = "catch_up_limit"
        case lastTick = "last_tick", nextTick = "next_tick", lastJobID = "last_job_id", lastJobState = "last_job_state"
        case lastLagSeconds = "last_lag_seconds", lastError = "last_error", createdAt = "created_at", updatedAt = "updated_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        let definition = status.definition
        try container.encode(definition.name, forKey: .name)
        try container.encode(definition.expression, forKey: .cron)
        try container.encode(definition.timeZone, forKey: .timeZone)
        try container.encode(definition.kind.rawValue, forKey: .kind)
        try container.encode(definition.queue.rawValue, forKey: .queue)
        try container.encode(PayloadShape(definition.payload), forKey: .payload)
        try container.encode(definition.priority.rawValue, forKey: .priority)
        try container.encode(definition.maxAttempts, forKey: .maxAttempts)
        try container.encode(definition.missed.rawValue, forKey: .missed)
        try container.encode(definition.catchUpLimit, forKey: .catchUpLimit)
        try container.encode(status.source, forKey: .source)
        try container.encode(status.paused, forKey: .paused)
        try container.encode(status.lastTick.map(JSONShapes.timestamp), forKey: .lastTick)
        try container.encode(status.nextTick.map(JSONShapes.timestamp), forKey: .nextTick)
        try container.encode(status.lastJob?.id.rawValue, forKey: .lastJobID)
        try container.encode(status.lastJob?.state, forKey: .lastJobState)
        try container.encode(status.lastLagSeconds, forKey: .lastLagSeconds)
        try container.encode(status.lastError, forKey: .lastError)
        try container.encode(JSONShapes.timestamp(status.createdAt), forKey: .createdAt)
        try container.encode(JSONShapes.timestamp(status.updatedAt), forKey: .updatedAt)
    }
}

public struct ScheduleList: Encodable, Sendable {
    public var schedules: [ScheduleShape]
    public init(_ schedules: [ScheduleStatus]) { self.schedules = schedules.map(ScheduleShape.init) }
}

/// The answer of a schedule action (define, pause, resume, trigger, remove).
public struct ScheduleActionShape: Encodable, Sendable {
    public var name: String
    public var action: String
    /// The job a trigger enqueued.
    public var jobID: Int64?
    public init(name: String, action: String, jobID: Int64? = nil) { self.name = name; self.action = action; self.jobID = jobID }
    enum CodingKeys: String, CodingKey { case name, action, jobID = "job_id" }
}

import Foundation
import PostgresNIO

// Operator-facing statements on `schedules`: list and show, define (API, CLI), pause and
// resume, trigger, remove. The leader's statements are in ScheduleSQL.swift.

/// Schedules with their last job's state, all of them ('') or the one named.
struct ScheduleStatusList: TextParameterStatement {
    // The last job is looked up in jobs, then dead_jobs (a job that kept failing moved there);
    // pruned, it has no state. The lag is shown only when that job is the last tick's own
    // (its unique key names the tick): a skipped tick has no job, a trigger has no tick.
    // next_tick 'infinity' (the schedule never fires again, or cannot be read) reads as NULL.
    static let sql = """
        SELECT \(ScheduleColumns.qualifiedDefinition), s.source, s.paused, s.last_tick,
               CASE WHEN isfinite(s.next_tick) THEN s.next_tick END,
               s.last_job_id, coalesce(j.state, CASE WHEN d.id IS NOT NULL THEN 'dead' END),
               CASE WHEN j.unique_key = 'cron:' || s.name || ':' || to_char(s.last_tick AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                    THEN extract(epoch FROM j.created_at - s.last_tick)::float8 END,
               s.last_error, s.created_at, s.updated_at
        FROM schedules AS s
        LEFT JOIN jobs AS j ON j.id = s.last_job_id
        LEFT JOIN dead_jobs AS d ON d.id = s.last_job_id AND j.id IS NULL
        WHERE $1 = '' OR s.name = $1
        ORDER BY s.name
        """
    typealias Row = (
        String, String, String, String, String, String, Int16, Int32, String, Int32, String, Bool, Date?, Date?, Int64?, String?, Double?,
        String?, Date, Date
    )
    var name: String
    var parameter: String { name }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Creates or replaces a schedule for the API or the CLI; never one a config file owns.
struct ScheduleDefine: PostgresPreparedStatement {
    // The upsert's WHERE leaves a config-owned row alone (the file is its source of truth, and
    // the next sync would undo the change); the caller learns the owner from `existing`.
    // Replacing keeps last_tick (past ticks do not fire again) and clears next_tick so the
    // leader evaluates the new definition.
    static let sql = """
        WITH existing AS (SELECT source FROM schedules WHERE name = $1),
        upserted AS (
            INSERT INTO schedules AS s (name, expression, time_zone, kind, queue, payload, priority, max_attempts, missed, catch_up_limit, source)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11)
            ON CONFLICT (name) DO UPDATE SET source = EXCLUDED.source, \(ScheduleColumns.redefine)
            WHERE s.source NOT LIKE 'config:%'
            RETURNING 1
        )
        SELECT (SELECT source FROM existing), EXISTS (SELECT 1 FROM upserted)
        """
    typealias Row = (String?, Bool)
    var name: String
    var expression: String
    var timeZone: String
    var kind: String
    var queue: String
    var payload: String
    var priority: Int16
    var maxAttempts: Int32
    var missed: String
    var catchUpLimit: Int32
    var source: String

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 11)
        b.append(name); b.append(expression); b.append(timeZone); b.append(kind); b.append(queue); b.append(payload)
        b.append(priority); b.append(maxAttempts); b.append(missed); b.append(catchUpLimit); b.append(source)
        return b
    }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Pauses or resumes a schedule.
struct ScheduleSetPaused: PostgresPreparedStatement {
    // Resuming clears next_tick so the leader evaluates it at its next pass: the ticks that fell
    // due while it was paused are still after last_tick, and its missed-tick policy decides them.
    static let sql = """
        UPDATE schedules SET paused = $2, next_tick = CASE WHEN $2 THEN next_tick END, updated_at = now()
        WHERE name = $1
        RETURNING name
        """
    typealias Row = String
    var name: String
    var paused: Bool
    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 2)
        b.append(name); b.append(paused)
        return b
    }
}

/// Enqueues one job of a schedule now, outside its ticks.
struct ScheduleTrigger: TextParameterStatement {
    // No unique key: each trigger is a deliberate extra run, and last_tick stays as it is, so
    // the schedule's own ticks are unaffected.
    static let sql = """
        INSERT INTO jobs (queue, kind, payload, priority, run_at, max_attempts, history)
        SELECT queue, kind, payload, priority, now(), max_attempts, history_entry('enqueued', NULL, 'available', 0, NULL)
        FROM schedules WHERE name = $1
        RETURNING id
        """
    typealias Row = Int64
    var name: String
    var parameter: String { name }
}

/// Removes a schedule; its jobs stay.
struct ScheduleRemove: TextParameterStatement {
    static let sql = "DELETE FROM schedules WHERE name = $1 RETURNING source"
    typealias Row = String
    var name: String
    var parameter: String { name }
}

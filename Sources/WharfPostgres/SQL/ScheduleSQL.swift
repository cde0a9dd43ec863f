import Foundation
import PostgresNIO

// Statements on `schedules`: the leader's due read, the firing (the exactly-once step), and
// the sync of a config file's schedules. docs/sql.md walks through them.

/// Column lists the schedule statements share.
enum ScheduleColumns {
    /// An upsert's update: the new definition, last_tick kept (past ticks do not fire again),
    /// next_tick cleared so the leader evaluates the new definition.
    static let redefine = """
        expression = EXCLUDED.expression, time_zone = EXCLUDED.time_zone, kind = EXCLUDED.kind, queue = EXCLUDED.queue,
                        payload = EXCLUDED.payload, priority = EXCLUDED.priority, max_attempts = EXCLUDED.max_attempts,
                        missed = EXCLUDED.missed, catch_up_limit = EXCLUDED.catch_up_limit,
                        next_tick = NULL, last_error = NULL, updated_at = now()
        """
    /// The definition's columns, in the order ``PostgresJobStore/definition(_:_:_:_:_:_:_:_:_:_:)`` reads them.
    static let definition = definition(of: "")
    static let qualifiedDefinition = definition(of: "s.")
    private static func definition(of prefix: String) -> String {
        ["name", "expression", "time_zone", "kind", "queue", "payload::text", "priority", "max_attempts", "missed", "catch_up_limit"]
            .map { prefix + $0 }.joined(separator: ", ")
    }
}

/// Schedules due at the database's clock, or never evaluated, oldest due first.
struct ScheduleDueList: LimitStatement {
    // Served by schedules_due_idx (next_tick NULLS FIRST, WHERE NOT paused). now() comes with
    // every row: the leader plans ticks on the database's clock, not its own.
    static let sql = """
        SELECT now(), \(ScheduleColumns.definition), last_tick, anchor
        FROM schedules
        WHERE NOT paused AND (next_tick IS NULL OR next_tick <= now())
        ORDER BY next_tick NULLS FIRST
        LIMIT $1
        """
    typealias Row = (Date, String, String, String, String, String, String, Int16, Int32, String, Int32, Date?, Date)
    var limit: Int64
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Seconds until the earliest unpaused schedule is due, on the database's clock, for the leader
/// to sleep until then instead of polling.
struct ScheduleNextDue: PostgresPreparedStatement {
    // One step down schedules_due_idx. NULLS FIRST: a schedule never evaluated (NULL) is due now.
    // No row, or 'infinity' (never fires again): NULL. The wait is capped at a day so the
    // caller's conversion to a Duration is always in range.
    static let sql = """
        SELECT CASE WHEN next_tick IS NULL THEN 0
                    WHEN next_tick = 'infinity' THEN NULL
                    ELSE least(greatest(extract(epoch FROM next_tick - now()), 0), 86400)::float8 END
        FROM schedules WHERE NOT paused
        ORDER BY next_tick NULLS FIRST
        LIMIT 1
        """
    typealias Row = Double?
    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Double?.self) }
}

/// Fires a batch of schedules: for each whose last_tick is still the one the leader read,
/// moves last_tick and next_tick on and inserts one job per tick, all in one statement.
struct ScheduleFire: PostgresPreparedStatement {
    // The compare-and-set on last_tick is the fence: a second leader with the same plan blocks
    // on the row lock, then finds last_tick moved and matches nothing, so it inserts nothing.
    // A tick's job carries the unique key cron:<name>:<tick>, a second fence while it is active.
    // Job ids are drawn up front (`fires` is materialized: nextval is volatile) so the same
    // UPDATE can record the last job's id; a row cannot be updated twice in one statement. The
    // caller gives each schedule the position of its newest tick in the tick arrays, and the
    // UPDATE picks that id out of one array (`fire_ids`, one row): a join with a per-schedule
    // CTE was planned as a nested loop (the generic plan takes unnest for 10 rows), 1,000 ×
    // 1,000 comparisons, 75 of the statement's 136 ms at 1,000 schedules.
    // A missing next tick (an expression that cannot be read, or never fires again) is stored
    // as 'infinity': not due, and out of the leader's way until the schedule is redefined.
    static let sql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bool[], $4::timestamptz[], $5::bool[],
                                 $6::timestamptz[], $7::bool[], $8::text[], $11::integer[])
                AS i(name, expected, has_expected, last_tick, has_last, next_tick, has_next, error, newest_fire)
        ),
        fires AS MATERIALIZED (
            SELECT nextval('jobs_id_seq') AS id, f.name, f.tick, f.ord
            FROM unnest($9::text[], $10::timestamptz[]) WITH ORDINALITY AS f(name, tick, ord)
        ),
        fire_ids AS (
            SELECT array_agg(id ORDER BY ord) AS ids FROM fires
        ),
        advanced AS (
            UPDATE schedules AS s SET
                last_tick = CASE WHEN i.has_last THEN i.last_tick ELSE s.last_tick END,
                next_tick = CASE WHEN i.has_next THEN i.next_tick ELSE 'infinity' END,
                last_error = nullif(i.error, ''),
                last_job_id = coalesce(fire_ids.ids[nullif(i.newest_fire, 0)], s.last_job_id),
                updated_at = now()
            FROM input AS i CROSS JOIN fire_ids
            WHERE s.name = i.name AND NOT s.paused
              AND CASE WHEN i.has_expected THEN s.last_tick = i.expected ELSE s.last_tick IS NULL END
            RETURNING s.name, s.kind, s.queue, s.payload, s.priority, s.max_attempts
        ),
        inserted AS (
            INSERT INTO jobs (id, queue, kind, payload, priority, run_at, max_attempts, unique_key, history)
            SELECT f.id, a.queue, a.kind, a.payload, a.priority, now(), a.max_attempts,
                   'cron:' || a.name || ':' || to_char(f.tick AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   history_entry('enqueued', NULL, 'available', 0, NULL)
            FROM advanced AS a JOIN fires AS f ON f.name = a.name
            ORDER BY f.ord
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running')
            DO NOTHING
            RETURNING id
        )
        SELECT a.name, f.tick, f.id
        FROM advanced AS a
        LEFT JOIN fires AS f ON f.name = a.name AND f.id IN (SELECT id FROM inserted)
        ORDER BY a.name, f.ord
        """
    typealias Row = (String, Date?, Int64?)

    var names: [String] = []
    var expected: [Date] = []
    var hasExpected: [Bool] = []
    var lastTicks: [Date] = []
    var hasLast: [Bool] = []
    var nextTicks: [Date] = []
    var hasNext: [Bool] = []
    /// "" for none: PostgresNIO arrays cannot carry NULL elements.
    var errors: [String] = []
    var tickNames: [String] = []
    var ticks: [Date] = []
    /// Per schedule, the 1-based position of its newest tick in `ticks`; 0 when it fires none.
    var newestFire: [Int32] = []

    /// The epoch stands in where a has_… flag is false.
    static let placeholder = Date(timeIntervalSince1970: 0)

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 11)
        b.append(names); b.append(expected); b.append(hasExpected); b.append(lastTicks); b.append(hasLast)
        b.append(nextTicks); b.append(hasNext); b.append(errors); b.append(tickNames); b.append(ticks); b.append(newestFire)
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Makes one deployment's config schedules exactly the given list; returns the names another
/// source already owns (left alone).
struct ScheduleSyncConfig: PostgresPreparedStatement {
    // Only rows whose source is this deployment's are updated (the upsert's WHERE) or deleted,
    // so a schedule made through SQL, the API or another deployment's config is never taken
    // over or removed. An update keeps last_tick (past ticks are not fired again) and clears
    // next_tick so the leader evaluates the new definition.
    static let sql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                 $7::smallint[], $8::integer[], $9::text[], $10::integer[])
                AS i(name, expression, time_zone, kind, queue, payload, priority, max_attempts, missed, catch_up_limit)
        ),
        taken AS (
            SELECT s.name FROM schedules AS s JOIN input AS i ON i.name = s.name WHERE s.source <> $11
        ),
        upserted AS (
            INSERT INTO schedules AS s (name, expression, time_zone, kind, queue, payload, priority, max_attempts, missed, catch_up_limit, source)
            SELECT i.name, i.expression, i.time_zone, i.kind, i.queue, i.payload::jsonb, i.priority, i.max_attempts, i.missed,
                   i.catch_up_limit, $11
            FROM input AS i WHERE i.name NOT IN (SELECT name FROM taken)
            ON CONFLICT (name) DO UPDATE SET \(ScheduleColumns.redefine)
            WHERE s.source = EXCLUDED.source
            RETURNING s.name
        ),
        removed AS (
            DELETE FROM schedules WHERE source = $11 AND name <> ALL($1::text[]) RETURNING name
        )
        SELECT name FROM taken
        """
    typealias Row = String

    var names: [String] = []
    var expressions: [String] = []
    var timeZones: [String] = []
    var kinds: [String] = []
    var queues: [String] = []
    var payloads: [String] = []
    var priorities: [Int16] = []
    var maxAttempts: [Int32] = []
    var missed: [String] = []
    var catchUpLimits: [Int32] = []
    var source: String

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 11)
        b.append(names); b.append(expressions); b.append(timeZones); b.append(kinds); b.append(queues); b.append(payloads)
        b.append(priorities); b.append(maxAttempts); b.append(missed); b.append(catchUpLimits); b.append(source)
        return b
    }
}

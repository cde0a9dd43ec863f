import Foundation
import PostgresNIO

// Reads for /metrics, the dashboard and the admin API. Each one touches only small partial
// indexes or a bounded number of rows, never the finished jobs as a whole; docs/benchmarks.md
// measures them against 5 million finished rows.

/// Per queue: due and scheduled available jobs with the age of the oldest due one, running
/// jobs, dead jobs and whether the queue is paused.
struct QueueOverviewGet: PostgresPreparedStatement {
    // The available and running counts are served by the partial indexes jobs_claimable_idx
    // and jobs_lease_expiry_idx, so their cost follows the backlog, not the table. Dead jobs
    // are counted from dead_jobs_queue_id_idx. The age is a difference of epochs in float8,
    // not of timestamps: `now() - '-infinity'` raises "cannot subtract infinite timestamps",
    // and one such row (written around the checks) must not fail every queue's figures. Ages
    // are capped at 1e12 s (about 31,700 years), so the value is always finite; the CASE keeps
    // it NULL when nothing is due (least() ignores a NULL and would answer 1e12).
    static let sql = """
        WITH avail AS (
            SELECT queue,
                   count(*) FILTER (WHERE run_at <= now()) AS available,
                   count(*) FILTER (WHERE run_at > now()) AS scheduled,
                   CASE WHEN count(*) FILTER (WHERE run_at <= now()) > 0
                        THEN least(extract(epoch FROM now())::float8
                                   - extract(epoch FROM min(run_at) FILTER (WHERE run_at <= now()))::float8, 1e12) END AS oldest
            FROM jobs WHERE state = 'available' GROUP BY queue
        ),
        run AS (SELECT queue, count(*) AS running FROM jobs WHERE state = 'running' GROUP BY queue),
        dead AS (SELECT queue, count(*) AS dead FROM dead_jobs GROUP BY queue),
        paused AS (SELECT name AS queue, paused FROM queues)
        SELECT queue, coalesce(avail.available, 0), coalesce(avail.scheduled, 0), coalesce(run.running, 0),
               coalesce(dead.dead, 0), avail.oldest, coalesce(paused.paused, false)
        FROM avail
        FULL JOIN run USING (queue)
        FULL JOIN dead USING (queue)
        FULL JOIN paused USING (queue)
        ORDER BY queue
        """
    typealias Row = (String, Int64, Int64, Int64, Int64, Double?, Bool)

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The last N completed jobs' wait (due → started) and run (started → finished) times.
struct JobTimingsRecent: LimitStatement {
    // A backward scan of jobs_finished_idx, stopped by the LIMIT. Differences of float8 epochs,
    // clamped to 0...1e12 s, for the reason given at QueueOverviewGet.
    static let sql = """
        SELECT queue, kind,
               least(greatest(extract(epoch FROM started_at)::float8 - extract(epoch FROM run_at)::float8, 0), 1e12),
               least(greatest(extract(epoch FROM finished_at)::float8 - extract(epoch FROM started_at)::float8, 0), 1e12),
               finished_at
        FROM jobs
        WHERE state = 'completed' AND finished_at IS NOT NULL AND started_at IS NOT NULL
        ORDER BY finished_at DESC
        LIMIT $1
        """
    typealias Row = (String, String, Double, Double, Date)
    var limit: Int64
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The newest failed attempts: jobs waiting to retry (jobs_retrying_idx) and dead jobs
/// (dead_jobs_died_at_idx), N of each; the caller merges them by time.
struct JobFailuresRecent: LimitStatement {
    static let sql = """
        (SELECT id, queue, kind, attempt, max_attempts,
                coalesce(errors -> -1 ->> 'error', ''), coalesce((errors -> -1 ->> 'at')::timestamptz, created_at), false
         FROM jobs WHERE state = 'available' AND attempt > 0
         ORDER BY id DESC LIMIT $1)
        UNION ALL
        (SELECT id, queue, kind, attempt, max_attempts, coalesce(errors -> -1 ->> 'error', ''), died_at, true
         FROM dead_jobs ORDER BY died_at DESC LIMIT $1)
        """
    typealias Row = (Int64, String, String, Int32, Int32, String, Date, Bool)
    var limit: Int64
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Rows ever inserted into `jobs`, from the statistics collector (no table access at all).
struct JobInsertsTotal: PostgresPreparedStatement {
    static let sql = "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = 'jobs'::regclass"
    typealias Row = Int64
    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
}

/// Pauses or resumes a queue.
struct QueueSetPaused: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO queues (name, paused) VALUES ($1, $2)
        ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
        """
    typealias Row = Void
    var queue: String
    var paused: Bool

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 2)
        b.append(queue); b.append(paused)
        return b
    }
}

struct QueuePausedList: PostgresPreparedStatement {
    static let sql = "SELECT name FROM queues WHERE paused ORDER BY name"
    typealias Row = String
    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
}

/// Job counts per queue and state, plus dead jobs per queue.
struct QueueCountsGet: PostgresPreparedStatement {
    // A full scan of both tables: fine for `wharf stats` on demand. The sampled gauges and the
    // dashboard read QueueOverviewGet instead (docs/sql.md, "Monitoring reads").
    static let sql = """
        SELECT queue,
               count(*) FILTER (WHERE state = 'available' AND run_at <= now()),
               count(*) FILTER (WHERE state = 'available' AND run_at > now()),
               count(*) FILTER (WHERE state = 'running'),
               count(*) FILTER (WHERE state = 'completed'),
               count(*) FILTER (WHERE state = 'cancelled'),
               0::bigint
        FROM jobs GROUP BY queue
        UNION ALL
        SELECT queue, 0, 0, 0, 0, 0, count(*) FROM dead_jobs GROUP BY queue
        """
    typealias Row = (String, Int64, Int64, Int64, Int64, Int64, Int64)

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

import PostgresNIO

// Statements on the dead-letter table.

/// One dead job by id.
struct DeadJobGet: JobIDStatement {
    static let sql = "SELECT \(JobColumns.dead) FROM dead_jobs WHERE id = $1"
    typealias Row = JobRow.DeadColumns
    var id: Int64
}

/// Moves a dead job back into `jobs`, available now, with a fresh attempt count. It keeps its
/// id, errors and history, so its whole story stays in one place.
struct DeadJobRetry: JobIDStatement {
    // DELETE ... RETURNING feeding INSERT: one statement, so the job is in exactly one table
    // afterwards. If an active job holds the same unique key, the INSERT raises 23505 and the
    // DELETE is rolled back with it: the dead job stays where it was.
    static let sql = """
        WITH revived AS (
            DELETE FROM dead_jobs WHERE id = $1 RETURNING *
        )
        INSERT INTO jobs (id, queue, kind, payload, priority, state, attempt, max_attempts, run_at,
                          unique_key, errors, history, created_at)
        SELECT id, queue, kind, payload, priority, 'available', 0, max_attempts, now(),
               unique_key, errors, history || history_entry('retried', 'dead', 'available', 0, NULL), created_at
        FROM revived
        RETURNING \(JobColumns.full)
        """
    typealias Row = JobRow.Columns
    var id: Int64
}

/// Deletes one dead job.
struct DeadJobPurge: JobIDStatement {
    static let sql = "DELETE FROM dead_jobs WHERE id = $1 RETURNING id"
    typealias Row = Int64
    var id: Int64
}

/// Deletes every dead job, or those of one queue ('' = all queues).
struct DeadJobPurgeAll: TextParameterStatement {
    static let sql = """
        WITH purged AS (DELETE FROM dead_jobs WHERE $1 = '' OR queue = $1 RETURNING 1)
        SELECT count(*) FROM purged
        """
    typealias Row = Int64
    var queue: String
    var parameter: String { queue }
}

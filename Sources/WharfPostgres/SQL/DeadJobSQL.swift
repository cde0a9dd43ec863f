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
        \(TableMoves.revive(from: "revived"))
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

/// Deletes every dead job matching a queue and a kind ('' = any).
struct DeadJobPurgeMatching: QueueKindStatement {
    static let sql = """
        WITH purged AS (
            DELETE FROM dead_jobs WHERE ($1 = '' OR queue = $1) AND ($2 = '' OR kind = $2) RETURNING 1
        )
        SELECT count(*) FROM purged
        """
    typealias Row = Int64
    var queue: String
    var kind: String
}

/// Moves up to $3 dead jobs matching a queue and a kind ('' = any) back into `jobs`, like
/// DeadJobRetry. Returns the ids moved.
struct DeadJobRetryMatching: PostgresPreparedStatement {
    // A dead job whose unique key an active job holds is left alone, and of several dead jobs
    // sharing a key only the newest is taken, so the INSERT cannot hit the unique index (a
    // concurrent enqueue of the same key can still raise 23505, which rolls the whole
    // statement back: nothing is lost, the caller retries). The caller repeats until fewer
    // than $3 rows come back; skipped rows are never picked, so that terminates.
    static let sql = """
        WITH picked AS (
            SELECT d.id FROM dead_jobs d
            WHERE ($1 = '' OR d.queue = $1) AND ($2 = '' OR d.kind = $2)
              AND (d.unique_key IS NULL OR (
                   NOT EXISTS (SELECT 1 FROM jobs j WHERE j.unique_key = d.unique_key AND j.unique_key IS NOT NULL
                                          AND j.state IN ('available', 'running'))
                   AND d.id = (SELECT max(o.id) FROM dead_jobs o WHERE o.unique_key = d.unique_key)))
            ORDER BY d.id
            LIMIT $3
            FOR UPDATE SKIP LOCKED
        ),
        revived AS (
            DELETE FROM dead_jobs d USING picked WHERE d.id = picked.id RETURNING d.*
        )
        \(TableMoves.revive(from: "revived"))
        RETURNING id
        """
    typealias Row = Int64
    var queue: String
    var kind: String
    var limit: Int64

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 3)
        b.append(queue); b.append(kind); b.append(limit)
        return b
    }
}

/// How many dead jobs match a queue and a kind ('' = any).
struct DeadJobCountMatching: QueueKindStatement {
    static let sql = "SELECT count(*) FROM dead_jobs WHERE ($1 = '' OR queue = $1) AND ($2 = '' OR kind = $2)"
    typealias Row = Int64
    var queue: String
    var kind: String
}

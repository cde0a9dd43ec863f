import PostgresNIO

// Operator-facing statements on `jobs`: read one, cancel one. Listing with optional filters
// is built with PostgresQuery interpolation in PostgresJobStore.jobs(_:) (binds, never
// concatenated values).

/// One job by id, with its errors and history.
struct JobGet: JobIDStatement {
    static let sql = "SELECT \(JobColumns.full) FROM jobs WHERE id = $1"
    typealias Row = JobRow.Columns
    var id: Int64
}

/// Cancels an available or running job. A running job's worker finds out when its fenced
/// complete/fail matches nothing (`state = 'running'` no longer holds).
struct JobCancel: JobIDStatement {
    static let sql = """
        UPDATE jobs AS j SET
            state = 'cancelled',
            finished_at = now(),
            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
            history = j.history || history_entry('cancelled', j.state, 'cancelled', j.attempt, NULL)
        WHERE j.id = $1 AND j.state IN ('available', 'running')
        RETURNING \(JobColumns.full)
        """
    typealias Row = JobRow.Columns
    var id: Int64
}

/// The id of the active job holding a unique key, if any (served by jobs_unique_key_active_idx).
struct JobGetActiveByUniqueKey: TextParameterStatement {
    static let sql = "SELECT id FROM jobs WHERE unique_key = $1 AND state IN ('available', 'running')"
    typealias Row = Int64
    var key: String
    var parameter: String { key }
}

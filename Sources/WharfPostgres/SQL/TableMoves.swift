// The two moves between `jobs` and `dead_jobs`, shared by every statement that makes one, so
// the column lists are written once. Each is the INSERT … SELECT half of a statement whose
// other half deletes the row from the table it leaves (`DELETE … RETURNING *` as `source`):
// one statement, so a job is never in both tables and never in neither.

enum TableMoves {
    /// A running job's row (from `source`) into the dead-letter table, with the attempt's
    /// `error` appended and the `dead_lettered` history entry. `error` and `reason` are SQL
    /// expressions (a parameter, or text built from the row).
    static func deadLetter(from source: String, error: String, reason: String) -> String {
        """
        INSERT INTO dead_jobs (id, queue, kind, payload, priority, attempt, max_attempts, run_at, unique_key,
                               errors, history, created_at, started_at, died_at, reason)
        SELECT id, queue, kind, payload, priority, attempt, max_attempts, run_at, unique_key,
               errors || error_entry(attempt, \(error), lease_owner),
               history || history_entry('dead_lettered', 'running', 'dead', attempt, lease_owner),
               created_at, started_at, now(), \(reason)
        FROM \(source)
        """
    }

    /// A dead job's row (from `source`) back into `jobs`: available now, a fresh attempt count,
    /// its id, errors and history kept, and the `retried` history entry.
    static func revive(from source: String) -> String {
        """
        INSERT INTO jobs (id, queue, kind, payload, priority, state, attempt, max_attempts, run_at,
                          unique_key, errors, history, created_at)
        SELECT id, queue, kind, payload, priority, 'available', 0, max_attempts, now(),
               unique_key, errors, history || history_entry('retried', 'dead', 'available', 0, NULL), created_at
        FROM \(source)
        """
    }
}

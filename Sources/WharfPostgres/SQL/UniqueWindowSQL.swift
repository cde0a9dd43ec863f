import PostgresNIO

/// Deletes expired unique-key periods (migration 0008's unique_windows), oldest first.
struct UniqueWindowPrune: PostgresPreparedStatement {
    // Served by unique_windows_expiry_idx. SKIP LOCKED: a row an enqueuer has locked is being
    // taken over right now and must not be deleted under it; the LIMIT keeps each statement short.
    // An expired row is dead weight either way: the next enqueue of its key takes it over.
    static let sql = """
        WITH doomed AS (
            SELECT unique_key FROM unique_windows
            WHERE expires_at <= now()
            ORDER BY expires_at
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        DELETE FROM unique_windows AS w USING doomed WHERE w.unique_key = doomed.unique_key
        RETURNING w.unique_key
        """
    typealias Row = String
    var limit: Int64

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 1)
        b.append(limit)
        return b
    }
}

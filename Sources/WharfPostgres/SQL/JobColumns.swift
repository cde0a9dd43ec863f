/// The column lists that `JobRow` decodes, so every statement returning jobs returns the same
/// shape. jsonb columns come back as text: Foundation decodes them, PostgresNIO need not.
enum JobColumns {
    /// Everything, for admin reads.
    static let full = """
        id, queue, kind, payload::text, priority, state, attempt, max_attempts, run_at, \
        lease_owner, lease_token, lease_expires_at, unique_key, errors::text, history::text, \
        created_at, started_at, finished_at
        """

    /// The hot path (claim) skips errors and history: workers do not need them, and they grow
    /// with every attempt.
    static let forClaim = """
        id, queue, kind, payload::text, priority, state, attempt, max_attempts, run_at, \
        lease_owner, lease_token, lease_expires_at, unique_key, '[]'::text, '[]'::text, \
        created_at, started_at, finished_at
        """

    /// A dead job: the job columns it keeps (lease and state are gone), then when and why.
    static let dead = """
        id, queue, kind, payload::text, priority, attempt, max_attempts, run_at, unique_key, \
        errors::text, history::text, created_at, started_at, died_at, reason
        """
}

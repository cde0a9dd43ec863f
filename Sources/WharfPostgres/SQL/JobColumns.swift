/// The column lists that `JobRow` decodes, so every statement returning jobs returns the same
/// shape. jsonb columns come back as text: Foundation decodes them, PostgresNIO need not.
enum JobColumns {
    /// Everything, for admin reads.
    static let full = """
        id, queue, kind, payload::text, priority, state, attempt, max_attempts, run_at, \
        lease_owner, lease_token, lease_expires_at, unique_key, errors::text, history::text, \
        created_at, started_at, finished_at
        """

    /// The hot path (claim) returns only what the claim does not already know: the queue, the
    /// state, the lease owner and the empty finish are the statement's own inputs, and errors
    /// and history (which grow with every attempt) are not needed by workers. Decoding rows was
    /// the largest single cost in a busy worker's profile.
    static let forClaim = """
        id, kind, payload::text, priority, attempt, max_attempts, run_at, lease_token, lease_expires_at, \
        unique_key, created_at, started_at
        """

    /// A dead job: the job columns it keeps (lease and state are gone), then when and why.
    static let dead = """
        id, queue, kind, payload::text, priority, attempt, max_attempts, run_at, unique_key, \
        errors::text, history::text, created_at, started_at, died_at, reason
        """
}

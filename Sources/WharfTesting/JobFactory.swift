public import Foundation
import PostgresNIO
import WharfPostgres
public import WharfCore

/// Puts jobs into any state directly (River's testfactory), so a test can start where it needs
/// to instead of driving the whole pipeline there.
public enum JobFactory {
    /// Inserts one job row. A `.running` job gets a lease owned by `worker`, with a fresh token,
    /// expiring at `leaseExpiresAt` (default: one minute from now).
    @discardableResult
    public static func insert(
        _ db: TestDatabase, kind: String = "test.job", queue: String = "default", payload: String = "{}",
        state: JobState = .available, attempt: Int = 0, maxAttempts: Int = 20, priority: Int = 0,
        runAt: Date? = nil, worker: String = "factory-worker", leaseExpiresAt: Date? = nil, uniqueKey: String? = nil
    ) async throws -> Job {
        let running = state == .running
        let finished = state.isTerminal
        let runAtValue = runAt ?? Date()
        let leaseOwner: String? = running ? worker : nil
        let leaseExpiry: Date? = running ? (leaseExpiresAt ?? Date().addingTimeInterval(60)) : nil
        let id: Int64 = try await db.scalar(
            """
            INSERT INTO jobs (queue, kind, payload, priority, state, attempt, max_attempts, run_at,
                              lease_owner, lease_token, lease_expires_at, unique_key, started_at, finished_at)
            VALUES (\(queue), \(kind), \(payload)::jsonb, \(Int16(priority)), \(state.rawValue), \(Int32(attempt)),
                    \(Int32(maxAttempts)), \(runAtValue), \(leaseOwner),
                    CASE WHEN \(running) THEN nextval('lease_token_seq') END, \(leaseExpiry), \(uniqueKey),
                    CASE WHEN \(running || finished) THEN now() END, CASE WHEN \(finished) THEN now() END)
            RETURNING id
            """)
        guard let job = try await db.store.job(JobID(id)) else { throw TestDatabaseError("inserted job \(id) vanished") }
        return job
    }

    /// Inserts one dead job directly into the dead-letter table, with one error entry.
    @discardableResult
    public static func insertDead(
        _ db: TestDatabase, kind: String = "test.job", queue: String = "default", error: String = "it broke",
        reason: DeathReason = .maxAttemptsExhausted, uniqueKey: String? = nil
    ) async throws -> JobID {
        let id: Int64 = try await db.scalar(
            """
            INSERT INTO dead_jobs (id, queue, kind, payload, priority, attempt, max_attempts, run_at, unique_key,
                                   errors, history, created_at, started_at, died_at, reason)
            VALUES (nextval('jobs_id_seq'), \(queue), \(kind), '{}', 0, 1, 1, now(), \(uniqueKey),
                    error_entry(1, \(error), 'factory-worker'),
                    history_entry('dead_lettered', 'running', 'dead', 1, 'factory-worker'),
                    now(), now(), now(), \(reason.rawValue))
            RETURNING id
            """)
        return JobID(id)
    }

    /// Moves a running job's lease expiry into the past, as if its worker had stopped beating.
    public static func expireLease(_ db: TestDatabase, _ id: JobID, secondsAgo: Double = 1) async throws {
        try await db.query(
            "UPDATE jobs SET lease_expires_at = now() - \(secondsAgo) * interval '1 second' WHERE id = \(id.rawValue)")
    }

    /// Makes an available job due now (skips its backoff delay).
    public static func makeDue(_ db: TestDatabase, _ id: JobID) async throws {
        try await db.query("UPDATE jobs SET run_at = now() WHERE id = \(id.rawValue)")
    }
}

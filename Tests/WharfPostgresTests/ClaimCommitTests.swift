import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// A claim's rows reach the client before its transaction commits. If the backend dies in
/// between, the worker must not run those jobs: they were never its. A deferred constraint
/// trigger that sleeps at commit time makes the window seconds wide, and the test kills the
/// backend inside it.
@Suite("Claims are used only once committed")
struct ClaimCommitTests {
    @Test("a backend killed between the claim's rows and its commit: the claim fails, the job stays available, nothing runs")
    func uncommittedClaimIsNeverUsed() async throws {
        try await withTestDatabase(poolSize: 4) { db in
            try await db.query("""
                CREATE FUNCTION sleep_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(60); RETURN NULL; END $$
                """)
            try await db.query("""
                CREATE CONSTRAINT TRIGGER sleep_at_commit AFTER UPDATE ON jobs DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW WHEN (NEW.state = 'running') EXECUTE FUNCTION sleep_at_commit()
                """)
            let id = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("once"))])[0].id
            let claim = Task { try await db.store.claim(queue: .default, limit: 5, worker: WorkerID("w"), leaseTTL: .seconds(60)) }
            // The claiming backend is asleep inside its commit: kill it there.
            try await expectEventually("the claim sleeps in its commit", timeout: .seconds(30)) {
                let killed: Int64 = try await db.scalar("""
                    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                    WHERE wait_event = 'PgSleep' AND datname = current_database() AND pid <> pg_backend_pid()
                      AND query NOT LIKE '%pg_stat_activity%'
                    """)
                return killed > 0
            }
            let result = await claim.result
            switch result {
            case .success(let jobs):
                Issue.record("the claim returned \(jobs.count) job(s) whose claim never committed")
            case .failure:
                break
            }
            // PostgresNIO's pool can still hand out the connection killed a moment ago (it fails
            // with serverClosedConnection; docs/operations.md, "Known limits"), so the checks
            // that follow retry.
            try await expectEventually("the trigger is dropped") { (try? await db.query("DROP TRIGGER IF EXISTS sleep_at_commit ON jobs")) != nil }
            try await expectEventually("the job is read back: available, no attempt used (the claim rolled back)") {
                guard let job = try? await db.store.job(id) else { return false }
                #expect(job.state == .available && job.attempt == 0)
                return true
            }
        }
    }
}

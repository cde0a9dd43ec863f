import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

/// A claim's rows reach the client before its transaction commits. If the backend dies in
/// between, or the commit fails, the worker must not run those jobs: they were never its. A
/// deferred constraint trigger that sleeps at commit time makes the window seconds wide, and the
/// test kills the backend inside it; one that raises makes the commit fail.
@Suite("Claims are used only once committed")
struct ClaimCommitTests {
    /// The two statements that claim: alone, and with the completions of jobs that finished.
    enum ClaimCall: String, CaseIterable, Sendable {
        case claim = "claim"
        case completeAndClaim = "complete and claim"
    }

    /// What goes wrong at the claim's commit: a deferred trigger on `jobs` sleeps there (and the
    /// test kills the backend), or raises an error.
    enum CommitFault: String, CaseIterable, Sendable {
        case backendKilled = "backend killed"
        case commitFailed = "commit failed"

        var triggerBody: String {
            switch self {
            // Named, so that the test kills this backend and no other test's.
            case .backendKilled: "PERFORM set_config('application_name', current_schema() || ' sleeping at commit', false); PERFORM pg_sleep(60); RETURN NULL;"
            case .commitFailed: "RAISE EXCEPTION 'refused at commit'; RETURN NULL;"
            }
        }
    }

    @Test(
        "a claim whose commit does not happen (backend killed, commit failed): the claim fails, the job stays available, nothing runs",
        arguments: ClaimCall.allCases, CommitFault.allCases)
    func uncommittedClaimIsNeverUsed(_ call: ClaimCall, _ fault: CommitFault) async throws {
        try await withTestDatabase(poolSize: 4) { db in
            // For the combined statement, a running job whose completion rides along (and rolls back too).
            let finished = try await JobFactory.insert(db, state: .running, worker: "w")
            try await db.query(PostgresQuery(unsafeSQL: """
                CREATE FUNCTION at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN \(fault.triggerBody) END $$
                """))
            try await db.query("""
                CREATE CONSTRAINT TRIGGER at_commit AFTER UPDATE ON jobs DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW WHEN (NEW.state = 'running') EXECUTE FUNCTION at_commit()
                """)
            let id = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("once"))])[0].id
            let claim = Task {
                switch call {
                case .claim:
                    try await db.store.claim(queue: .default, limit: 5, worker: WorkerID("w"), leaseTTL: .seconds(60))
                case .completeAndClaim:
                    try await db.store.completeAndClaim(
                        finished.claimRef.map { [$0] } ?? [], queue: .default, limit: 5, worker: WorkerID("w"), leaseTTL: .seconds(60)
                    ).claimed
                }
            }
            if fault == .backendKilled {
                // The claiming backend is asleep inside its commit: kill it there.
                try await expectEventually("the claim sleeps in its commit", timeout: .seconds(60)) {
                    let killed: Int64 = try await db.scalar("""
                        SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                        WHERE wait_event = 'PgSleep' AND application_name = current_schema() || ' sleeping at commit'
                        """)
                    return killed > 0
                }
            }
            let result = await claim.result
            switch result {
            case .success(let jobs):
                Issue.record("the claim returned \(jobs.count) job(s) whose claim never committed")
            case .failure:
                break
            }
            // PostgresNIO's pool can still hand out the connection closed a moment ago (it fails
            // with serverClosedConnection; docs/operations.md, "Known limits"), so the checks
            // that follow retry.
            try await expectEventually("the trigger is dropped") { (try? await db.query("DROP TRIGGER IF EXISTS at_commit ON jobs")) != nil }
            try await expectEventually("the job is read back: available, no attempt used (the claim rolled back)") {
                guard let job = try? await db.store.job(id) else { return false }
                #expect(job.state == .available && job.attempt == 0)
                return true
            }
            #expect(try await db.store.job(finished.id)?.state == .running, "the completion rolled back with the claim")
        }
    }
}

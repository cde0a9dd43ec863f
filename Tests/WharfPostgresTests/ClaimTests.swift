import Foundation
import PostgresNIO
import Synchronization
import Testing
import WharfCore
@testable import WharfPostgres
import WharfTesting

@Suite("Claiming")
struct ClaimTests {
    @Test("concurrent claimers never receive the same job: 4,000 jobs, 16 claimers, 10 connections")
    func concurrentClaimersNeverShareAJob() async throws {
        try await withTestDatabase(poolSize: 10) { db in
            let total = 4000
            let kind = try JobKind("race")
            for chunk in stride(from: 0, to: total, by: 1000) {
                _ = try await db.store.enqueue((chunk..<chunk + 1000).map { _ in EnqueueRequest(kind: kind) })
            }
            let perClaimer = try await withThrowingTaskGroup(of: [JobID].self) { group in
                for claimer in 0..<16 {
                    group.addTask {
                        var mine: [JobID] = []
                        while true {
                            let jobs = try await db.store.claim(queue: .default, limit: 7, worker: WorkerID("w\(claimer)"), leaseTTL: .seconds(60))
                            if jobs.isEmpty { return mine }
                            mine += jobs.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [[JobID]]()) { $0.append($1) }
            }
            let all = perClaimer.flatMap { $0 }
            #expect(all.count == total, "every job claimed")
            #expect(Set(all).count == total, "no job claimed twice")
            #expect(perClaimer.filter { !$0.isEmpty }.count > 1, "the work was actually shared")
            let running: Int64 = try await db.scalar("SELECT count(*) FROM jobs WHERE state = 'running' AND attempt = 1")
            #expect(running == Int64(total))
        }
    }

    @Test("claims follow priority, then run-at, and skip future and other-queue jobs")
    func claimOrder() async throws {
        try await withTestDatabase { db in
            let now = Date()
            let late = try await JobFactory.insert(db, priority: 5, runAt: now.addingTimeInterval(-10))
            let urgent = try await JobFactory.insert(db, priority: 0, runAt: now.addingTimeInterval(-1))
            let older = try await JobFactory.insert(db, priority: 5, runAt: now.addingTimeInterval(-20))
            _ = try await JobFactory.insert(db, priority: 0, runAt: now.addingTimeInterval(3600))
            _ = try await JobFactory.insert(db, queue: "other", priority: 0, runAt: now.addingTimeInterval(-100))
            let claimed = try await db.store.claim(queue: .default, limit: 10, worker: WorkerID("w"), leaseTTL: .seconds(30))
            #expect(claimed.map(\.id) == [urgent.id, older.id, late.id])
        }
    }

    @Test("a claim sets state, attempt, a fresh lease token and a lease on the database clock")
    func claimSetsLease() async throws {
        try await withTestDatabase { db in
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("k")), EnqueueRequest(kind: try JobKind("k"))])
            let claimed = try await db.store.claim(queue: .default, limit: 2, worker: WorkerID("host:1"), leaseTTL: .seconds(45))
            #expect(claimed.count == 2)
            // One token per claim statement: the fence is (id, token).
            #expect(Set(claimed.compactMap { $0.lease?.token }).count == 1)
            for job in claimed {
                let lease = try #require(job.lease)
                #expect(job.state == .running)
                #expect(job.attempt == 1)
                #expect(lease.owner.rawValue == "host:1")
                let started = try #require(job.startedAt)
                #expect(abs(lease.expiresAt.timeIntervalSince(started) - 45) < 0.001)
            }
            let stored = try #require(try await db.store.job(claimed[0].id))
            #expect(stored.history.map(\.event) == ["enqueued", "claimed"])
            #expect(stored.history.last?.worker == "host:1")
        }
    }

    @Test("the claim query uses the partial index even with many finished rows")
    func claimUsesPartialIndex() async throws {
        try await withTestDatabase { db in
            try await db.query(
                "INSERT INTO jobs (queue, kind, state, finished_at) SELECT 'default', 'k', 'completed', now() FROM generate_series(1, 20000)")
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("k"))])
            try await db.query("ANALYZE jobs")
            var plan = ""
            for try await line in try await db.client.query(
                "EXPLAIN SELECT id FROM jobs WHERE state = 'available' AND queue = 'default' AND run_at <= now() ORDER BY priority, run_at, id LIMIT 10 FOR UPDATE SKIP LOCKED",
                logger: db.logger
            ).decode(String.self) {
                plan += line + "\n"
            }
            #expect(plan.contains("jobs_claimable_idx"), "plan:\n\(plan)")
        }
    }

    @Test("claim and batch completion stay index lookups under the prepared statements' generic plans")
    func genericPlansDoNotWalkTheTable() async throws {
        try await withTestDatabase { db in
            // A backlog of 20,000 with no running rows in the statistics: before, the claim's
            // generic plan hash-joined through a sequential scan of jobs, and the completion
            // scanned jobs_lease_expiry_idx once per element of the batch.
            try await db.query("INSERT INTO jobs (queue, kind) SELECT 'default', 'k' FROM generate_series(1, 20000)")
            try await db.query("ANALYZE jobs")
            try await db.client.withConnection { connection in
                func plan(_ sql: String) async throws -> String {
                    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: db.logger).collect()
                        .map { try $0.decode(String.self) }.joined(separator: "\n")
                }
                _ = try await plan("SET plan_cache_mode = force_generic_plan")
                _ = try await plan("PREPARE claim(text, bigint, text, bigint) AS " + JobClaim.sql)
                _ = try await plan("PREPARE complete(bigint[], bigint[]) AS " + JobCompleteMany.sql)
                let claim = try await plan("EXPLAIN EXECUTE claim('default', 200, 'w', 30000000)")
                #expect(!claim.contains("Merge Join") && claim.contains("Index Cond: (id = ANY"), "claim plan:\n\(claim)")
                let complete = try await plan("EXPLAIN EXECUTE complete('{1,2,3}', '{1,2,3}')")
                #expect(!complete.contains("jobs_lease_expiry_idx") && complete.contains("jobs_pkey"), "completion plan:\n\(complete)")
            }
        }
    }
}

@Suite("Fencing, completion and leases")
struct FencingTests {
    @Test("a worker whose lease was reclaimed cannot complete or fail the job's next run")
    func staleLeaseIsFencedOut() async throws {
        try await withTestDatabase { db in
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("k"))])
            let a = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("A"), leaseTTL: .seconds(30)).first)
            try await JobFactory.expireLease(db, a.id)
            let reclaimed = try await db.store.reclaimExpired(limit: 100)
            #expect(reclaimed.requeued == [a.id] && reclaimed.deadLettered.isEmpty)
            #expect(reclaimed.jobs == [ReclaimedJob(id: a.id, queue: .default, kind: a.kind, attempt: 1, worker: WorkerID("A"), deadLettered: false)])

            let b = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("B"), leaseTTL: .seconds(30)).first)
            #expect(b.id == a.id)
            #expect(b.attempt == 2)
            let staleRef = try #require(a.claimRef)
            let freshRef = try #require(b.claimRef)

            #expect(try await db.store.complete([staleRef]) == [.leaseLost])
            #expect(try await db.store.fail(staleRef, failure: .transient("late"), decision: .retry(after: .zero)) == .leaseLost)
            #expect(try await db.store.fail(staleRef, failure: .permanent("late"), decision: .deadLetter(.permanentFailure)) == .leaseLost)
            #expect(try await db.store.extendLeases([staleRef], ttl: .seconds(30)).isEmpty)
            #expect(try await db.store.release([staleRef]) == [.leaseLost])
            let meanwhile = try #require(try await db.store.job(a.id))
            #expect(meanwhile.state == .running)
            #expect(meanwhile.lease?.owner.rawValue == "B")

            #expect(try await db.store.complete([freshRef]) == [.applied])
            let done = try #require(try await db.store.job(a.id))
            #expect(done.state == .completed)
            #expect(done.lease == nil)
            #expect(done.errors.count == 1)
            #expect(done.errors[0].error.contains("lease expired"))
            #expect(done.errors[0].error.contains("worker A"))
            #expect(done.history.map(\.event) == ["enqueued", "claimed", "lease_expired", "claimed", "succeeded"])
        }
    }

    @Test("a token shared by one claim's rows fences only that claim: a later claim of one of them gets a new token")
    func sharedTokenFencesPerClaim() async throws {
        try await withTestDatabase { db in
            let kind = try JobKind("k")
            _ = try await db.store.enqueue([EnqueueRequest(kind: kind), EnqueueRequest(kind: kind)])
            let first = try await db.store.claim(queue: .default, limit: 2, worker: WorkerID("A"), leaseTTL: .seconds(30))
            #expect(first.count == 2)
            let (lost, kept) = (try #require(first[0].claimRef), try #require(first[1].claimRef))
            #expect(lost.token == kept.token, "one token per claim statement")
            try await JobFactory.expireLease(db, lost.id)
            #expect(try await db.store.reclaimExpired(limit: 10).requeued == [lost.id])
            _ = try await db.store.enqueue([EnqueueRequest(kind: kind)])
            let second = try await db.store.claim(queue: .default, limit: 2, worker: WorkerID("B"), leaseTTL: .seconds(30))
            let again = try #require(second.first { $0.id == lost.id }?.claimRef)
            #expect(again.token != lost.token)

            // The stale pair matches nothing; the other job of the first claim is still A's.
            #expect(try await db.store.extendLeases([lost, kept], ttl: .seconds(30)) == [kept])
            #expect(try await db.store.release([lost]) == [.leaseLost])
            #expect(try await db.store.fail(lost, failure: .transient("late"), decision: .retry(after: .zero)) == .leaseLost)
            #expect(try await db.store.complete([lost, kept, again]) == [.leaseLost, .applied, .applied])
        }
    }

    @Test("complete is applied per job: held leases complete, lost ones are reported")
    func completeIsPerJob() async throws {
        try await withTestDatabase { db in
            _ = try await db.store.enqueue((0..<3).map { _ in EnqueueRequest(kind: try! JobKind("k")) })  // safe: constant valid kind
            let jobs = try await db.store.claim(queue: .default, limit: 3, worker: WorkerID("w"), leaseTTL: .seconds(30))
            _ = try await db.store.cancel(jobs[1].id)
            let outcomes = try await db.store.complete(jobs.compactMap(\.claimRef))
            #expect(outcomes == [.applied, .leaseLost, .applied])
        }
    }

    @Test("extending leases pushes expiry out and returns only leases still held")
    func extendLeases() async throws {
        try await withTestDatabase { db in
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("k")), EnqueueRequest(kind: try JobKind("k"))])
            let jobs = try await db.store.claim(queue: .default, limit: 2, worker: WorkerID("w"), leaseTTL: .seconds(5))
            let refs = jobs.compactMap(\.claimRef)
            _ = try await db.store.complete([refs[1]])
            let extended = try await db.store.extendLeases(refs, ttl: .seconds(300))
            #expect(extended == [refs[0]])
            let job = try #require(try await db.store.job(refs[0].id))
            let remaining = try #require(job.lease).expiresAt.timeIntervalSinceNow
            #expect(remaining > 200)
        }
    }

    @Test("a released job goes back to available without using an attempt")
    func releaseKeepsAttempt() async throws {
        try await withTestDatabase { db in
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("k"))])
            let job = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30)).first)
            #expect(try await db.store.release([try #require(job.claimRef)]) == [.applied])
            let released = try #require(try await db.store.job(job.id))
            #expect(released.state == .available)
            #expect(released.attempt == 0)
            let again = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w2"), leaseTTL: .seconds(30)).first)
            #expect(again.attempt == 1)
            #expect(again.lease?.token != job.lease?.token)
        }
    }

    @Test("a reclaimed job keeps its place: it is claimed before jobs enqueued while it ran")
    func reclaimedJobKeepsItsPlace() async throws {
        try await withTestDatabase { db in
            let crashed = try await JobFactory.insert(db, state: .running, attempt: 1, runAt: Date().addingTimeInterval(-60))
            for _ in 0..<5 { try await JobFactory.insert(db) }
            try await JobFactory.expireLease(db, crashed.id)
            #expect(try await db.store.reclaimExpired(limit: 10).requeued == [crashed.id])
            let next = try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30))
            #expect(next.map(\.id) == [crashed.id])
        }
    }

    @Test("an expired lease on the last attempt sends the job to dead letters with the lease error")
    func expiredLastAttemptDies() async throws {
        try await withTestDatabase { db in
            let job = try await JobFactory.insert(db, state: .running, attempt: 3, maxAttempts: 3, worker: "crashed-host:77", leaseExpiresAt: Date().addingTimeInterval(-5))
            let fresh = try await JobFactory.insert(db, state: .running, attempt: 1, leaseExpiresAt: Date().addingTimeInterval(60))
            let result = try await db.store.reclaimExpired(limit: 100)
            #expect(result.requeued.isEmpty && result.deadLettered == [job.id])
            #expect(result.jobs.map(\.worker) == [WorkerID("crashed-host:77")] && result.jobs.allSatisfy(\.deadLettered))
            #expect(try await db.store.job(job.id) == nil)
            let dead = try #require(try await db.store.deadJob(job.id))
            #expect(dead.reason == .leaseExpiredOnLastAttempt)
            #expect(dead.job.errors.last?.error.contains("worker crashed-host:77") == true)
            #expect(try await db.store.job(fresh.id)?.state == .running)
        }
    }
}

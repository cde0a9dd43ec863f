import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

@Suite("Failures, retries and dead letters")
struct FailureTests {
    @Test("a failing job walks through its retries with the policy's delays and dies with every error")
    func failingJobWalksThroughRetries() async throws {
        try await withTestDatabase { db in
            let policy = try RetryPolicy(base: .seconds(10), cap: .seconds(25), jitter: .none)
            let id = try await db.store.enqueue([
                EnqueueRequest(kind: try JobKind("flaky"), options: try EnqueueOptions(maxAttempts: 4))
            ])[0].id
            var expectedDelays: [Double] = []
            for attempt in 1...4 {
                let job = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30)).first)
                #expect(job.id == id)
                #expect(job.attempt == attempt)
                let decision = FailureDecision.decide(.transient("boom \(attempt)"), attempt: attempt, jobMaxAttempts: job.maxAttempts, policy: policy, random: 0.5)
                #expect(try await db.store.fail(try #require(job.claimRef), failure: .transient("boom \(attempt)"), decision: decision) == .applied)
                if attempt < 4 {
                    let waiting = try #require(try await db.store.job(id))
                    let failedAt = try #require(waiting.errors.last?.at)
                    // run_at = the failure's database time + the policy's delay, to the microsecond.
                    expectedDelays.append([10.0, 20.0, 25.0][attempt - 1])
                    #expect(abs(waiting.runAt.timeIntervalSince(failedAt) - expectedDelays.last!) < 0.000_01)  // safe: appended just above
                    #expect(waiting.state == .available)
                    #expect(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30)).isEmpty, "not due yet")
                    try await JobFactory.makeDue(db, id)
                } else {
                    #expect(decision == .deadLetter(.maxAttemptsExhausted))
                }
            }
            #expect(try await db.store.job(id) == nil, "gone from jobs")
            let dead = try #require(try await db.store.deadJob(id))
            #expect(dead.reason == .maxAttemptsExhausted)
            #expect(dead.job.attempt == 4)
            #expect(dead.job.errors.map(\.error) == ["boom 1", "boom 2", "boom 3", "boom 4"])
            #expect(dead.job.errors.map(\.attempt) == [1, 2, 3, 4])
            let expectedEvents: [String] = ["enqueued", "claimed", "failed", "claimed", "failed", "claimed", "failed", "claimed", "dead_lettered"]
            #expect(dead.job.history.map(\.event) == expectedEvents)
            #expect(dead.job.history.last?.to == "dead")
        }
    }

    @Test("a permanent failure dead-letters on the first attempt")
    func permanentFailureDiesAtOnce() async throws {
        try await withTestDatabase { db in
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("k"))])
            let job = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30)).first)
            let failure = Failure.permanent("422 Unprocessable Entity")
            let decision = FailureDecision.decide(failure, attempt: 1, jobMaxAttempts: 20, policy: .default, random: 0.5)
            #expect(try await db.store.fail(try #require(job.claimRef), failure: failure, decision: decision) == .applied)
            let dead = try #require(try await db.store.deadJob(job.id))
            #expect(dead.reason == .permanentFailure)
            #expect(dead.job.errors.map(\.error) == ["422 Unprocessable Entity"])
            let inBoth: Int64 = try await db.scalar("SELECT count(*) FROM jobs WHERE id = \(job.id.rawValue)")
            #expect(inBoth == 0)
        }
    }

    @Test("a retried dead job is back in jobs with its id, errors and history and a fresh attempt count")
    func deadJobRetry() async throws {
        try await withTestDatabase { db in
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("k"), options: try EnqueueOptions(maxAttempts: 1))])
            let job = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30)).first)
            _ = try await db.store.fail(try #require(job.claimRef), failure: .transient("x"), decision: .deadLetter(.maxAttemptsExhausted))

            let revived = try await db.store.retryDead(job.id)
            #expect(revived.id == job.id)
            #expect(revived.state == .available)
            #expect(revived.attempt == 0)
            #expect(revived.errors.map(\.error) == ["x"])
            #expect(revived.history.map(\.event) == ["enqueued", "claimed", "dead_lettered", "retried"])
            #expect(try await db.store.deadJob(job.id) == nil)
            let again = try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30))
            #expect(again.map(\.id) == [job.id])

            await #expect(throws: StoreError.deadJobNotFound(job.id.rawValue)) { try await db.store.retryDead(job.id) }
        }
    }

    @Test("retrying a dead job whose unique key is active again is refused and the dead job stays")
    func deadJobRetryRespectsUniqueKeys() async throws {
        try await withTestDatabase { db in
            let keyed = EnqueueRequest(kind: try JobKind("k"), options: try EnqueueOptions(maxAttempts: 1, uniqueKey: try UniqueKey("report-7")))
            _ = try await db.store.enqueue([keyed])
            let job = try #require(try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30)).first)
            _ = try await db.store.fail(try #require(job.claimRef), failure: .transient("x"), decision: .deadLetter(.maxAttemptsExhausted))
            let holder = try await db.store.enqueue([keyed])[0]
            #expect(holder.inserted)

            await #expect(throws: StoreError.uniqueKeyTaken(id: job.id.rawValue, key: "report-7", holder: holder.id.rawValue)) {
                try await db.store.retryDead(job.id)
            }
            #expect(try await db.store.deadJob(job.id) != nil)
        }
    }

    @Test("purging deletes one dead job, or all of a queue")
    func purge() async throws {
        try await withTestDatabase { db in
            for queue in ["a", "a", "b"] {
                let job = try await JobFactory.insert(db, queue: queue, state: .running, attempt: 1, maxAttempts: 1, leaseExpiresAt: Date().addingTimeInterval(-1))
                _ = job
            }
            let dead = try await db.store.reclaimExpired(limit: 10).deadLettered
            #expect(dead.count == 3)
            try await db.store.purgeDead(dead[0])
            await #expect(throws: StoreError.deadJobNotFound(dead[0].rawValue)) { try await db.store.purgeDead(dead[0]) }
            #expect(try await db.store.purgeAllDead(DeadJobSelection(queue: try QueueName("a"))) == 1)
            #expect(try await db.store.purgeAllDead(DeadJobSelection()) == 1)
            #expect(try await db.store.deadJobs(JobFilter()).isEmpty)
        }
    }
}

@Suite("Cancel, listing and counts")
struct AdminTests {
    @Test("cancel: available and running jobs cancel; finished, dead and unknown ones are refused with a reason")
    func cancel() async throws {
        try await withTestDatabase { db in
            let available = try await JobFactory.insert(db)
            let running = try await JobFactory.insert(db, state: .running, attempt: 1)
            let completed = try await JobFactory.insert(db, state: .completed, attempt: 1)
            #expect(try await db.store.cancel(available.id).state == .cancelled)
            let cancelledRunning = try await db.store.cancel(running.id)
            #expect(cancelledRunning.state == .cancelled)
            #expect(cancelledRunning.lease == nil)
            #expect(cancelledRunning.history.last?.from == "running")
            #expect(try await db.store.complete([try #require(running.claimRef)]) == [.leaseLost])

            await #expect {
                try await db.store.cancel(completed.id)
            } throws: { error in
                guard case StoreError.invalidTransition(let id, let reason) = error else { return false }
                return id == completed.id.rawValue && reason.contains("completed cannot be cancelled")
            }
            await #expect(throws: StoreError.jobNotFound(999_999)) { try await db.store.cancel(JobID(999_999)) }
        }
    }

    @Test("listing filters by queue, kind and state and pages by id")
    func listing() async throws {
        try await withTestDatabase { db in
            for i in 0..<7 {
                try await JobFactory.insert(db, kind: i % 2 == 0 ? "even" : "odd", queue: i < 4 ? "q1" : "q2")
            }
            let page1 = try await db.store.jobs(JobFilter(queue: try QueueName("q1"), limit: 3))
            #expect(page1.count == 3)
            #expect(page1.map(\.id) == page1.map(\.id).sorted(by: >))
            let page2 = try await db.store.jobs(JobFilter(queue: try QueueName("q1"), before: page1.last?.id, limit: 3))
            #expect(page2.count == 1)
            #expect(Set(page1.map(\.id)).isDisjoint(with: page2.map(\.id)))
            #expect(try await db.store.jobs(JobFilter(kind: try JobKind("odd"))).count == 3)
            #expect(try await db.store.jobs(JobFilter(state: .running)).isEmpty)
        }
    }

    @Test("counts per queue split available, scheduled, running, finished and dead")
    func counts() async throws {
        try await withTestDatabase { db in
            try await JobFactory.insert(db, queue: "q")
            try await JobFactory.insert(db, queue: "q", runAt: Date().addingTimeInterval(600))
            try await JobFactory.insert(db, queue: "q", state: .running, attempt: 1)
            try await JobFactory.insert(db, queue: "q", state: .completed, attempt: 1)
            try await JobFactory.insert(db, queue: "q", state: .cancelled)
            try await JobFactory.insert(db, queue: "q", state: .running, attempt: 1, maxAttempts: 1, leaseExpiresAt: Date().addingTimeInterval(-1))
            _ = try await db.store.reclaimExpired(limit: 10)
            let counts = try await db.store.queueCounts()
            #expect(counts == [QueueCounts(queue: try QueueName("q"), available: 1, scheduled: 1, running: 1, completed: 1, cancelled: 1, dead: 1)])
        }
    }
}

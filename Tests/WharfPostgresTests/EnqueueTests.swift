import Foundation
import PostgresNIO
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

@Suite("Enqueue")
struct EnqueueTests {
    let kind = try! JobKind("test.job")  // safe: a constant valid kind (tested in WharfCoreTests)

    @Test("a batch of thousands is inserted in one call, ids in request order")
    func batchInsertKeepsOrder() async throws {
        try await withTestDatabase { db in
            let requests = (0..<5000).map { i in
                EnqueueRequest(kind: kind, payload: JobPayload(unchecked: "{\"i\": \(i)}"))
            }
            let results = try await db.store.enqueue(requests)
            #expect(results.count == 5000)
            #expect(results.allSatisfy { $0.inserted })
            #expect(Set(results.map(\.id)).count == 5000)
            // The id at position i holds payload i.
            let mismatches: Int64 = try await db.scalar(
                "SELECT count(*) FROM jobs j JOIN unnest(\(results.map(\.id.rawValue))::bigint[]) WITH ORDINALITY AS r(id, ord) ON r.id = j.id WHERE (j.payload->>'i')::bigint <> r.ord - 1")
            #expect(mismatches == 0)
            let count: Int64 = try await db.scalar("SELECT count(*) FROM jobs WHERE state = 'available' AND jsonb_array_length(history) = 1")
            #expect(count == 5000)
        }
    }

    @Test("options land in the row: queue, priority, max attempts, delay and run-at")
    func optionsLandInTheRow() async throws {
        try await withTestDatabase { db in
            let at = Date(timeIntervalSince1970: 2_000_000_000)
            let results = try await db.store.enqueue([
                EnqueueRequest(kind: kind, options: try EnqueueOptions(queue: try QueueName("mail"), priority: try Priority(7), schedule: .after(.seconds(3600)), maxAttempts: 3)),
                EnqueueRequest(kind: kind, options: try EnqueueOptions(schedule: .at(at))),
            ])
            let delayed = try #require(try await db.store.job(results[0].id))
            #expect(delayed.queue.rawValue == "mail")
            #expect(delayed.priority.rawValue == 7)
            #expect(delayed.maxAttempts == 3)
            #expect(abs(delayed.runAt.timeIntervalSince(delayed.createdAt) - 3600) < 0.001)
            let scheduled = try #require(try await db.store.job(results[1].id))
            #expect(scheduled.runAt == at)
        }
    }

    @Test("a duplicate unique key returns the active job's id; once it finished the key is free")
    func uniqueKeyDeduplicatesActiveJobs() async throws {
        try await withTestDatabase { db in
            let keyed = EnqueueRequest(kind: kind, options: try EnqueueOptions(uniqueKey: try UniqueKey("invoice-42")))
            let first = try await db.store.enqueue([keyed])[0]
            let again = try await db.store.enqueue([keyed, keyed])
            #expect(first.inserted)
            #expect(again == [EnqueueResult(id: first.id, inserted: false), EnqueueResult(id: first.id, inserted: false)])

            let claimed = try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(30))
            let stillActive = try await db.store.enqueue([keyed])[0]
            #expect(stillActive == EnqueueResult(id: first.id, inserted: false))

            _ = try await db.store.complete(claimed.compactMap(\.claimRef))
            let afterFinish = try await db.store.enqueue([keyed])[0]
            #expect(afterFinish.inserted)
            #expect(afterFinish.id != first.id)
        }
    }

    @Test("repeats of a key within one batch insert one job")
    func repeatsWithinABatchInsertOnce() async throws {
        try await withTestDatabase { db in
            let a = EnqueueRequest(kind: kind, options: try EnqueueOptions(uniqueKey: try UniqueKey("a")))
            let plain = EnqueueRequest(kind: kind)
            let results = try await db.store.enqueue([a, plain, a, plain])
            #expect(results[0].inserted && results[1].inserted && results[3].inserted)
            #expect(results[2] == EnqueueResult(id: results[0].id, inserted: false))
            let count: Int64 = try await db.scalar("SELECT count(*) FROM jobs")
            #expect(count == 3)
        }
    }

    @Test("concurrent enqueues of one key make exactly one job")
    func concurrentUniqueEnqueuesMakeOneJob() async throws {
        try await withTestDatabase { db in
            let keyed = EnqueueRequest(kind: kind, options: try EnqueueOptions(uniqueKey: try UniqueKey("race")))
            let ids = try await withThrowingTaskGroup(of: JobID.self) { group in
                for _ in 0..<16 { group.addTask { try await db.store.enqueue([keyed])[0].id } }
                return try await group.reduce(into: Set<JobID>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
            let count: Int64 = try await db.scalar("SELECT count(*) FROM jobs")
            #expect(count == 1)
        }
    }
}

@Suite("The wharf.enqueue SQL function")
struct EnqueueFunctionTests {
    /// Runs `body` while a separate connection listens on the schema's job channel.
    func listening<T: Sendable>(_ db: TestDatabase, _ body: (PostgresNotificationSequence) async throws -> T) async throws -> T {
        let listener = try await PostgresConnection.connect(configuration: try db.url.connectionConfiguration(), id: 1, logger: db.logger)
        do {
            let result = try await listener.listen(on: "\(db.schema).jobs", consume: body)
            try await listener.close()
            return result
        } catch {
            try? await listener.close()
            throw error
        }
    }

    @Test("inside a transaction that rolls back, no job exists; after a commit the job exists and a NOTIFY arrives")
    func transactionalEnqueueAndNotify() async throws {
        try await withTestDatabase { db in
            try await listening(db) { notifications in
                var iterator = notifications.makeAsyncIterator()
                await #expect(throws: PostgresTransactionError.self) {
                    try await db.client.withTransaction(logger: db.logger) { tx in
                        try await tx.query("SELECT \(unescaped: db.schema).enqueue('mail.send', '{\"to\": \"a\"}', queue => 'rolled-back')", logger: db.logger)
                        throw TestDatabaseError("application rolls back")
                    }
                }
                let afterRollback: Int64 = try await db.scalar("SELECT count(*) FROM jobs")
                #expect(afterRollback == 0)

                let id: Int64 = try await db.client.withTransaction(logger: db.logger) { tx in
                    let rows = try await tx.query(
                        "SELECT \(unescaped: db.schema).enqueue('mail.send', '{\"to\": \"b\"}', queue => 'mail', priority => 3, max_attempts => 5)",
                        logger: db.logger)
                    var id: Int64 = 0
                    for try await value in rows.decode(Int64.self) { id = value }
                    return id
                }
                let job = try #require(try await db.store.job(JobID(id)))
                #expect(job.queue.rawValue == "mail")
                #expect(job.priority.rawValue == 3)
                #expect(job.maxAttempts == 5)
                #expect(job.payload.json == "{\"to\": \"b\"}")

                // Only the committed insert notifies: the rolled-back one never reaches listeners.
                let notification = try await iterator.next()
                #expect(notification?.payload == "mail")
            }
        }
    }

    @Test("one statement inserting many rows sends one notification per queue")
    func oneNotificationPerStatementAndQueue() async throws {
        try await withTestDatabase { db in
            try await listening(db) { notifications in
                let kind = try JobKind("k")
                let even = try EnqueueOptions(queue: try QueueName("even")), odd = try EnqueueOptions(queue: try QueueName("odd"))
                let requests = (0..<300).map { i in EnqueueRequest(kind: kind, options: i % 2 == 0 ? even : odd) }
                _ = try await db.store.enqueue(requests)
                // A marker from a later statement: everything the batch sent arrives before it.
                try await db.query("SELECT pg_notify(\(db.schema + ".jobs"), 'marker')")
                var received: [String] = []
                for try await notification in notifications {
                    if notification.payload == "marker" { break }
                    received.append(notification.payload)
                }
                #expect(received.sorted() == ["even", "odd"])
            }
        }
    }

    @Test(
        "bad arguments are rejected with a message naming the argument",
        arguments: [
            ("'bad kind!', '{}'", "invalid kind"),
            ("'k', '{}', queue => ''", "invalid queue"),
            ("'k', '{}', priority => 10", "priority 10 is out of range"),
            ("'k', '{}', max_attempts => 0", "max_attempts 0 is out of range"),
            ("'k', NULL", "payload is NULL"),
            ("'k', '{oops'", "invalid input syntax for type json"),
        ])
    func badArgumentsAreRejected(arguments: String, message: String) async throws {
        try await withTestDatabase { db in
            do {
                try await db.query(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue(\(arguments))"))
                Issue.record("enqueue(\(arguments)) was accepted")
            } catch let error as PSQLError {
                let text = error.serverInfo?[.message] ?? ""
                #expect(text.contains(message), "got: \(text)")
            }
            let count: Int64 = try await db.scalar("SELECT count(*) FROM jobs")
            #expect(count == 0)
        }
    }

    @Test("the function honours unique keys like the store does")
    func functionHonoursUniqueKeys() async throws {
        try await withTestDatabase { db in
            let first: Int64 = try await db.scalar(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('k', unique_key => 'u1')"))
            let second: Int64 = try await db.scalar(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('k', '{\"other\": true}', unique_key => 'u1')"))
            #expect(first == second)
            let fromStore = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("k"), options: try EnqueueOptions(uniqueKey: try UniqueKey("u1")))])
            #expect(fromStore == [EnqueueResult(id: JobID(first), inserted: false)])
        }
    }

    @Test("the function works whatever the caller's search_path is")
    func functionIgnoresCallerSearchPath() async throws {
        try await withTestDatabase { db in
            let id: Int64 = try await db.client.withConnection { connection in
                try await connection.query("SET search_path = public", logger: db.logger)
                let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(db.schema).enqueue('k')"), logger: db.logger)
                var id: Int64 = 0
                for try await value in rows.decode(Int64.self) { id = value }
                try await connection.query(PostgresQuery(unsafeSQL: "SET search_path = \(db.schema)"), logger: db.logger)
                return id
            }
            #expect(try await db.store.job(JobID(id)) != nil)
        }
    }
}

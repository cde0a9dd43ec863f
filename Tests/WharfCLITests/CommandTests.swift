import Foundation
import Testing
import WharfCore
import WharfPostgres
import WharfTesting

@Suite("wharf commands against a real database")
struct CommandTests {
    @Test("migrate, enqueue, list, show and cancel work together as the README says")
    func readmeFlow() async throws {
        try await withTestDatabase(migrate: false) { db in
            let migrate = await wharf(db, ["migrate"])
            #expect(migrate.status == 0, "\(migrate.err)")
            #expect(migrate.out.contains("applied migrations 1"))
            #expect(await wharf(db, ["migrate"]).out.contains("is up to date"))

            let enqueue = await wharf(db, ["enqueue", "email.send", "--payload", "{\"to\": \"ops@example.com\"}", "--queue", "mail", "--priority", "2", "--max-attempts", "5", "--json"])
            #expect(enqueue.status == 0, "\(enqueue.err)")
            let id = try #require(try jsonObject(enqueue.out)["id"] as? Int)

            let list = await wharf(db, ["jobs", "list", "--queue", "mail", "--json"])
            let jobs = try #require(try jsonObject(list.out)["jobs"] as? [[String: Any]])
            #expect(jobs.count == 1)
            #expect(jobs.first?["id"] as? Int == id)
            #expect(jobs.first?["kind"] as? String == "email.send")
            #expect((jobs.first?["payload"] as? [String: Any])?["to"] as? String == "ops@example.com")
            #expect(jobs.first?["max_attempts"] as? Int == 5)

            let table = await wharf(db, ["jobs", "list"])
            #expect(table.out.contains("email.send"))
            #expect(table.out.contains("0/5"))

            let show = await wharf(db, ["jobs", "show", String(id)])
            #expect(show.status == 0)
            #expect(show.out.contains("timeline:"))
            #expect(show.out.contains("enqueued"))
            #expect(show.out.contains("ops@example.com"))

            let cancel = await wharf(db, ["jobs", "cancel", String(id)])
            #expect(cancel.out == "cancelled job \(id)")
            #expect(try await db.store.job(JobID(Int64(id)))?.state == .cancelled)
            let again = await wharf(db, ["jobs", "cancel", String(id)])
            #expect(again.status == 1)
            #expect(again.err.contains("cancelled cannot be cancelled"))

            let stats = await wharf(db, ["stats", "--json"])
            let queues = try #require(try jsonObject(stats.out)["queues"] as? [[String: Any]])
            #expect(queues.first?["queue"] as? String == "mail")
            #expect(queues.first?["cancelled"] as? Int == 1)
        }
    }

    @Test("enqueue reads the payload from a file, and a unique key returns the existing job")
    func enqueueFromFileAndUniqueKey() async throws {
        try await withTestDatabase { db in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-payload-\(UUID()).json")
            try Data("{\"report\": 7}".utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let first = await wharf(db, ["enqueue", "report.build", "--payload", "@\(file.path)", "--unique-key", "report-7", "--delay", "10m"])
            #expect(first.status == 0, "\(first.err)")
            let second = await wharf(db, ["enqueue", "report.build", "--payload", "@\(file.path)", "--unique-key", "report-7"])
            #expect(second.out.contains("already holds unique key \"report-7\""))
            let jobs = try await db.store.jobs(JobFilter())
            #expect(jobs.count == 1)
            #expect(jobs[0].payload.json == "{\"report\": 7}")
            #expect(jobs[0].runAt.timeIntervalSince(jobs[0].createdAt) > 590)
        }
    }

    @Test("--unique-for holds the key after the job finished; it needs --unique-key")
    func enqueueWithinPeriod() async throws {
        try await withTestDatabase { db in
            let first = await wharf(db, ["enqueue", "report.daily", "--unique-key", "daily:2026-12-03", "--unique-for", "1d"])
            #expect(first.status == 0, "\(first.err)")
            let claimed = try await db.store.claim(queue: .default, limit: 1, worker: WorkerID("w"), leaseTTL: .seconds(600))
            #expect(try await db.store.complete(claimed.compactMap(\.claimRef)).count == 1)
            let second = await wharf(db, ["enqueue", "report.daily", "--unique-key", "daily:2026-12-03", "--unique-for", "1d"])
            #expect(second.status == 0 && second.out.contains("already holds unique key \"daily:2026-12-03\" (within its period)"), "\(second.out)")
            let keyless = await wharf(db, ["enqueue", "report.daily", "--unique-for", "1d"])
            #expect(keyless.status != 0 && keyless.err.contains("needs a unique key"), "\(keyless.err)")
            let zero = await wharf(db, ["enqueue", "report.daily", "--unique-key", "z", "--unique-for", "0s"])
            #expect(zero.status != 0 && zero.err.contains("unique-for"), "\(zero.err)")
            #expect(try await db.store.jobs(JobFilter()).count == 1)
        }
    }

    @Test("--batch enqueues one job per JSON line; bad lines are all reported by number and nothing is enqueued")
    func enqueueBatch() async throws {
        try await withTestDatabase { db in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-batch-\(UUID()).jsonl")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data("""
                {"kind": "ok", "unique_key": "x"}
                {"kind": "bad kind!"}

                {"kind": "ok", "priority": 12}
                [1]
                """.utf8).write(to: file)
            let bad = await wharf(db, ["enqueue", "--batch", file.path])
            #expect(bad.status == 65, "\(bad.err)")
            for fragment in ["3 bad lines", "line 2: ", "line 4: ", "priority", "line 5: must be a job object"] {
                #expect(bad.err.contains(fragment), "\(fragment): \(bad.err)")
            }
            #expect(try await db.store.jobs(JobFilter()).isEmpty)
            try Data("""
                {"kind": "ok", "unique_key": "x", "queue": "mail"}
                {"kind": "ok", "unique_key": "x"}

                {"kind": "other", "payload": {"n": 1}, "delay_seconds": 60}
                """.utf8).write(to: file)
            let good = await wharf(db, ["enqueue", "--batch", file.path])
            #expect(good.status == 0 && good.out.contains("enqueued 2 jobs; 1 unique keys already held"), "\(good.out) \(good.err)")
            let jobs = try await db.store.jobs(JobFilter())
            #expect(jobs.count == 2 && Set(jobs.map(\.kind.rawValue)) == ["ok", "other"])
            let mixed = await wharf(db, ["enqueue", "k", "--batch", file.path])
            #expect(mixed.status == 64 && mixed.err.contains("takes each job's fields from its line"), "\(mixed.err)")
            let defaulted = await wharf(db, ["enqueue", "--batch", file.path, "--queue", "default"])
            #expect(defaulted.status == 64, "a per-job flag is refused even at its default value: \(defaulted.err)")
            let missing = await wharf(db, ["enqueue", "--batch", "/nonexistent/wharf-batch.jsonl"])
            #expect(missing.status == 65 && missing.err.contains("cannot read the batch file /nonexistent/wharf-batch.jsonl"), "\(missing.err)")
        }
    }

    @Test("wharf workers lists registered workers with their heartbeat")
    func workersCommand() async throws {
        try await withTestDatabase { db in
            #expect(await wharf(db, ["workers"]).out == "no workers registered")
            try await db.store.register(WorkerInfo(id: WorkerID("host-a:42:x"), host: "host-a", pid: 42, queues: [.default, try QueueName("mail")], concurrency: 14, version: "0.1.0"))
            let table = await wharf(db, ["workers"])
            #expect(table.out.contains("host-a:42:x"))
            #expect(table.out.contains("default,mail"))
            let json = try jsonObject(await wharf(db, ["workers", "--json"]).out)
            let workers = try #require(json["workers"] as? [[String: Any]])
            #expect(workers.first?["concurrency"] as? Int == 14)
        }
    }

    @Test("dlq list, show, retry and purge act on the dead-letter table")
    func deadLetterCommands() async throws {
        try await withTestDatabase { db in
            for _ in 0..<2 {
                try await JobFactory.insert(db, kind: "charge", state: .running, attempt: 1, maxAttempts: 1, worker: "w-1", leaseExpiresAt: Date().addingTimeInterval(-1))
            }
            let dead = try await db.store.reclaimExpired(limit: 10).deadLettered
            let list = await wharf(db, ["dlq", "list"])
            #expect(list.out.contains("lease_expired_on_last_attempt"))
            let show = await wharf(db, ["dlq", "show", dead[0].description, "--json"])
            let object = try jsonObject(show.out)
            #expect(object["state"] as? String == "dead")
            #expect(((object["errors"] as? [[String: Any]])?.first?["error"] as? String)?.contains("worker w-1") == true)

            let retry = await wharf(db, ["dlq", "retry", dead[0].description])
            #expect(retry.status == 0, "\(retry.err)")
            #expect(try await db.store.job(dead[0])?.state == .available)

            #expect(await wharf(db, ["dlq", "purge", dead[0].description, "--all"]).status == 64)
            let purge = await wharf(db, ["dlq", "purge", "--all"])
            #expect(purge.out == "purged 1 dead job")
            #expect(try await db.store.deadJobs(JobFilter()).isEmpty)
            let missing = await wharf(db, ["dlq", "retry", dead[1].description])
            #expect(missing.status == 1)
            #expect(missing.err.contains("no dead job with id \(dead[1])"))
        }
    }
}

@Suite("wharf error paths: clear message, right exit code, nothing written")
struct CommandErrorTests {
    @Test("invalid JSON payload says where, exits 65 and enqueues nothing")
    func invalidPayload() async throws {
        try await withTestDatabase { db in
            let result = await wharf(db, ["enqueue", "k", "--payload", "{\"a\": [1,, 2]}"])
            #expect(result.status == 65)
            #expect(result.err.contains("line 1, column 10"))
            #expect(result.err.hasPrefix("error: invalid payload"))
            let jobs = try await db.store.jobs(JobFilter())
            #expect(jobs.isEmpty)
        }
    }

    @Test("an unknown job id is reported, exit 1")
    func unknownJob() async throws {
        try await withTestDatabase { db in
            let result = await wharf(db, ["jobs", "show", "424242"])
            #expect(result.status == 1)
            #expect(result.err.contains("no job with id 424242"))
            let bad = await wharf(db, ["jobs", "show", "abc"])
            #expect(bad.status == 64)
            #expect(bad.err.contains("must be a positive integer"))
        }
    }

    @Test("a schema that was never migrated says to run wharf migrate, exit 78")
    func schemaMissing() async throws {
        try await withTestDatabase(migrate: false) { db in
            for arguments in [["enqueue", "k"], ["jobs", "list"], ["stats"]] {
                let result = await wharf(db, arguments)
                #expect(result.status == 78)
                #expect(result.err.contains("run `wharf migrate`"), "\(arguments): \(result.err)")
            }
        }
    }

    @Test("a malformed URL or option is a usage error, exit 64")
    func usageErrors() async throws {
        let badURL = await wharf(["stats", "--database-url", "http://localhost/db"])
        #expect(badURL.status == 64)
        #expect(badURL.err.contains("scheme \"http\" is not postgres://"))
        let badSchema = await wharf(["stats", "--database-url", "postgres://localhost/db", "--schema", "Robert'); DROP"])
        #expect(badSchema.status == 64)
        let badQueue = await wharf(["enqueue", "k", "--queue", "no spaces", "--database-url", "postgres://localhost/db"])
        #expect(badQueue.status == 64)
        #expect(badQueue.err.contains("invalid queue"))
        let badDelay = await wharf(["enqueue", "k", "--delay", "5 parsecs", "--database-url", "postgres://localhost/db"])
        #expect(badDelay.status == 64)
        #expect(badDelay.err.contains("delay"))
    }

    @Test("an unreachable server is named by host and port, exit 69")
    func unreachable() async throws {
        let port = try unusedLoopbackPort()
        let result = await wharf(["stats", "--database-url", "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable"])
        #expect(result.status == 69)
        #expect(result.err.contains("cannot connect to PostgreSQL at 127.0.0.1:\(port)"))
    }

    @Test("a database that does not exist is named, exit 78")
    func databaseMissing() async throws {
        let url = try testDatabaseURLText().replacingOccurrences(of: "/postgres?", with: "/no_such_db_here?")
        let result = await wharf(["stats", "--database-url", url])
        #expect(result.status == 78)
        #expect(result.err.contains("database \"no_such_db_here\" does not exist"))
    }
}

@Suite("The wharf binary")
struct BinaryTests {
    @Test("reads a payload from stdin and prints the job id")
    func payloadFromStdin() async throws {
        try await withTestDatabase { db in
            let result = try await wharfBinary(
                ["enqueue", "stdin.job", "--payload", "-", "--json"], stdin: "{\"from\": \"stdin\"}",
                environment: ["DATABASE_URL": db.urlText, "WHARF_SCHEMA": db.schema])
            #expect(result.status == 0, "\(result.err)")
            let id = try #require(try jsonObject(result.out)["id"] as? Int)
            #expect(try await db.store.job(JobID(Int64(id)))?.payload.json == "{\"from\": \"stdin\"}")
        }
    }

    @Test("exit codes and stderr for a missing URL, bad stdin payload and an unreachable server")
    func exitCodes() async throws {
        let missing = try await wharfBinary(["stats"])
        #expect(missing.status == 64)
        #expect(missing.err.contains("set DATABASE_URL"))
        #expect(missing.out.isEmpty)

        let badStdin = try await wharfBinary(["enqueue", "k", "--payload", "-"], stdin: "{\"a\": tru}", environment: ["DATABASE_URL": "postgres://127.0.0.1/x"])
        #expect(badStdin.status == 65)
        #expect(badStdin.err.contains("payload (from stdin)"))
        #expect(badStdin.err.contains("line 1, column 7"))

        let port = try unusedLoopbackPort()
        let down = try await wharfBinary(["jobs", "list"], environment: ["DATABASE_URL": "postgres://postgres@127.0.0.1:\(port)/postgres"])
        #expect(down.status == 69)
        #expect(down.err.contains("127.0.0.1:\(port)"))
    }
}

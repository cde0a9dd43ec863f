public import Logging
public import PostgresNIO
public import WharfCore
import Foundation

/// The PostgreSQL implementation of every port: ``WorkerJobStore``, ``JobEnqueuer``,
/// ``JobAdministration``, ``DeadLetterStore``, ``MonitoringReader``, ``QueueControl``,
/// ``WorkerRegistry`` and ``LeaderLock``. Holds a pooled `PostgresClient` whose connections have `search_path` set to the Wharf
/// schema; the caller runs the client (`client.run()`) for as long as the store is used.
public struct PostgresJobStore: Sendable {
    public let client: PostgresClient
    public let database: DatabaseURL
    let logger: Logger
    let closeGuard = ClosedConnectionGuard()

    public init(client: PostgresClient, database: DatabaseURL, logger: Logger) {
        self.client = client
        self.database = database
        self.logger = logger
    }

    /// Leases a pooled connection and runs `body` on it, failing as soon as the connection
    /// closes (see ``ClosedConnectionGuard``). Every statement of the store goes through here.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await closeGuard.withConnection(from: client, body)
    }

    /// Runs one prepared statement on a pooled connection and collects its rows, translating
    /// driver errors into ``StoreError``.
    func run<Statement: PostgresPreparedStatement>(_ operation: String, _ statement: Statement) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        do {
            return try await withConnection { [logger] connection in
                var rows: [Statement.Row] = []
                for try await row in try await connection.execute(statement, logger: logger) {
                    rows.append(row)
                }
                return rows
            }
        } catch {
            throw translate(error, operation: operation)
        }
    }

    /// Runs one prepared statement and returns its rows only once its commit has been answered.
    /// A statement's rows (and its CommandComplete) reach the client before its implicit
    /// transaction commits at Sync, and PostgresNIO ends the row stream there: a backend killed in
    /// between leaves the client holding rows of a transaction that never committed. For a claim
    /// that meant running jobs this worker never owned (issue: "a job ran twice with the same
    /// attempt"). So ``CommitConfirm`` follows on the same connection: the server reads it only
    /// after that commit, and a backend that died there fails it, as does a commit that failed
    /// (its error arrives after CommandComplete, which PostgresNIO treats as a protocol error and
    /// closes the connection). ClaimCommitTests covers both. This costs one more round trip;
    /// the explicit BEGIN … COMMIT it replaced cost two, a third of a small queue's claim cycle.
    func runCommitted<Statement: PostgresPreparedStatement>(_ operation: String, _ statement: Statement) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        do {
            return try await withConnection { [logger] connection in
                var rows: [Statement.Row] = []
                for try await row in try await connection.execute(statement, logger: logger) {
                    rows.append(row)
                }
                for try await _ in try await connection.execute(CommitConfirm(), logger: logger) {}
                return rows
            }
        } catch {
            throw translate(error, operation: operation)
        }
    }

    /// Maps a driver error onto the ``StoreError`` a person can act on. The full driver error
    /// is logged (`String(reflecting:)`; its `description` is deliberately generic).
    func translate(_ error: any Error, operation: String) -> any Error {
        StoreError.translate(error, operation: operation, database: database, logger: logger)
    }
}

extension StoreError {
    /// SQLSTATEs that mean "the Wharf objects are not there": undefined table, function or schema.
    static let missingObjectStates: Set<String> = ["42P01", "42883", "3F000"]

    /// Data exceptions (22xxx), integrity constraint violations (23xxx) and "program limit
    /// exceeded" (54000, a value too large): the values are wrong, not the connection.
    static func rejectedValueStates(_ state: String) -> Bool {
        state.hasPrefix("22") || state.hasPrefix("23") || state == "54000"
    }

    public static func translate(_ error: any Error, operation: String, database: DatabaseURL, logger: Logger) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        logger.debug("Database error", metadata: ["db.operation": "\(operation)", "error.message": "\(String(reflecting: error))"])
        guard let psql = error as? PSQLError else {
            return StoreError.unreachable(host: database.host, port: database.port, reason: "\(error)")
        }
        if let state = psql.serverInfo?[.sqlState] {
            let message = psql.serverInfo?[.message] ?? "server error"
            switch state {
            case _ where missingObjectStates.contains(state):
                return StoreError.schemaMissing(schema: database.schema)
            case "28P01", "28000":
                return StoreError.authenticationFailed(user: database.user, host: database.host, port: database.port, reason: message)
            case "3D000":
                return StoreError.databaseMissing(name: database.database)
            case "23505":
                return StoreError.uniqueViolation(operation: operation, detail: message)
            default:
                var detail = "\(message) (SQLSTATE \(state))"
                if let hint = psql.serverInfo?[.hint] { detail += "; hint: \(hint)" }
                if rejectedValueStates(state) { return StoreError.rejected(operation: operation, detail: detail) }
                return StoreError.query(operation: operation, detail: detail)
            }
        }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .sslUnsupported, .failedToAddSSLHandler:
            let underlying = psql.underlying.map { "\($0)" } ?? "\(psql.code)"
            return StoreError.unreachable(host: database.host, port: database.port, reason: underlying)
        default:
            return StoreError.query(operation: operation, detail: "\(psql.code)")
        }
    }
}

// MARK: - JobEnqueuer

extension PostgresJobStore: JobEnqueuer {
    public func enqueue(_ requests: [EnqueueRequest]) async throws -> [EnqueueResult] {
        if requests.isEmpty { return [] }
        let (unique, mapping) = EnqueueRequest.deduplicated(requests)
        let resolved = unique.contains { $0.options.uniqueFor != nil } ? try await enqueueEach(unique) : try await insertMany(unique)
        // Later repeats of a key within the batch report the first one's job, as not inserted.
        var seen = Set<Int>()
        return mapping.map { index in
            let result = resolved[index]
            return EnqueueResult(id: result.id, inserted: result.inserted && seen.insert(index).inserted)
        }
    }

    /// A batch with a key held over a period: each row through enqueue_job, in one statement.
    private func enqueueEach(_ unique: [EnqueueRequest]) async throws -> [EnqueueResult] {
        let rows = try await run("enqueue", JobEnqueueEach(unique))
        return try rows.map { row in
            guard let id = row.id else { throw StoreError.query(operation: "enqueue", detail: "enqueue_job returned no job id") }
            return EnqueueResult(id: JobID(id), inserted: row.inserted)
        }
    }

    /// A batch without periods: one multi-row insert, retried for the rows whose key changed
    /// hands while it ran.
    private func insertMany(_ unique: [EnqueueRequest]) async throws -> [EnqueueResult] {
        var resolved = [EnqueueResult?](repeating: nil, count: unique.count)
        var pending = Array(unique.indices)
        // ON CONFLICT sees rows committed after the statement's snapshot was taken, but the
        // holder lookup in the same statement does not: a key taken by a transaction that
        // committed meanwhile comes back without an id (nothing was inserted for it). Only those
        // rows are sent again, in a new statement with a new snapshot; rows without a key
        // always insert.
        for _ in 0..<3 where !pending.isEmpty {
            let rows = try await run("enqueue", JobInsertMany(pending.map { unique[$0] }))
            var stillPending: [Int] = []
            for (position, row) in zip(pending, rows) {
                if let id = row.id {
                    resolved[position] = EnqueueResult(id: JobID(id), inserted: row.inserted)
                } else {
                    stillPending.append(position)
                }
            }
            pending = stillPending
        }
        guard pending.isEmpty else {
            throw StoreError.query(operation: "enqueue", detail: "a unique key kept changing hands; retry the enqueue")
        }
        // Every position was resolved above (pending is empty).
        return resolved.map { $0 ?? EnqueueResult(id: JobID(0), inserted: false) }
    }

}

// MARK: - WorkerJobStore

extension PostgresJobStore: WorkerJobStore {
    public func claim(queue: QueueName, limit: Int, worker: WorkerID, leaseTTL: Duration) async throws -> [Job] {
        guard limit > 0 else { return [] }
        let rows = try await runCommitted(
            "claim",
            JobClaim(queue: queue.rawValue, limit: Int64(limit), worker: worker.rawValue, leaseMicros: leaseTTL.wharfMicroseconds))
        return Self.inClaimOrder(rows.map { JobRow.claimed($0, queue: queue, worker: worker) })
    }

    /// UPDATE ... RETURNING has no order; jobs are handed out in claim order.
    private static func inClaimOrder(_ jobs: [Job]) -> [Job] {
        jobs.sorted { ($0.priority, $0.runAt, $0.id) < ($1.priority, $1.runAt, $1.id) }
    }

    public func completeAndClaim(_ refs: [ClaimRef], queue: QueueName, limit: Int, worker: WorkerID, leaseTTL: Duration) async throws
        -> CompletedAndClaimed
    {
        // Either half alone is its own, lighter statement.
        if refs.isEmpty { return CompletedAndClaimed(completed: [], claimed: try await claim(queue: queue, limit: limit, worker: worker, leaseTTL: leaseTTL)) }
        if limit <= 0 { return CompletedAndClaimed(completed: try await complete(refs), claimed: []) }
        // Committed before it returns, like a claim alone (see runCommitted).
        let rows = try await runCommitted(
            "complete and claim",
            JobCompleteAndClaim(
                queue: queue.rawValue, limit: Int64(limit), worker: worker.rawValue, leaseMicros: leaseTTL.wharfMicroseconds,
                ids: refs.map(\.id.rawValue), tokens: refs.map(\.token.rawValue)))
        let completed = rows.first.map { Array(zip($0.0 ?? [], $0.1 ?? [])) } ?? []
        let claimed = rows.compactMap(JobRow.claimedColumns).map { JobRow.claimed($0, queue: queue, worker: worker) }
        return CompletedAndClaimed(completed: Self.fenced(refs, applied: completed), claimed: Self.inClaimOrder(claimed))
    }

    public func complete(_ refs: [ClaimRef]) async throws -> [FencedOutcome] {
        if refs.isEmpty { return [] }
        let done = try await run("complete", JobCompleteMany(ids: refs.map(\.id.rawValue), tokens: refs.map(\.token.rawValue)))
        return Self.fenced(refs, applied: done)
    }

    public func fail(_ ref: ClaimRef, failure: Failure, decision: FailureDecision) async throws -> FencedOutcome {
        let rows: [Int64]
        switch decision {
        case .retry(let delay):
            rows = try await run(
                "fail",
                JobFailRetry(id: ref.id.rawValue, token: ref.token.rawValue, delayMicros: delay.wharfMicroseconds, error: failure.message))
        case .deadLetter(let reason):
            rows = try await run(
                "fail",
                JobFailDead(id: ref.id.rawValue, token: ref.token.rawValue, error: failure.message, reason: reason.rawValue))
        }
        return rows.isEmpty ? .leaseLost : .applied
    }

    public func snooze(_ ref: ClaimRef, for delay: Duration, maxSnoozes: Int) async throws -> SnoozeResult {
        let statement = JobSnooze(
            id: ref.id.rawValue, token: ref.token.rawValue, delayMicros: delay.wharfMicroseconds, max: Int64(maxSnoozes))
        guard let (before, written) = try await run("snooze", statement).first else { return .leaseLost }
        // Int64 to Int cannot trap here (64-bit), and the count stays below the 100,000 cap.
        return written ? .snoozed(count: Int(before) + 1) : .capReached(Int(before))
    }

    public func release(_ refs: [ClaimRef]) async throws -> [FencedOutcome] {
        if refs.isEmpty { return [] }
        let released = try await run("release", JobReleaseMany(ids: refs.map(\.id.rawValue), tokens: refs.map(\.token.rawValue)))
        return Self.fenced(refs, applied: released)
    }

    /// Each claim's outcome, by its (id, token) pair: the id alone cannot tell a stale claim from
    /// a fresh one of the same job in one batch.
    private static func fenced(_ refs: [ClaimRef], applied rows: [(Int64, Int64)]) -> [FencedOutcome] {
        let applied = Set(rows.map { ClaimRef(id: JobID($0.0), token: LeaseToken($0.1)) })
        return refs.map { applied.contains($0) ? .applied : .leaseLost }
    }

    public func extendLeases(_ refs: [ClaimRef], ttl: Duration) async throws -> Set<ClaimRef> {
        if refs.isEmpty { return [] }
        let rows = try await run(
            "extend leases",
            LeaseExtendMany(ids: refs.map(\.id.rawValue), tokens: refs.map(\.token.rawValue), ttlMicros: ttl.wharfMicroseconds))
        return Set(rows.map { ClaimRef(id: JobID($0.0), token: LeaseToken($0.1)) })
    }

    public func reclaimExpired(limit: Int) async throws -> ReclaimResult {
        let rows = try await run("reclaim expired leases", JobReclaimExpired(limit: Int64(limit)))
        var result = ReclaimResult()
        for (id, dead, queue, kind, attempt, owner) in rows.sorted(by: { $0.0 < $1.0 }) {
            if dead { result.deadLettered.append(JobID(id)) } else { result.requeued.append(JobID(id)) }
            result.jobs.append(ReclaimedJob(
                id: JobID(id), queue: QueueName(unchecked: queue), kind: JobKind(unchecked: kind), attempt: Int(attempt),
                worker: WorkerID(owner), deadLettered: dead))
        }
        return result
    }

    public func pruneFinished(olderThan retention: Duration, limit: Int) async throws -> Int {
        try await run("prune finished jobs", JobPruneFinished(retentionMicros: retention.wharfMicroseconds, limit: Int64(limit))).count
    }

}

// MARK: - JobAdministration

extension PostgresJobStore: JobAdministration {
    public func cancel(_ id: JobID) async throws -> Job {
        if let row = try await run("cancel", JobCancel(id: id.rawValue)).first {
            return try JobRow.job(row)
        }
        // Nothing matched: say why, in the state machine's words.
        if let job = try await job(id) {
            do {
                _ = try JobStateMachine.apply(.cancelled, from: .state(job.state))
            } catch {
                throw StoreError.invalidTransition(id: id.rawValue, reason: error.description)
            }
            throw StoreError.invalidTransition(id: id.rawValue, reason: "its state changed during the cancel; try again")
        }
        if try await deadJob(id) != nil {
            throw StoreError.invalidTransition(
                id: id.rawValue,
                reason: try transitionText(.cancelled, from: .dead) + "; purge it with `wharf dlq purge \(id)`")
        }
        throw StoreError.jobNotFound(id.rawValue)
    }

    private func transitionText(_ event: JobEvent, from: JobPlacement) throws -> String {
        do {
            _ = try JobStateMachine.apply(event, from: from)
            return "\(event.rawValue) is allowed"
        } catch {
            return error.description
        }
    }

    public func job(_ id: JobID) async throws -> Job? {
        try await run("get job", JobGet(id: id.rawValue)).first.map(JobRow.job)
    }

    public func jobs(_ filter: JobFilter) async throws -> [Job] {
        // Optional filters as "$n IS NULL OR column = $n" keep one static statement shape; the
        // (queue, id) index serves the common --queue listing, id DESC is the keyset order.
        let query: PostgresQuery = """
            SELECT \(unescaped: JobColumns.full) FROM jobs
            WHERE (\(filter.queue?.rawValue)::text IS NULL OR queue = \(filter.queue?.rawValue))
              AND (\(filter.kind?.rawValue)::text IS NULL OR kind = \(filter.kind?.rawValue))
              AND (\(filter.state?.rawValue)::text IS NULL OR state = \(filter.state?.rawValue))
              AND (\(filter.before?.rawValue)::bigint IS NULL OR id < \(filter.before?.rawValue))
            ORDER BY id DESC
            LIMIT \(Int64(max(1, min(filter.limit, 1000))))
            """
        do {
            return try await withConnection { [logger] connection in
                var jobs: [Job] = []
                for try await row in try await connection.query(query, logger: logger).decode(JobRow.Columns.self) {
                    jobs.append(try JobRow.job(row))
                }
                return jobs
            }
        } catch {
            throw translate(error, operation: "list jobs")
        }
    }
}

// MARK: - DeadLetterStore

extension PostgresJobStore: DeadLetterStore {
    public func deadJobs(_ filter: JobFilter) async throws -> [DeadJob] {
        let query: PostgresQuery = """
            SELECT \(unescaped: JobColumns.dead) FROM dead_jobs
            WHERE (\(filter.queue?.rawValue)::text IS NULL OR queue = \(filter.queue?.rawValue))
              AND (\(filter.kind?.rawValue)::text IS NULL OR kind = \(filter.kind?.rawValue))
              AND (\(filter.before?.rawValue)::bigint IS NULL OR id < \(filter.before?.rawValue))
            ORDER BY id DESC
            LIMIT \(Int64(max(1, min(filter.limit, 1000))))
            """
        do {
            return try await withConnection { [logger] connection in
                var jobs: [DeadJob] = []
                for try await row in try await connection.query(query, logger: logger).decode(JobRow.DeadColumns.self) {
                    jobs.append(try JobRow.deadJob(row))
                }
                return jobs
            }
        } catch {
            throw translate(error, operation: "list dead jobs")
        }
    }

    public func deadJob(_ id: JobID) async throws -> DeadJob? {
        try await run("get dead job", DeadJobGet(id: id.rawValue)).first.map(JobRow.deadJob)
    }

    public func retryDead(_ id: JobID) async throws -> Job {
        do {
            guard let row = try await run("retry dead job", DeadJobRetry(id: id.rawValue)).first else {
                throw StoreError.deadJobNotFound(id.rawValue)
            }
            return try JobRow.job(row)
        } catch StoreError.uniqueViolation {
            let key = try await deadJob(id)?.job.uniqueKey?.rawValue ?? ""
            let holder = try await run("find unique key holder", JobGetActiveByUniqueKey(key: key)).first
            throw StoreError.uniqueKeyTaken(id: id.rawValue, key: key, holder: holder)
        }
    }

    public func purgeDead(_ id: JobID) async throws {
        if try await run("purge dead job", DeadJobPurge(id: id.rawValue)).isEmpty {
            throw StoreError.deadJobNotFound(id.rawValue)
        }
    }

    public func purgeAllDead(_ selection: DeadJobSelection) async throws -> Int {
        Int(try await run("purge dead jobs", DeadJobPurgeMatching(queue: selection.queue?.rawValue ?? "", kind: selection.kind?.rawValue ?? "")).first ?? 0)
    }

    public func retryAllDead(_ selection: DeadJobSelection) async throws -> BulkRetryResult {
        let queue = selection.queue?.rawValue ?? "", kind = selection.kind?.rawValue ?? ""
        let batch = 1000
        var retried = 0
        while true {
            let moved = try await run("retry dead jobs", DeadJobRetryMatching(queue: queue, kind: kind, limit: Int64(batch))).count
            retried += moved
            if moved < batch { break }
        }
        let left = try await run("count dead jobs", DeadJobCountMatching(queue: queue, kind: kind)).first ?? 0
        return BulkRetryResult(retried: retried, skipped: Int(left))
    }
}

import Foundation
import PostgresNIO
import WharfCore

// Every statement that touches `jobs` in the worker's life: insert, claim, complete, fail,
// release, lease extension, reclaim and pruning. One PostgresPreparedStatement per statement,
// named Noun+Verb so related statements sort together. docs/sql.md walks through them.

/// Inserts a batch of jobs in one round trip, honouring unique keys.
struct JobInsertMany: PostgresPreparedStatement {
    // Ids are drawn from the sequence up front (in `input`, which is materialized because it
    // calls the volatile nextval), so each input row knows its id whether or not it was inserted:
    // RETURNING alone gives no way to tell which input row a returned id belongs to.
    // A row whose unique key an active job holds is skipped by ON CONFLICT DO NOTHING and
    // answered with the holder's id. Batches are deduplicated by key before they get here.
    static let sql = """
        WITH input AS MATERIALIZED (
            SELECT nextval('jobs_id_seq') AS id, i.*
            FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::bigint[],
                        $6::timestamptz[], $7::bool[], $8::integer[], $9::text[])
                 WITH ORDINALITY AS i(queue, kind, payload, priority, delay_us, at, has_at, max_attempts, unique_key, ord)
        ),
        inserted AS (
            INSERT INTO jobs (id, queue, kind, payload, priority, run_at, max_attempts, unique_key, history)
            SELECT id, queue, kind, payload::jsonb, priority,
                   CASE WHEN has_at THEN at ELSE now() + delay_us * interval '1 microsecond' END,
                   max_attempts, nullif(unique_key, ''),
                   history_entry('enqueued', NULL, 'available', 0, NULL)
            FROM input
            ORDER BY ord
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running')
            DO NOTHING
            RETURNING id
        )
        SELECT input.ord, coalesce(inserted.id, holder.id), inserted.id IS NOT NULL
        FROM input
        LEFT JOIN inserted ON inserted.id = input.id
        LEFT JOIN jobs AS holder
               ON inserted.id IS NULL
              AND holder.unique_key = nullif(input.unique_key, '')
              AND holder.state IN ('available', 'running')
        ORDER BY input.ord
        """
    typealias Row = (ordinal: Int64, id: Int64?, inserted: Bool)
    private typealias Columns = (Int64, Int64?, Bool)

    var queues: [String] = []
    var kinds: [String] = []
    var payloads: [String] = []
    var priorities: [Int16] = []
    var delaysMicros: [Int64] = []
    var runAts: [Date] = []
    var hasRunAt: [Bool] = []
    var maxAttempts: [Int32] = []
    /// "" stands for no key: PostgresNIO arrays cannot carry NULL elements.
    var uniqueKeys: [String] = []

    init(_ requests: [EnqueueRequest]) {
        for request in requests {
            queues.append(request.options.queue.rawValue)
            kinds.append(request.kind.rawValue)
            payloads.append(request.payload.json)
            priorities.append(Int16(request.options.priority.rawValue))
            maxAttempts.append(Int32(request.options.maxAttempts))
            uniqueKeys.append(request.options.uniqueKey?.rawValue ?? "")
            // The epoch stands in for "no instant" where has_at is false.
            switch request.options.schedule {
            case .now: append(delay: 0, at: nil)
            case .after(let delay): append(delay: delay.wharfMicroseconds, at: nil)
            case .at(let date): append(delay: 0, at: date)
            }
        }
    }

    private mutating func append(delay: Int64, at: Date?) {
        delaysMicros.append(delay)
        runAts.append(at ?? Date(timeIntervalSince1970: 0))
        hasRunAt.append(at != nil)
    }

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 9)
        b.append(queues); b.append(kinds); b.append(payloads); b.append(priorities); b.append(delaysMicros)
        b.append(runAts); b.append(hasRunAt); b.append(maxAttempts); b.append(uniqueKeys)
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (ordinal, id, inserted) = try row.decode(Columns.self)
        return (ordinal, id, inserted)
    }
}

/// Inserts a batch in one round trip through the enqueue_job function, one call per row: the
/// path for batches that hold a key over a period (`unique_for`, migration 0008), whose fence
/// is a row lock on unique_windows taken before the job is inserted.
struct JobEnqueueEach: PostgresPreparedStatement {
    // The function is volatile, so each statement inside it takes a fresh snapshot (READ
    // COMMITTED) and sees keys that concurrent enqueuers committed meanwhile: no retry round is
    // needed here, unlike JobInsertMany. Rows are called in their input order.
    static let sql = """
        SELECT i.ord, e.job_id, e.inserted
        FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::bigint[],
                    $6::timestamptz[], $7::bool[], $8::integer[], $9::text[], $10::bigint[])
             WITH ORDINALITY AS i(queue, kind, payload, priority, delay_us, at, has_at, max_attempts, unique_key, unique_for_us, ord)
        CROSS JOIN LATERAL enqueue_job(
            i.kind, i.payload::jsonb, i.queue, i.priority,
            CASE WHEN i.has_at THEN i.at ELSE now() + i.delay_us * interval '1 microsecond' END,
            i.max_attempts, nullif(i.unique_key, ''),
            CASE WHEN i.unique_for_us > 0 THEN i.unique_for_us * interval '1 microsecond' END) AS e
        ORDER BY i.ord
        """
    typealias Row = JobInsertMany.Row

    let rows: JobInsertMany
    /// 0 stands for no period.
    let uniqueForMicros: [Int64]

    init(_ requests: [EnqueueRequest]) {
        rows = JobInsertMany(requests)
        uniqueForMicros = requests.map { $0.options.uniqueFor?.wharfMicroseconds ?? 0 }
    }

    func makeBindings() throws -> PostgresBindings {
        var b = try rows.makeBindings()
        b.append(uniqueForMicros)
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try rows.decodeRow(row) }
}

/// Claims up to `limit` due jobs of one queue for one worker.
struct JobClaim: PostgresPreparedStatement {
    static let sql = """
        WITH token AS MATERIALIZED (\(token)),
        picked AS (
        \(picked(queue: "$1", limit: "$2"))
        )
        \(update(worker: "$3", leaseMicros: "$4"))
        """

    // The pieces, which JobCompleteAndClaim uses too.
    //
    // Each claim statement draws one fencing token from lease_token_seq for all the rows it
    // claims: the fence is the (id, token) pair, and two claims of one job always come from
    // different statements, so they never share a token. (nextval per row cost about 9 µs a
    // row, more than any other part of the claim: docs/benchmarks.md.)
    static let token = "SELECT nextval('lease_token_seq') AS value"

    // `picked` picks and locks; the UPDATE then writes only locked rows. FOR UPDATE SKIP LOCKED
    // skips rows that concurrent claimers have locked instead of waiting on them, so claimers
    // never block each other and never receive the same row. The scan is served by
    // jobs_claimable_idx (queue, priority, run_at, id) WHERE state = 'available': it holds only
    // available rows and is already in claim order, so finished rows cost nothing here.
    // `gate` is a further condition on the whole statement (a one-time filter).
    static func picked(queue: String, limit: String, gate: String = "") -> String {
        """
            SELECT id AS picked_id FROM jobs
            WHERE state = 'available' AND queue = \(queue) AND run_at <= now()
              -- A paused queue yields nothing; evaluated once per statement (one-time filter).
              AND NOT EXISTS (SELECT 1 FROM queues WHERE name = \(queue) AND paused)\(gate)
            ORDER BY priority, run_at, id
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        """
    }

    // least(attempt, 1000) + 1: a no-op for every row the schema's checks let in (attempt <
    // max_attempts <= 1000), and for a row edited by hand to attempt 2147483647 it keeps the
    // statement from failing with "integer out of range", which would stop the whole queue.
    // Such a job runs once more over its limit and is then dead-lettered.
    static func update(worker: String, leaseMicros: String) -> String {
        """
        UPDATE jobs AS j SET
            state = 'running',
            attempt = least(j.attempt, 1000) + 1,
            lease_owner = \(worker),
            lease_token = (SELECT value FROM token),
            lease_expires_at = now() + \(leaseMicros)::bigint * interval '1 microsecond',
            started_at = now(),
            history = j.history || history_entry('claimed', 'available', 'running', least(j.attempt, 1000) + 1, \(worker))
        -- id = ANY(ARRAY(...)) rather than a join with picked: as a join, the generic plan of
        -- this prepared statement (which plans LIMIT $2 as 10% of the table) merge-joined
        -- through jobs_pkey from its first id, i.e. through every finished row on each claim.
        WHERE j.id = ANY(ARRAY(SELECT picked_id FROM picked))
        RETURNING \(JobColumns.forClaim)
        """
    }
    typealias Row = JobRow.ClaimedColumns

    var queue: String
    var limit: Int64
    var worker: String
    var leaseMicros: Int64

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 4)
        b.append(queue); b.append(limit); b.append(worker); b.append(leaseMicros)
        return b
    }
}

/// Completes a batch of claimed jobs, each only while it still carries its lease token.
struct JobCompleteMany: ClaimBatchStatement {
    static let sql = """
        WITH locked AS (
        \(locked(ids: "$1", tokens: "$2"))
        )
        \(update)
        """

    // Fencing is the join: a row whose token changed (reclaimed and claimed again) or that is
    // no longer running (cancelled, reclaimed) is not matched, and its id is missing from
    // RETURNING, which the caller reports as .leaseLost. A matching lease_token implies
    // state = 'running' (constraint jobs_lease_iff_running), so the batch statements here do not
    // repeat that condition: with it, the planner's low estimate of running rows made it scan
    // jobs_lease_expiry_idx once per element of the batch (running jobs × batch size per call)
    // instead of one jobs_pkey lookup per element.
    //
    // Lock order: `locked` takes the row locks in id order (every statement that writes several
    // rows and waits for locks does), so two such statements cannot wait for each other in a
    // cycle. The lease renewal does not wait at all (SKIP LOCKED).
    static func locked(ids: String, tokens: String) -> String {
        """
            SELECT j.id, j.lease_token AS token FROM jobs AS j
            JOIN unnest(\(ids)::bigint[], \(tokens)::bigint[]) AS done(id, token) ON j.id = done.id AND j.lease_token = done.token
            ORDER BY j.id
            FOR UPDATE OF j
        """
    }

    static let update = """
        UPDATE jobs AS j SET
            state = 'completed',
            finished_at = now(),
            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
            history = j.history || history_entry('succeeded', 'running', 'completed', j.attempt, j.lease_owner)
        FROM locked
        WHERE j.id = locked.id AND j.lease_token = locked.token
        RETURNING locked.id, locked.token
        """
    typealias Row = (Int64, Int64)

    var ids: [Int64]
    var tokens: [Int64]
}

/// Completes a batch of claimed jobs (fenced, as JobCompleteMany) and claims the next ones for
/// the slots that frees (as JobClaim), in one round trip and one commit.
struct JobCompleteAndClaim: PostgresPreparedStatement {
    // Both halves are the statements above, word for word, as CTEs of one statement. They touch
    // disjoint rows (running ones, available ones), and each half answers as it would alone:
    // the (id, token) pairs completed, the jobs claimed.
    //
    // Lock order: the completion waits for row locks (a cancel may hold one); the claim takes
    // its locks without waiting (SKIP LOCKED). `gate` makes the claim's scan start only after
    // the completion has finished, as a one-time filter reading `finished`: so this statement
    // never holds a claimed row while it waits, and a writer that locks rows in id order (a bulk
    // cancel) cannot deadlock with it.
    //
    // `finished` has exactly one row, so the LEFT JOIN returns at least one row even when nothing
    // was claimed: the completion's answer always arrives, and claimed columns are NULL then.
    // Only the first row carries the arrays: on every row, a claim of 500 with 500 completions
    // sent (and the worker decoded) 500 × 1,000 integers, which made a 1,000-slot drain 3x slower.
    static let sql = """
        WITH locked AS (
        \(JobCompleteMany.locked(ids: "$5", tokens: "$6"))
        ),
        completed AS (
        \(JobCompleteMany.update)
        ),
        finished AS MATERIALIZED (
            SELECT coalesce(array_agg(id), '{}') AS ids, coalesce(array_agg(token), '{}') AS tokens FROM completed
        ),
        token AS MATERIALIZED (\(JobClaim.token)),
        picked AS (
        \(JobClaim.picked(queue: "$1", limit: "$2", gate: "\n      AND EXISTS (SELECT 1 FROM finished)"))
        ),
        claimed AS (
        \(JobClaim.update(worker: "$3", leaseMicros: "$4"))
        )
        SELECT CASE WHEN row_number() OVER () = 1 THEN finished.ids END,
               CASE WHEN row_number() OVER () = 1 THEN finished.tokens END,
               claimed.*
        FROM finished LEFT JOIN claimed ON true
        """
    typealias Row = JobRow.CompletedAndClaimedColumns

    var queue: String
    var limit: Int64
    var worker: String
    var leaseMicros: Int64
    var ids: [Int64]
    var tokens: [Int64]

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 6)
        b.append(queue); b.append(limit); b.append(worker); b.append(leaseMicros); b.append(ids); b.append(tokens)
        return b
    }
}

/// Records a failed attempt and makes the job available again after a delay (fenced).
struct JobFailRetry: PostgresPreparedStatement {
    // The delay is added to the database clock, so workers with skewed clocks agree on run_at.
    static let sql = """
        UPDATE jobs AS j SET
            state = 'available',
            run_at = now() + $3::bigint * interval '1 microsecond',
            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
            errors = j.errors || error_entry(j.attempt, $4, j.lease_owner),
            history = j.history || history_entry('failed', 'running', 'available', j.attempt, j.lease_owner)
        WHERE j.id = $1 AND j.lease_token = $2 AND j.state = 'running'
        RETURNING j.id
        """
    typealias Row = Int64

    var id: Int64
    var token: Int64
    var delayMicros: Int64
    var error: String

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 4)
        b.append(id); b.append(token); b.append(delayMicros); b.append(error)
        return b
    }
}

/// Puts a claimed job back for later without using an attempt: the handler said "not yet"
/// (fenced, and only while the job has snoozed fewer than `max` times).
struct JobSnooze: PostgresPreparedStatement {
    // attempt - 1 undoes the claim's increment, as a release does. The snoozes so far are the
    // history's 'snoozed' entries (no column to keep in step; the cap bounds the count). The
    // row is locked first so the count and the update see the same history. No row back: the
    // lease is lost; a row with false: the cap is reached and nothing was written.
    static let sql = """
        WITH target AS (
            SELECT j.id, (SELECT count(*) FROM jsonb_array_elements(j.history) AS e WHERE e->>'event' = 'snoozed') AS snoozes
            FROM jobs AS j
            WHERE j.id = $1 AND j.lease_token = $2 AND j.state = 'running'
            FOR UPDATE
        ),
        snoozed AS (
            UPDATE jobs AS j SET
                state = 'available',
                attempt = j.attempt - 1,
                run_at = now() + $3::bigint * interval '1 microsecond',
                lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                history = j.history || history_entry('snoozed', 'running', 'available', j.attempt - 1, j.lease_owner)
            FROM target AS t
            WHERE j.id = t.id AND t.snoozes < $4
            RETURNING j.id
        )
        SELECT t.snoozes, EXISTS (SELECT 1 FROM snoozed) FROM target AS t
        """
    typealias Row = (Int64, Bool)

    var id: Int64
    var token: Int64
    var delayMicros: Int64
    var max: Int64

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 4)
        b.append(id); b.append(token); b.append(delayMicros); b.append(max)
        return b
    }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Records a failed attempt and moves the job to the dead-letter table (fenced), atomically.
struct JobFailDead: PostgresPreparedStatement {
    // One statement: the DELETE and the INSERT fed by its RETURNING commit or fail together,
    // so the job is never in both tables and never in neither.
    static let sql = """
        WITH dead AS (
            DELETE FROM jobs AS j
            WHERE j.id = $1 AND j.lease_token = $2 AND j.state = 'running'
            RETURNING j.*
        )
        \(TableMoves.deadLetter(from: "dead", error: "$3", reason: "$4"))
        RETURNING id
        """
    typealias Row = Int64

    var id: Int64
    var token: Int64
    var error: String
    var reason: String

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 4)
        b.append(id); b.append(token); b.append(error); b.append(reason)
        return b
    }
}

/// Hands claimed jobs back without using an attempt (graceful shutdown), fenced.
struct JobReleaseMany: ClaimBatchStatement {
    // attempt - 1 undoes the claim's increment: the run never got to finish, so it should not
    // count against max_attempts. The token still changes on the next claim, so a late result
    // from this run cannot land on the next one. Locks in id order, as JobCompleteMany does.
    static let sql = """
        WITH locked AS (
            SELECT j.id, j.lease_token AS token FROM jobs AS j
            JOIN unnest($1::bigint[], $2::bigint[]) AS given(id, token) ON j.id = given.id AND j.lease_token = given.token
            ORDER BY j.id
            FOR UPDATE OF j
        )
        UPDATE jobs AS j SET
            state = 'available',
            attempt = j.attempt - 1,
            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
            history = j.history || history_entry('released', 'running', 'available', j.attempt - 1, j.lease_owner)
        FROM locked
        WHERE j.id = locked.id AND j.lease_token = locked.token
        RETURNING locked.id, locked.token
        """
    typealias Row = (Int64, Int64)

    var ids: [Int64]
    var tokens: [Int64]
}

/// Renews every lease a process holds in one statement.
struct LeaseExtendMany: PostgresPreparedStatement {
    // A lease that already expired but was not reclaimed yet is still ours (nobody else has the
    // token), so it is extended too; one that was reclaimed no longer matches the token.
    //
    // It never waits for a row lock (SKIP LOCKED): a row locked right now is being completed,
    // failed or released by this worker (or reclaimed by the reaper), and waiting for it is how
    // renewal and completion deadlocked (40P01). The result is every claim that still carries
    // its token as of the statement's snapshot, renewed or skipped: a skipped row is not a lost
    // lease. Its renewal is moot if the other statement commits, and the next beat renews it
    // otherwise (the beat interval is at most a third of the TTL).
    static let sql = """
        WITH held AS (
            SELECT j.id, j.lease_token AS token FROM jobs AS j
            JOIN unnest($1::bigint[], $2::bigint[]) AS given(id, token) ON j.id = given.id AND j.lease_token = given.token
        ),
        renewable AS (
            SELECT j.id FROM jobs AS j JOIN held ON j.id = held.id AND j.lease_token = held.token
            FOR UPDATE OF j SKIP LOCKED
        ),
        renewed AS (
            UPDATE jobs AS j SET lease_expires_at = now() + $3::bigint * interval '1 microsecond'
            FROM renewable WHERE j.id = renewable.id
            RETURNING j.id
        )
        SELECT held.id, held.token FROM held
        """
    typealias Row = (Int64, Int64)

    var ids: [Int64]
    var tokens: [Int64]
    var ttlMicros: Int64

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 3)
        b.append(ids); b.append(tokens); b.append(ttlMicros)
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Takes back running jobs whose lease expired: requeues them, or dead-letters those on their
/// last attempt. One statement, so each job goes exactly one way.
struct JobReclaimExpired: LimitStatement {
    // `expired` locks the rows (SKIP LOCKED: a worker renewing or completing one right now wins,
    // and the reaper looks again next pass) via jobs_lease_expiry_idx (partial, running only).
    // The two data-modifying CTEs act on disjoint subsets of `expired`.
    static let sql = """
        WITH expired AS (
            SELECT id, attempt >= max_attempts AS last_attempt, lease_owner AS owner
            FROM jobs
            WHERE state = 'running' AND lease_expires_at < now()
            ORDER BY lease_expires_at
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        ),
        dead AS (
            DELETE FROM jobs AS j USING expired e
            WHERE j.id = e.id AND e.last_attempt
            RETURNING j.*
        ),
        dead_inserted AS (
            \(TableMoves.deadLetter(from: "dead", error: JobReclaimExpired.expiryError, reason: "'lease_expired_on_last_attempt'"))
            RETURNING id, queue, kind, attempt
        ),
        requeued AS (
            -- run_at stays as it was (in the past): the job keeps its place at the head of the
            -- queue instead of queueing again behind every job enqueued while it ran.
            UPDATE jobs AS j SET
                state = 'available',
                lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                errors = j.errors || error_entry(j.attempt, \(JobReclaimExpired.expiryError), j.lease_owner),
                history = j.history || history_entry('lease_expired', 'running', 'available', j.attempt, j.lease_owner)
            FROM expired e
            WHERE j.id = e.id AND NOT e.last_attempt
            RETURNING j.id, j.queue, j.kind, j.attempt
        )
        SELECT r.id, false, r.queue, r.kind, r.attempt, e.owner FROM requeued r JOIN expired e USING (id)
        UNION ALL
        SELECT d.id, true, d.queue, d.kind, d.attempt, e.owner FROM dead_inserted d JOIN expired e USING (id)
        """
    typealias Row = (Int64, Bool, String, String, Int32, String)

    /// The attempt's error, built from the row: when the lease ran out and whose it was.
    /// Unqualified column names, so it reads the same row in the UPDATE and the move.
    static let expiryError = "'lease expired at ' || lease_expires_at || ', worker ' || lease_owner"

    var limit: Int64

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Deletes the oldest finished (completed or cancelled) jobs past the retention period.
struct JobPruneFinished: PostgresPreparedStatement {
    // Served by jobs_finished_idx. SKIP LOCKED and a LIMIT keep each statement short, so
    // pruning a large backlog never holds many locks or one long transaction.
    static let sql = """
        WITH doomed AS (
            SELECT id FROM jobs
            WHERE state IN ('completed', 'cancelled') AND finished_at < now() - $1::bigint * interval '1 microsecond'
            ORDER BY finished_at
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        DELETE FROM jobs AS j USING doomed WHERE j.id = doomed.id
        RETURNING j.id
        """
    typealias Row = Int64
    var retentionMicros: Int64
    var limit: Int64

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 2)
        b.append(retentionMicros); b.append(limit)
        return b
    }
}

-- Unique keys over a period: enqueue(..., unique_key => k, unique_for => interval '1 hour') keeps
-- a second job with key k out for an hour from the first one's enqueue, even after the first
-- finished. Without unique_for, a key is held only while its job is available or running (0001).

-- One row per key held for a period. The row, not the job, holds the key: a job may finish,
-- be pruned or be dead-lettered within its period, and the key stays taken until expires_at.
-- job_id is the job that took the period (or the active job a new period was folded onto); it
-- is what a refused enqueue answers with, and the job may no longer exist.
CREATE TABLE unique_windows (
    unique_key text        PRIMARY KEY,
    job_id     bigint      NOT NULL,
    expires_at timestamptz NOT NULL,
    CONSTRAINT unique_windows_key_length CHECK (length(unique_key) BETWEEN 1 AND 255)
);

-- Serves UniqueWindowPrune (the maintenance leader deletes expired rows, oldest first).
CREATE INDEX unique_windows_expiry_idx ON unique_windows (expires_at);

-- enqueue_job(...) → (job_id, inserted): enqueue with its outcome. inserted is false when the
-- key was held, and job_id is then the holder's. The batch path of the CLI and the API calls it
-- once per row when a batch uses unique_for; enqueue(...) below returns its job_id.
--
-- With unique_for, the upsert on unique_windows is the fence for the period: it takes the row
-- only when there is none or it has expired, and it locks the row either way, so concurrent
-- enqueuers of one key wait here for each other and exactly one takes the period. Then the job
-- is inserted as before, under the active-key index (the second fence, and the only one without
-- unique_for). If an active job holds the key although the period was free (it was enqueued
-- without unique_for, or outlived its period), the new period is folded onto that job: it
-- answers, and the period runs from that job's enqueue.
CREATE FUNCTION enqueue_job(
    kind         text,
    payload      jsonb       DEFAULT '{}',
    queue        text        DEFAULT 'default',
    priority     integer     DEFAULT 0,
    run_at       timestamptz DEFAULT NULL,
    max_attempts integer     DEFAULT 20,
    unique_key   text        DEFAULT NULL,
    unique_for   interval    DEFAULT NULL
) RETURNS TABLE (job_id bigint, inserted boolean)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    new_id bigint;
    holder bigint;
    took   boolean;
    placed boolean;
BEGIN
    -- Check each argument here, so the caller gets a message naming it rather than a
    -- constraint name.
    IF kind IS NULL OR kind !~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$' THEN
        RAISE EXCEPTION 'wharf.enqueue: invalid kind %', coalesce(quote_literal(kind), 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'kind: 1-128 characters, letters, digits and _ . : / -, starting with a letter or digit';
    END IF;
    IF queue IS NULL OR queue !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' THEN
        RAISE EXCEPTION 'wharf.enqueue: invalid queue %', coalesce(quote_literal(queue), 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'queue: 1-64 characters, letters, digits and _ . : -, starting with a letter or digit';
    END IF;
    IF payload IS NULL THEN
        RAISE EXCEPTION 'wharf.enqueue: payload is NULL'
            USING ERRCODE = '22004', HINT = 'pass a JSON value, for example ''{}''::jsonb';
    END IF;
    -- The same 1 MiB limit as the CLI and the API, counted on the JSON text.
    IF octet_length(payload::text) > 1048576 THEN
        RAISE EXCEPTION 'wharf.enqueue: payload is % bytes, larger than the 1 MiB limit', octet_length(payload::text)
            USING ERRCODE = '54000', HINT = 'store large data elsewhere and put a reference in the payload';
    END IF;
    -- NULL means now. Outside the range lie -infinity, Go's zero time (year 1) and dates that
    -- break arithmetic downstream; a time in the past already means "as soon as possible".
    IF run_at IS NOT NULL AND NOT (run_at BETWEEN '1970-01-01 00:00:00+00' AND '9999-12-31 23:59:59+00') THEN
        RAISE EXCEPTION 'wharf.enqueue: run_at % is outside the accepted range 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z', run_at
            USING ERRCODE = '22008', HINT = 'a time in the past runs the job at once: pass now() or leave run_at out';
    END IF;
    IF priority IS NULL OR priority NOT BETWEEN 0 AND 9 THEN
        RAISE EXCEPTION 'wharf.enqueue: priority % is out of range', coalesce(priority::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'priority: 0 (runs first) to 9 (runs last)';
    END IF;
    IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'wharf.enqueue: max_attempts % is out of range', coalesce(max_attempts::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'max_attempts: 1 to 1000';
    END IF;
    IF unique_key IS NOT NULL AND length(unique_key) NOT BETWEEN 1 AND 255 THEN
        RAISE EXCEPTION 'wharf.enqueue: unique_key must be 1-255 characters, got %', length(unique_key)
            USING ERRCODE = '22023';
    END IF;
    IF unique_for IS NOT NULL THEN
        IF unique_key IS NULL THEN
            RAISE EXCEPTION 'wharf.enqueue: unique_for needs a unique_key'
                USING ERRCODE = '22023', HINT = 'pass unique_key => ''...'', the key to hold for the period';
        END IF;
        -- The same range as the CLI and the API: more than zero, at most ten years.
        IF unique_for <= interval '0' OR unique_for > interval '3650 days' THEN
            RAISE EXCEPTION 'wharf.enqueue: unique_for % is out of range', unique_for
                USING ERRCODE = '22023', HINT = 'unique_for: more than 0, at most 3650 days';
        END IF;
    END IF;

    new_id := nextval('jobs_id_seq');
    IF unique_for IS NOT NULL THEN
        INSERT INTO unique_windows AS w (unique_key, job_id, expires_at)
        VALUES (enqueue_job.unique_key, new_id, now() + enqueue_job.unique_for)
        ON CONFLICT (unique_key) DO UPDATE SET job_id = EXCLUDED.job_id, expires_at = EXCLUDED.expires_at
        WHERE w.expires_at <= now()
        RETURNING true INTO took;
        IF took IS NULL THEN
            -- Held for a period that has not run out. ON CONFLICT locked the row, and this
            -- statement's snapshot sees its committed values.
            SELECT w.job_id INTO holder FROM unique_windows AS w WHERE w.unique_key = enqueue_job.unique_key;
            job_id := holder; inserted := false;
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;

    -- A holder that finishes between the insert's conflict and the lookup leaves neither: try
    -- again, each statement with a fresh snapshot.
    FOR try_number IN 1..3 LOOP
        INSERT INTO jobs AS j (id, queue, kind, payload, priority, run_at, max_attempts, unique_key, history)
        VALUES (new_id, enqueue_job.queue, enqueue_job.kind, enqueue_job.payload, enqueue_job.priority,
                coalesce(enqueue_job.run_at, now()), enqueue_job.max_attempts, enqueue_job.unique_key,
                history_entry('enqueued', NULL, 'available', 0, NULL))
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running')
        DO NOTHING
        RETURNING true INTO placed;
        IF placed THEN
            job_id := new_id; inserted := true;
            RETURN NEXT;
            RETURN;
        END IF;
        SELECT j.id INTO holder FROM jobs AS j
        WHERE j.unique_key = enqueue_job.unique_key AND j.state IN ('available', 'running');
        IF holder IS NOT NULL THEN
            IF unique_for IS NOT NULL THEN
                UPDATE unique_windows AS w
                SET job_id = holder, expires_at = (SELECT j.created_at FROM jobs AS j WHERE j.id = holder) + enqueue_job.unique_for
                WHERE w.unique_key = enqueue_job.unique_key;
            END IF;
            job_id := holder; inserted := false;
            RETURN NEXT;
            RETURN;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'wharf.enqueue: unique_key % kept changing hands', quote_literal(unique_key)
        USING ERRCODE = '40001', HINT = 'retry the call';
END;
$$;

-- enqueue(kind, payload, queue, priority, run_at, max_attempts, unique_key, unique_for) → job id:
-- as in 0005, plus unique_for; with a unique key that is held, the holder's id. The old
-- seven-argument form is dropped, or a call without unique_for would match both.
DROP FUNCTION enqueue(text, jsonb, text, integer, timestamptz, integer, text);
CREATE FUNCTION enqueue(
    kind         text,
    payload      jsonb       DEFAULT '{}',
    queue        text        DEFAULT 'default',
    priority     integer     DEFAULT 0,
    run_at       timestamptz DEFAULT NULL,
    max_attempts integer     DEFAULT 20,
    unique_key   text        DEFAULT NULL,
    unique_for   interval    DEFAULT NULL
) RETURNS bigint
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    SELECT e.job_id FROM enqueue_job(kind, payload, queue, priority, run_at, max_attempts, unique_key, unique_for) AS e
$$;

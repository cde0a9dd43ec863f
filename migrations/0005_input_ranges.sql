-- Every door validates the same way: the SQL function gets the payload limit and the run_at
-- range the CLI and the API already enforce (WharfCore's JobPayload and Timestamps), and the
-- table gets the run_at range as a CHECK, the last line for writes that bypass the function.

-- Rows written before this migration with a run_at outside the range (-infinity, year 1) are
-- moved to its nearest end first: a time that early meant "as soon as possible", and it stays
-- so. Without this, the constraint could not be added, or (NOT VALID) every later UPDATE of
-- such a row, its claim included, would fail. One scan of each table, at migration time.
UPDATE jobs SET run_at = greatest(least(run_at, '9999-12-31 23:59:59+00'), '1970-01-01 00:00:00+00')
WHERE NOT (run_at BETWEEN '1970-01-01 00:00:00+00' AND '9999-12-31 23:59:59+00');
UPDATE dead_jobs SET run_at = greatest(least(run_at, '9999-12-31 23:59:59+00'), '1970-01-01 00:00:00+00')
WHERE NOT (run_at BETWEEN '1970-01-01 00:00:00+00' AND '9999-12-31 23:59:59+00');

ALTER TABLE jobs
    ADD CONSTRAINT jobs_run_at_range
    CHECK (run_at BETWEEN '1970-01-01 00:00:00+00' AND '9999-12-31 23:59:59+00');

-- enqueue(kind, payload, queue, priority, run_at, max_attempts, unique_key) → job id: as in
-- 0001, plus the payload limit and the run_at range.
CREATE OR REPLACE FUNCTION enqueue(
    kind         text,
    payload      jsonb       DEFAULT '{}',
    queue        text        DEFAULT 'default',
    priority     integer     DEFAULT 0,
    run_at       timestamptz DEFAULT NULL,
    max_attempts integer     DEFAULT 20,
    unique_key   text        DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    new_id bigint;
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

    INSERT INTO jobs AS j (queue, kind, payload, priority, run_at, max_attempts, unique_key, history)
    VALUES (enqueue.queue, enqueue.kind, enqueue.payload, enqueue.priority,
            coalesce(enqueue.run_at, now()), enqueue.max_attempts, enqueue.unique_key,
            history_entry('enqueued', NULL, 'available', 0, NULL))
    ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running')
    DO NOTHING
    RETURNING j.id INTO new_id;

    IF new_id IS NULL THEN
        SELECT j.id INTO new_id FROM jobs j
        WHERE j.unique_key = enqueue.unique_key AND j.state IN ('available', 'running');
        IF new_id IS NULL THEN
            -- The holder of the key finished between our insert attempt and this lookup.
            RAISE EXCEPTION 'wharf.enqueue: unique_key % was released concurrently', quote_literal(unique_key)
                USING ERRCODE = '40001', HINT = 'retry the call';
        END IF;
    END IF;
    RETURN new_id;
END;
$$;

-- enqueue_batch(jobs jsonb) → (job_id, inserted), one row per element in order: many jobs in
-- one set-based statement, from any language. Calling enqueue(...) once per row costs a
-- function call, a plan and an index probe per job; this parses the array once, checks every
-- element, and inserts them all with one INSERT (one NOTIFY per queue, from the statement
-- trigger), as the Swift store's batch path does.
--
-- Each element is an object with the fields of POST /api/v1/jobs: kind (required), payload,
-- queue, priority, run_at (ISO 8601 with a zone) or delay_seconds, max_attempts, unique_key,
-- unique_for_seconds. JSON null means "not given". The checks and limits are enqueue()'s; the
-- first element that breaks one is reported by its index (jobs[3], from 0) and nothing is
-- written. A unique key repeated within the array is inserted once, for its first element; the
-- later ones answer with that job, as not inserted. A batch in which any element has
-- unique_for_seconds goes through enqueue_job() element by element (its fence is a row lock
-- per key, migration 0008).
-- The fields an element of enqueue_batch may have: those of POST /api/v1/jobs.
CREATE FUNCTION enqueue_batch_fields() RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ARRAY['kind', 'payload', 'queue', 'priority', 'run_at', 'delay_seconds', 'max_attempts', 'unique_key', 'unique_for_seconds']
$$;

CREATE FUNCTION enqueue_batch(jobs jsonb) RETURNS TABLE (job_id bigint, inserted boolean)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    problem  text;
    element  record;
    ids      bigint[];
    flags    boolean[];
    keys     text[];
    holder   bigint;
BEGIN
    IF jobs IS NULL OR jsonb_typeof(jobs) <> 'array' THEN
        RAISE EXCEPTION 'wharf.enqueue_batch: jobs must be a JSON array of job objects, got %', coalesce(jsonb_typeof(jobs), 'NULL')
            USING ERRCODE = '22023', HINT = 'for example ''[{"kind": "email.send", "payload": {"to": "a@example.com"}}]''::jsonb';
    END IF;

    -- Every check, on every element; the first failure in array order is reported. The run_at
    -- cast may itself fail on a date such as 2026-13-45: then each run_at is tried alone to
    -- name the element.
    BEGIN
        SELECT format('jobs[%s]: %s', c.ord - 1, c.problem) INTO problem
        FROM (
            SELECT e.ord, CASE
                WHEN jsonb_typeof(e.job) <> 'object' THEN format('is %s, not a job object', jsonb_typeof(e.job))
                -- Removing the known fields leaves the unknown ones.
                WHEN (e.job - enqueue_batch_fields()) <> '{}' THEN
                    format('unknown field %s; allowed: %s',
                           (SELECT min(k.name) FROM jsonb_object_keys(e.job - enqueue_batch_fields()) AS k(name)),
                           array_to_string(enqueue_batch_fields(), ', '))
                WHEN jsonb_typeof(e.job->'kind') IS DISTINCT FROM 'string' OR e.job->>'kind' !~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$' THEN
                    format('invalid kind %s: 1-128 characters, letters, digits and _ . : / -, starting with a letter or digit', coalesce((e.job->'kind')::text, 'missing'))
                WHEN nullif(e.job->'queue', 'null') IS NOT NULL
                     AND (jsonb_typeof(e.job->'queue') <> 'string' OR e.job->>'queue' !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$') THEN
                    format('invalid queue %s: 1-64 characters, letters, digits and _ . : -, starting with a letter or digit', e.job->'queue')
                WHEN octet_length(coalesce(e.job->'payload', '{}')::text) > 1048576 THEN
                    format('payload is %s bytes, larger than the 1 MiB limit', octet_length((e.job->'payload')::text))
                WHEN nullif(e.job->'priority', 'null') IS NOT NULL
                     AND (jsonb_typeof(e.job->'priority') <> 'number' OR (e.job->'priority')::numeric NOT IN (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) THEN
                    format('priority %s is out of range: an integer from 0 (runs first) to 9 (runs last)', e.job->'priority')
                WHEN nullif(e.job->'max_attempts', 'null') IS NOT NULL
                     AND (jsonb_typeof(e.job->'max_attempts') <> 'number' OR (e.job->'max_attempts')::numeric NOT BETWEEN 1 AND 1000
                          OR (e.job->'max_attempts')::numeric <> trunc((e.job->'max_attempts')::numeric)) THEN
                    format('max_attempts %s is out of range: an integer from 1 to 1000', e.job->'max_attempts')
                WHEN nullif(e.job->'run_at', 'null') IS NOT NULL AND nullif(e.job->'delay_seconds', 'null') IS NOT NULL THEN
                    'give run_at or delay_seconds, not both'
                WHEN nullif(e.job->'run_at', 'null') IS NOT NULL
                     AND (jsonb_typeof(e.job->'run_at') <> 'string'
                          OR e.job->>'run_at' !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$') THEN
                    format('run_at %s is not an ISO 8601 instant with a zone, for example "2026-12-01T09:00:00Z"', e.job->'run_at')
                WHEN nullif(e.job->'run_at', 'null') IS NOT NULL
                     AND NOT ((e.job->>'run_at')::timestamptz BETWEEN '1970-01-01 00:00:00+00' AND '9999-12-31 23:59:59+00') THEN
                    format('run_at %s is outside the accepted range 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z', e.job->'run_at')
                WHEN nullif(e.job->'delay_seconds', 'null') IS NOT NULL
                     AND (jsonb_typeof(e.job->'delay_seconds') <> 'number' OR (e.job->'delay_seconds')::numeric NOT BETWEEN 0 AND 315360000) THEN
                    format('delay_seconds %s must be a number of seconds from 0 to 315360000', e.job->'delay_seconds')
                WHEN nullif(e.job->'unique_key', 'null') IS NOT NULL
                     AND (jsonb_typeof(e.job->'unique_key') <> 'string' OR length(e.job->>'unique_key') NOT BETWEEN 1 AND 255) THEN
                    'unique_key must be a string of 1-255 characters'
                WHEN nullif(e.job->'unique_for_seconds', 'null') IS NOT NULL AND nullif(e.job->'unique_key', 'null') IS NULL THEN
                    'unique_for_seconds needs a unique_key'
                WHEN nullif(e.job->'unique_for_seconds', 'null') IS NOT NULL
                     AND (jsonb_typeof(e.job->'unique_for_seconds') <> 'number'
                          OR (e.job->'unique_for_seconds')::numeric NOT BETWEEN 0.001 AND 315360000) THEN
                    format('unique_for_seconds %s must be a number of seconds from 0.001 to 315360000', e.job->'unique_for_seconds')
                END AS problem
            FROM jsonb_array_elements(jobs) WITH ORDINALITY AS e(job, ord)
        ) AS c
        WHERE c.problem IS NOT NULL
        ORDER BY c.ord
        LIMIT 1;
    EXCEPTION WHEN data_exception THEN
        FOR element IN SELECT e.job, e.ord FROM jsonb_array_elements(jobs) WITH ORDINALITY AS e(job, ord) ORDER BY e.ord LOOP
            BEGIN
                PERFORM (element.job->>'run_at')::timestamptz;
            EXCEPTION WHEN data_exception THEN
                problem := format('jobs[%s]: run_at %s is not a valid instant', element.ord - 1, element.job->'run_at');
                EXIT;
            END;
        END LOOP;
        problem := coalesce(problem, 'an element could not be read: ' || SQLERRM);
    END;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'wharf.enqueue_batch: %', problem
            USING ERRCODE = '22023', HINT = 'nothing was enqueued; fix that element and send the batch again';
    END IF;

    IF EXISTS (SELECT 1 FROM jsonb_array_elements(jobs) AS e(job) WHERE nullif(e.job->'unique_for_seconds', 'null') IS NOT NULL) THEN
        RETURN QUERY
        SELECT q.job_id, q.inserted
        FROM jsonb_array_elements(jobs) WITH ORDINALITY AS e(job, ord)
        CROSS JOIN LATERAL enqueue_job(
            e.job->>'kind', coalesce(nullif(e.job->'payload', 'null'), '{}'), coalesce(e.job->>'queue', 'default'),
            coalesce((nullif(e.job->'priority', 'null'))::numeric::integer, 0),
            coalesce((e.job->>'run_at')::timestamptz, now() + coalesce((nullif(e.job->'delay_seconds', 'null'))::numeric, 0) * interval '1 second'),
            coalesce((nullif(e.job->'max_attempts', 'null'))::numeric::integer, 20),
            e.job->>'unique_key',
            (nullif(e.job->'unique_for_seconds', 'null'))::numeric * interval '1 second') AS q
        ORDER BY e.ord;
        RETURN;
    END IF;

    -- Ids are drawn up front, in element order (in the scan, below the window's sort; input is
    -- materialized: nextval is volatile), so each element knows its id whether or not it was
    -- inserted, and ids follow the array as the claim order expects. first_of_key: a key
    -- repeated within the batch is inserted for its first element only (two rows for one key
    -- in one INSERT would conflict with each other).
    WITH input AS MATERIALIZED (
        SELECT e.ord, e.id,
               e.job->>'kind' AS kind,
               coalesce(nullif(e.job->'payload', 'null'), '{}') AS payload,
               coalesce(e.job->>'queue', 'default') AS queue,
               coalesce((nullif(e.job->'priority', 'null'))::numeric::smallint, 0) AS priority,
               coalesce((e.job->>'run_at')::timestamptz,
                        now() + coalesce((nullif(e.job->'delay_seconds', 'null'))::numeric, 0) * interval '1 second') AS run_at,
               coalesce((nullif(e.job->'max_attempts', 'null'))::numeric::integer, 20) AS max_attempts,
               e.job->>'unique_key' AS unique_key,
               e.job->>'unique_key' IS NULL
                   OR row_number() OVER (PARTITION BY e.job->>'unique_key' ORDER BY e.ord) = 1 AS first_of_key
        FROM (SELECT a.job, a.ord, nextval('jobs_id_seq') AS id FROM jsonb_array_elements(jobs) WITH ORDINALITY AS a(job, ord)) AS e
    ),
    inserted AS (
        INSERT INTO jobs (id, queue, kind, payload, priority, run_at, max_attempts, unique_key, history)
        SELECT i.id, i.queue, i.kind, i.payload, i.priority, i.run_at, i.max_attempts, i.unique_key,
               history_entry('enqueued', NULL, 'available', 0, NULL)
        FROM input AS i
        WHERE i.first_of_key
        ORDER BY i.ord
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running')
        DO NOTHING
        RETURNING jobs.id
    ),
    outcome AS (
        -- IN (hashed) rather than a join: the planner takes jsonb_array_elements for 100 rows and
        -- could otherwise pick a nested loop, n x n comparisons for a big batch.
        SELECT i.ord, i.unique_key, i.first_of_key, i.id IN (SELECT r.id FROM inserted AS r) AS placed, i.id
        FROM input AS i
    ),
    answered AS (
        SELECT o.ord, o.unique_key, o.first_of_key, o.placed,
               CASE WHEN o.placed THEN o.id
                    ELSE (SELECT h.id FROM jobs AS h WHERE h.unique_key = o.unique_key AND h.state IN ('available', 'running')) END AS id
        FROM outcome AS o
    )
    -- A repeat of a key answers with its first element's job: the first id in its partition.
    SELECT array_agg(a.id ORDER BY a.ord),
           array_agg(a.placed AND a.first_of_key ORDER BY a.ord),
           array_agg(a.unique_key ORDER BY a.ord)
    INTO ids, flags, keys
    FROM (
        SELECT s.ord, s.unique_key, s.placed, s.first_of_key,
               CASE WHEN s.unique_key IS NULL THEN s.id
                    ELSE first_value(s.id) OVER (PARTITION BY s.unique_key ORDER BY s.ord) END AS id
        FROM answered AS s
    ) AS a;

    -- A key whose holder committed after this statement's snapshot was taken was skipped by ON
    -- CONFLICT but is invisible to the lookup above: look again, with a fresh snapshot.
    IF array_position(ids, NULL) IS NOT NULL THEN
        FOR i IN 1..array_length(ids, 1) LOOP
            CONTINUE WHEN ids[i] IS NOT NULL;
            SELECT h.id INTO holder FROM jobs AS h WHERE h.unique_key = keys[i] AND h.state IN ('available', 'running');
            IF holder IS NULL THEN
                RAISE EXCEPTION 'wharf.enqueue_batch: unique_key % was released concurrently', quote_literal(keys[i])
                    USING ERRCODE = '40001', HINT = 'retry the call';
            END IF;
            ids[i] := holder;
        END LOOP;
    END IF;

    RETURN QUERY SELECT u.id, u.flag FROM unnest(ids, flags) AS u(id, flag);
END;
$$;

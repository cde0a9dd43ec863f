-- Cron schedules. A row is a schedule; the maintenance leader fires it: one statement both
-- moves last_tick forward (compare-and-set on its old value) and inserts the tick's jobs, so a
-- tick is enqueued exactly once however many processes run, across restarts and leader
-- changes. The evaluator (cron syntax, time zones, daylight saving) is Wharf's Swift code;
-- next_tick is its answer, stored so the leader reads only schedules that are due.
CREATE TABLE schedules (
    name           text        PRIMARY KEY,
    expression     text        NOT NULL,
    time_zone      text        NOT NULL DEFAULT 'UTC',
    kind           text        NOT NULL,
    queue          text        NOT NULL DEFAULT 'default',
    payload        jsonb       NOT NULL DEFAULT '{}',
    priority       smallint    NOT NULL DEFAULT 0,
    max_attempts   integer     NOT NULL DEFAULT 20,
    -- What happens to ticks that fell due while nothing fired them (all workers down, the
    -- schedule paused): skip them, run the latest once, or run them all (up to catch_up_limit).
    missed         text        NOT NULL DEFAULT 'latest',
    catch_up_limit integer     NOT NULL DEFAULT 100,
    paused         boolean     NOT NULL DEFAULT false,
    -- Who owns it: 'config:<deployment>' (a worker config file; removed from the file, removed
    -- here), 'sql', 'api' or 'cli' (removed only by an explicit unschedule).
    source         text        NOT NULL,
    -- Ticks after this instant are due; the last tick fired, or the time the schedule was
    -- created or resumed.
    last_tick      timestamptz,
    anchor         timestamptz NOT NULL DEFAULT now(),
    next_tick      timestamptz,
    last_job_id    bigint,
    -- Why the leader could not evaluate it (an expression written around the checks), if so.
    last_error     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schedules_name_valid CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
    CONSTRAINT schedules_kind_valid CHECK (kind ~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$'),
    CONSTRAINT schedules_queue_valid CHECK (queue ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
    CONSTRAINT schedules_priority_range CHECK (priority BETWEEN 0 AND 9),
    CONSTRAINT schedules_max_attempts_range CHECK (max_attempts BETWEEN 1 AND 1000),
    CONSTRAINT schedules_missed_valid CHECK (missed IN ('skip', 'latest', 'all')),
    CONSTRAINT schedules_catch_up_range CHECK (catch_up_limit BETWEEN 1 AND 10000),
    CONSTRAINT schedules_expression_length CHECK (length(expression) BETWEEN 1 AND 200),
    CONSTRAINT schedules_payload_size CHECK (octet_length(payload::text) <= 1048576)
);

-- The leader's read: schedules that are due (or not evaluated yet), oldest due first.
CREATE INDEX schedules_due_idx ON schedules (next_tick NULLS FIRST) WHERE NOT paused;

-- schedule(name, expression, kind, …) → name: creates or replaces a schedule from SQL (source
-- 'sql'). The expression is checked for its shape here and in full by the leader, which
-- records a problem in last_error and leaves the schedule unfired. Replacing keeps last_tick,
-- so past ticks are not fired again.
CREATE FUNCTION schedule(
    name           text,
    expression     text,
    kind           text,
    payload        jsonb   DEFAULT '{}',
    queue          text    DEFAULT 'default',
    time_zone      text    DEFAULT 'UTC',
    priority       integer DEFAULT 0,
    max_attempts   integer DEFAULT 20,
    missed         text    DEFAULT 'latest',
    catch_up_limit integer DEFAULT 100
) RETURNS text
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    IF expression IS NULL OR expression !~ '^\s*(@[a-z]+(\s+\S+)?|(\S+\s+){4,5}\S+)\s*$' THEN
        RAISE EXCEPTION 'wharf.schedule: invalid cron expression %', coalesce(quote_literal(expression), 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'five fields (minute hour day-of-month month day-of-week), six with seconds first, @daily, @hourly, or @every 10s';
    END IF;
    IF time_zone IS NULL OR NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE pg_timezone_names.name = schedule.time_zone) THEN
        RAISE EXCEPTION 'wharf.schedule: unknown time zone %', coalesce(quote_literal(time_zone), 'NULL')
            USING ERRCODE = '22023', HINT = 'a tz database name such as UTC, Europe/Berlin or America/New_York';
    END IF;
    INSERT INTO schedules AS s (name, expression, time_zone, kind, queue, payload, priority, max_attempts, missed, catch_up_limit, source)
    VALUES (schedule.name, schedule.expression, schedule.time_zone, schedule.kind, schedule.queue, schedule.payload,
            schedule.priority, schedule.max_attempts, schedule.missed, schedule.catch_up_limit, 'sql')
    ON CONFLICT (name) DO UPDATE SET
        expression = EXCLUDED.expression, time_zone = EXCLUDED.time_zone, kind = EXCLUDED.kind, queue = EXCLUDED.queue,
        payload = EXCLUDED.payload, priority = EXCLUDED.priority, max_attempts = EXCLUDED.max_attempts,
        missed = EXCLUDED.missed, catch_up_limit = EXCLUDED.catch_up_limit, source = 'sql',
        next_tick = NULL, last_error = NULL, updated_at = now();
    RETURN schedule.name;
END;
$$;

-- unschedule(name) → whether it existed. Jobs already enqueued stay.
CREATE FUNCTION unschedule(name text) RETURNS boolean
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    WITH removed AS (DELETE FROM schedules WHERE schedules.name = unschedule.name RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM removed);
$$;

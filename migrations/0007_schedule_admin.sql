-- Schedules, operated: instants a leader can compute with, and ownership the SQL side respects.

-- A last_tick or anchor of 'infinity' (or year 1) written by hand would reach the leader's tick
-- arithmetic; keep both to instants a calendar can step through. Rows already outside are
-- reset: last_tick to unknown, anchor to now (the missed-tick policy then decides).
UPDATE schedules SET last_tick = NULL, next_tick = NULL
WHERE last_tick IS NOT NULL AND NOT (last_tick BETWEEN '1970-01-01 00:00:00+00' AND '9999-12-31 00:00:00+00');
UPDATE schedules SET anchor = now(), next_tick = NULL
WHERE NOT (anchor BETWEEN '1970-01-01 00:00:00+00' AND '9999-12-31 00:00:00+00');
ALTER TABLE schedules
    ADD CONSTRAINT schedules_last_tick_range
        CHECK (last_tick IS NULL OR last_tick BETWEEN '1970-01-01 00:00:00+00' AND '9999-12-31 00:00:00+00'),
    ADD CONSTRAINT schedules_anchor_range
        CHECK (anchor BETWEEN '1970-01-01 00:00:00+00' AND '9999-12-31 00:00:00+00');

-- schedule(...) no longer takes over a schedule a config file owns: the next worker start of
-- that deployment would rewrite it, which is a silent surprise either way. Change it in the
-- file, or unschedule it first. Otherwise as in 0006.
CREATE OR REPLACE FUNCTION schedule(
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
DECLARE
    owner text;
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
    SELECT s.source INTO owner FROM schedules AS s WHERE s.name = schedule.name;
    IF owner LIKE 'config:%' THEN
        RAISE EXCEPTION 'wharf.schedule: schedule % belongs to %', quote_literal(schedule.name), owner
            USING ERRCODE = '55000',
                  HINT = 'change it in that deployment''s config file, or remove it there (or with wharf.unschedule) first';
    END IF;
    INSERT INTO schedules AS s (name, expression, time_zone, kind, queue, payload, priority, max_attempts, missed, catch_up_limit, source)
    VALUES (schedule.name, schedule.expression, schedule.time_zone, schedule.kind, schedule.queue, schedule.payload,
            schedule.priority, schedule.max_attempts, schedule.missed, schedule.catch_up_limit, 'sql')
    ON CONFLICT (name) DO UPDATE SET
        expression = EXCLUDED.expression, time_zone = EXCLUDED.time_zone, kind = EXCLUDED.kind, queue = EXCLUDED.queue,
        payload = EXCLUDED.payload, priority = EXCLUDED.priority, max_attempts = EXCLUDED.max_attempts,
        missed = EXCLUDED.missed, catch_up_limit = EXCLUDED.catch_up_limit, source = 'sql',
        next_tick = NULL, last_error = NULL, updated_at = now()
    WHERE s.source NOT LIKE 'config:%';
    RETURN schedule.name;
END;
$$;

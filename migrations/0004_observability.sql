-- Observability and operator control: paused queues, worker activity for system-wide rates,
-- and the indexes the dashboard's reads need to stay cheap at millions of rows.

-- A queue listed here with paused = true is not claimed from (JobClaim checks it); its jobs
-- stay where they are. Queues without a row are running.
CREATE TABLE queues (
    name       text        PRIMARY KEY,
    paused     boolean     NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT queues_name_valid CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$')
);

-- Each worker writes its load and, per queue, its counts since start with every heartbeat:
-- {"queue": {"completed": n, "failed": n, "dead_lettered": n}}. Summing the deltas over
-- workers gives throughput and failure rates without counting job rows.
ALTER TABLE workers
    ADD COLUMN running  integer NOT NULL DEFAULT 0,
    ADD COLUMN activity jsonb   NOT NULL DEFAULT '{}';

-- Jobs waiting to retry after a failed attempt (a graceful hand-back gives its attempt back,
-- so attempt > 0 on an available job means an attempt failed or its lease expired). Small:
-- only those rows. Serves the dashboard's recent failures.
CREATE INDEX jobs_retrying_idx ON jobs (id) WHERE state = 'available' AND attempt > 0;

-- The newest dead jobs first (dashboard), and finding dead jobs sharing a unique key (bulk retry).
CREATE INDEX dead_jobs_died_at_idx ON dead_jobs (died_at);
CREATE INDEX dead_jobs_unique_key_idx ON dead_jobs (unique_key) WHERE unique_key IS NOT NULL;

-- pause_queue(queue) / resume_queue(queue): for operators and scripts in SQL. Workers stop
-- claiming from a paused queue at their next claim; running jobs finish normally.
CREATE FUNCTION pause_queue(queue text) RETURNS void
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    INSERT INTO queues (name, paused) VALUES (queue, true)
    ON CONFLICT (name) DO UPDATE SET paused = true, updated_at = now()
$$;

CREATE FUNCTION resume_queue(queue text) RETURNS void
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    INSERT INTO queues (name, paused) VALUES (queue, false)
    ON CONFLICT (name) DO UPDATE SET paused = false, updated_at = now()
$$;

-- Serves JobPruneFinished: finished rows in the order they finished, so the pruner deletes the
-- oldest first without scanning the table. Partial: available and running rows are not in it.
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE state IN ('completed', 'cancelled');

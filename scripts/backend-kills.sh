#!/usr/bin/env bash
# Recovery after cut connections, as an outside harness measures it (issue "Faults at full
# speed"): one WharfTestWorker with 32 slots drains N jobs of 1 ms each while every Wharf
# backend is killed with pg_terminate_backend three times, 4 s apart. Prints completed jobs and
# the rate every 0.25 s, then the jobs that ran twice at the same attempt and the worker's
# store-call time-outs. SHOW_ACTIVITY=1 also prints pg_stat_activity 2 s after the first kill.
# Not part of make test (it measures, it does not assert).
#   N=40000 BIN=.build/debug/WharfTestWorker scripts/backend-kills.sh
set -uo pipefail
cd "$(dirname "$0")/.."
N=${N:-40000}
BIN=${BIN:-.build/debug/WharfTestWorker}
dir=$(mktemp -d /tmp/wharf-kills.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; scripts/pg-throwaway.sh stop "$dir" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
export DATABASE_URL=$(scripts/pg-throwaway.sh start "$dir" 2>/dev/null)
PSQL=/usr/lib/postgresql/15/bin/psql
q() { "$PSQL" "$DATABASE_URL" -XAtq -c "$1"; }
"$(dirname "$BIN")/wharf" migrate >/dev/null
q "CREATE TABLE wharf.sink_runs (job_id bigint, key text, worker text, attempt int, started_at timestamptz, finished_at timestamptz); CREATE TABLE wharf.sink_effects (key text PRIMARY KEY, job_id bigint)"
q "INSERT INTO wharf.jobs (kind, queue, payload, history) SELECT 'sink', 'default', jsonb_build_object('key', 'k' || i, 'ms', 1), wharf.history_entry('enqueued', NULL, 'available', 0, NULL) FROM generate_series(1, $N) i"
WHARF_QUEUES=default=32 WHARF_LOG_LEVEL=warning WHARF_LEASE_TTL=30s WHARF_HEARTBEAT_INTERVAL=5s "$BIN" > "$dir/worker.log" 2>&1 &
pid=$!
start=$(date +%s.%N); last=0; last_t=0
for step in $(seq 1 100); do
  sleep 0.25
  t=$(echo "$(date +%s.%N) - $start" | bc)
  done_count=$(q "SELECT count(*) FROM wharf.jobs WHERE state = 'completed'")
  printf '%6.2f s %7d completed %6.0f jobs/s\n' "$t" "$done_count" "$(echo "($done_count - $last) / ($t - $last_t)" | bc -l)"
  last=$done_count; last_t=$t
  case $step in 16|32|48) echo "        kill: $(q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'wharf'") backends";; esac
  [ -n "${SHOW_ACTIVITY:-}" ] && [ "$step" = 24 ] && q "SELECT state, wait_event_type, wait_event, left(query, 60), now() - xact_start FROM pg_stat_activity WHERE application_name = 'wharf'"
  [ "$done_count" -ge "$N" ] && break
done
kill -TERM "$pid"; wait "$pid"; pid=
echo "ran twice at the same attempt: $(q "SELECT count(*) FROM (SELECT job_id, attempt FROM wharf.sink_runs GROUP BY 1, 2 HAVING count(*) > 1) twice")"
echo "store calls that hit their time limit: $(grep -c 'did not complete within' "$dir/worker.log")"
grep 'did not complete within' "$dir/worker.log" | head -5

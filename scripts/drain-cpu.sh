#!/usr/bin/env bash
# A quick before/after check for the drain path: drains N no-op jobs per configuration on a
# throwaway PostgreSQL and prints jobs/s, the number of claim and completion statements, and the
# CPU time of the worker processes and of PostgreSQL. Uses the current release build.
#
#   scripts/drain-cpu.sh 1:1000 2:256      # processes:concurrency ...
#   N=200000 XMIN=1 scripts/drain-cpu.sh 1:1000   # XMIN=1: hold an xmin for 60 s meanwhile
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
PSQL=/usr/lib/postgresql/15/bin/psql; [ -x "$PSQL" ] || PSQL=psql
dir=$(mktemp -d /tmp/wharf-drain.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; scripts/pg-throwaway.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
bin=$(swift build -c release --show-bin-path)
export DATABASE_URL=$(scripts/pg-throwaway.sh start "$dir" 2>/dev/null)
"$bin/wharf" migrate >/dev/null
q() { "$PSQL" "$DATABASE_URL" -XAtq -c "$1"; }
ticks() { local t=0; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
pg_ticks() { ticks $(pgrep -u postgres || true); }
hz=$(getconf CLK_TCK)
for cfg in "$@"; do
  procs=${cfg%:*}; conc=${cfg#*:}
  q "TRUNCATE wharf.jobs"
  q "INSERT INTO wharf.jobs (kind, queue, history) SELECT 'noop', 'bench', wharf.history_entry('enqueued', NULL, 'available', 0, NULL) FROM generate_series(1, $N)"
  q "VACUUM ANALYZE wharf.jobs" >/dev/null
  if [ -n "${XMIN:-}" ]; then "$PSQL" "$DATABASE_URL" -XAtq -c "BEGIN; SELECT txid_current(); SELECT pg_sleep(60); COMMIT;" >/dev/null 2>&1 & holder=$!; sleep 1; fi
  pg0=$(pg_ticks)
  for i in $(seq 1 "$procs"); do
    WHARF_WORKER_ID="w$i" WHARF_QUEUES="bench=$conc" WHARF_LOG_LEVEL=warning "$bin/WharfTestWorker" >>"$dir/workers.log" 2>&1 &
    pids+=($!)
  done
  until [ "$(q "SELECT NOT EXISTS (SELECT 1 FROM wharf.jobs WHERE state IN ('available', 'running'))")" = "t" ]; do sleep 0.25; done
  worker_ms=$(( $(ticks "${pids[@]}") * 1000 / hz )); pg_ms=$(( ($(pg_ticks) - pg0) * 1000 / hz ))
  echo "$procs x $conc: $(q "SELECT round(count(*) / extract(epoch FROM max(finished_at) - min(started_at))) FROM wharf.jobs") jobs/s;" \
    "claims $(q "SELECT count(DISTINCT started_at) FROM wharf.jobs"), completions $(q "SELECT count(DISTINCT finished_at) FROM wharf.jobs");" \
    "CPU: workers ${worker_ms} ms, PostgreSQL ${pg_ms} ms"
  if [ -n "${XMIN:-}" ]; then
    echo "  dead tuples in jobs: $(q "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'wharf.jobs'::regclass")"
    q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
    wait "$holder" 2>/dev/null || true
  fi
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
done

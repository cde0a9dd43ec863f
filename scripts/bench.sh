#!/usr/bin/env bash
# make bench: Wharf's figures on this machine, measured in one run against a throwaway
# PostgreSQL (fsync on), with release builds. Prints a table and writes docs/benchmarks.md.
#
#   BENCH_JOBS     jobs per drain run (default 100000)
#   BENCH_SCALE    finished rows for the table-size run (default 5000000)
#   BENCH_XMIN_S   how long the held xmin is held (default 60)
#   BENCH_OUT      where to write the report (default docs/benchmarks.md)
#
# Ratios matter more than absolute figures: this machine is shared and noisy, so every
# comparison (Wharf vs raw SQL, 10 k vs 5 M rows, with vs without a held xmin) is made within
# the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_JOBS:-100000}
SCALE=${BENCH_SCALE:-5000000}
XMIN_S=${BENCH_XMIN_S:-60}
OUT=${BENCH_OUT:-docs/benchmarks.md}
PGBIN=$(dirname "$(command -v pg_ctl 2>/dev/null || echo /usr/lib/postgresql/15/bin/pg_ctl)")
[ -x "$PGBIN/pgbench" ] || PGBIN=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/wharf-bench.XXXXXX)
pids=()
stop_workers() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; scripts/pg-throwaway.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

echo "bench: release build" >&2
swift build -c release >/dev/null
bin=$(swift build -c release --show-bin-path)
export DATABASE_URL=$(scripts/pg-throwaway.sh start "$dir" 2>/dev/null)
"$bin/wharf" migrate >/dev/null
# The psql binary itself, not the Debian wrapper (a Perl script that costs ~20 ms of CPU a call).
PSQL=$PGBIN/psql; [ -x "$PSQL" ] || PSQL=/usr/lib/postgresql/15/bin/psql; [ -x "$PSQL" ] || PSQL=psql
q() { "$PSQL" "$DATABASE_URL" -XAtq -c "$1"; }
q "CREATE TABLE wharf.sink_runs (job_id bigint, key text, worker text, attempt int, started_at timestamptz, finished_at timestamptz); CREATE TABLE wharf.sink_effects (key text PRIMARY KEY, job_id bigint)"
results="$dir/results"
: > "$results"
put() { echo "$1|$2" >> "$results"; echo "  $1 = $2" >&2; }
get() { grep "^$1|" "$results" | tail -1 | cut -d'|' -f2; }
worker() {  # id queues [VAR=value ...]
  local id=$1 queues=$2; shift 2
  env WHARF_WORKER_ID="$id" WHARF_QUEUES="$queues" WHARF_LOG_LEVEL=warning "$@" "$bin/WharfTestWorker" >>"$dir/$id.log" 2>&1 &
  pids+=($!)
}
wait_for() { until [ "$(q "$1")" = "t" ]; do sleep 0.05; done; }
pgb() { "$PGBIN/pgbench" "$DATABASE_URL" -n "$@" 2>/dev/null | awk '/^tps/ {print $3}'; }
rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }
# N no-op jobs, inserted the way enqueue does (with their history entry), in one statement.
load_noop() {  # count queue
  q "INSERT INTO wharf.jobs (kind, queue, history) SELECT 'noop', '$2', wharf.history_entry('enqueued', NULL, 'available', 0, NULL) FROM generate_series(1, $1)"
  q "VACUUM ANALYZE wharf.jobs" >/dev/null
}
reset_jobs() { q "TRUNCATE wharf.jobs, wharf.dead_jobs, wharf.workers, wharf.leaders"; }
best_of_two() {  # procs concurrency label: the better of two drains (this machine is noisy)
  local a b
  read -r a _ < <(drain "$1" "$2" "$3-a")
  read -r b _ < <(drain "$1" "$2" "$3-b")
  echo $(( a > b ? a : b ))
}
drain_rate() {  # queue: jobs/s between the first start and the last finish
  q "SELECT round(count(*) / extract(epoch FROM max(finished_at) - min(started_at))) FROM wharf.jobs WHERE queue = '$1' AND state = 'completed'"
}
# CPU time in clock ticks (1/100 s): of the whole PostgreSQL cluster (the postmaster, its
# children, and the children it has reaped), and of the workers started so far.
pg_ticks() {
  local pm; pm=$(head -1 "$dir/data/postmaster.pid")
  { cat "/proc/$pm/stat"; for c in $(cat /proc/"$pm"/task/*/children); do cat "/proc/$c/stat" 2>/dev/null || true; done; } \
    | awk '{ t += $14 + $15 + $16 + $17 } END { print t }'
}
worker_ticks() { for p in "${pids[@]}"; do cat "/proc/$p/stat" 2>/dev/null || true; done | awk '{ t += $14 + $15 } END { print t + 0 }'; }
# Claim statements so far: each draws one fencing token.
claims_so_far() { q "SELECT last_value FROM wharf.lease_token_seq"; }
# One drain: N jobs, $1 processes × concurrency $2. Samples the largest worker RSS, and the CPU
# the workers and the database spent from the workers' start to the end of the drain, and
# counts the claim statements.
drain() {  # procs concurrency label [VAR=value ...]: the variables go to the workers; DRAIN_N jobs (default N)
  load_noop "${DRAIN_N:-$N}" bench
  local pg_before claims_before; pg_before=$(pg_ticks); claims_before=$(claims_so_far)
  for i in $(seq 1 "$1"); do worker "drain-$3-$i" "bench=$2" "${@:4}"; done
  local max_rss=0
  # The harness shares the two cores with what it measures, so it polls lightly: 4 times a
  # second, through the partial indexes (a count over the queue every 0.1 s cost ~10% of a core).
  until [ "$(q "SELECT NOT EXISTS (SELECT 1 FROM wharf.jobs WHERE queue = 'bench' AND state IN ('available', 'running'))")" = "t" ]; do
    for p in "${pids[@]}"; do r=$(rss_kb "$p" || echo 0); [ "${r:-0}" -gt "$max_rss" ] && max_rss=$r; done
    sleep 0.25
  done
  local worker_cpu pg_cpu; worker_cpu=$(worker_ticks); pg_cpu=$(( $(pg_ticks) - pg_before ))
  local rate claims; rate=$(drain_rate bench); claims=$(( $(claims_so_far) - claims_before ))
  stop_workers
  q "DELETE FROM wharf.jobs WHERE queue = 'bench'" >/dev/null
  echo "$rate $max_rss $worker_cpu $pg_cpu $claims"
}
# Microseconds of CPU per job from clock ticks: ticks jobs.
per_job_us() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.0f", t * 10000 / n }'; }

echo "bench: enqueue" >&2
echo "SELECT wharf.enqueue('noop', '{}', queue => 'enqueue-one');" > "$dir/enqueue1.sql"
tps=$(pgb -f "$dir/enqueue1.sql" -c 4 -j 2 -T 10)
put enqueue_one "$(printf '%.0f' "$tps")"
put enqueue_batch "$("$bin/WharfBench" enqueue --count 200000 --batch 1000 --connections 4)"
# Batches from any language, 1,000 jobs a call (4 clients, 10 s): the set-based
# wharf.enqueue_batch(jsonb), with the array sent as the client would send it (a literal), beside
# wharf.enqueue(...) called once per row in a statement of 1,000.
python3 -c 'import json; print(json.dumps([{"kind": "noop", "queue": "enqueue-batch", "payload": {"i": i}} for i in range(1000)]))' > "$dir/batch.json"
printf "SELECT count(*) FROM wharf.enqueue_batch('%s');\n" "$(cat "$dir/batch.json")" > "$dir/enqueue-batch.sql"
put enqueue_sql_batch "$(awk -v t="$(pgb -f "$dir/enqueue-batch.sql" -c 4 -j 2 -T 10)" 'BEGIN { printf "%.0f", t * 1000 }')"
echo "SELECT count(*) FROM (SELECT wharf.enqueue('noop', jsonb_build_object('i', g), queue => 'enqueue-rows') FROM generate_series(1, 1000) g) AS x;" > "$dir/enqueue-rows.sql"
put enqueue_sql_rows "$(awk -v t="$(pgb -f "$dir/enqueue-rows.sql" -c 4 -j 2 -T 10)" 'BEGIN { printf "%.0f", t * 1000 }')"
reset_jobs

echo "bench: raw SQL limit (pgbench: claim a batch with SKIP LOCKED, mark it done; 4 clients)" >&2
cat > "$dir/raw.sql" <<'SQL'
WITH picked AS (SELECT id FROM wharf.jobs WHERE state = 'available' AND queue = 'raw' AND run_at <= now() ORDER BY priority, run_at, id LIMIT :batch FOR UPDATE SKIP LOCKED), claimed AS (UPDATE wharf.jobs j SET state = 'running', attempt = j.attempt + 1, lease_owner = 'raw', lease_token = 0, lease_expires_at = now() + interval '30 s', started_at = now() FROM picked WHERE j.id = picked.id RETURNING j.id) SELECT quote_literal(coalesce(array_agg(id), '{}')::text) AS ids FROM claimed \gset
UPDATE wharf.jobs SET state = 'completed', finished_at = now(), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id = ANY(:ids::bigint[]) AND state = 'running';
SQL
best_raw=0; best_batch=0
for b in 1 10 100 500; do
  reset_jobs; load_noop 600000 raw
  tps=$(pgb -f "$dir/raw.sql" -D batch=$b -c 4 -j 2 -T 8)
  rate=$(awk -v t="$tps" -v b="$b" 'BEGIN { printf "%.0f", t * b }')
  put "raw_batch_$b" "$rate"
  if [ "$rate" -gt "$best_raw" ]; then best_raw=$rate; best_batch=$b; fi
done
put raw_best "$best_raw"; put raw_best_batch "$best_batch"
# The same loop with Wharf's own claim and completion statements (history entries, fencing
# tokens, the pause check) at the best raw batch size: what the database can do for Wharf
# without the runtime. These are JobClaim.sql and JobCompleteMany.sql without their comments,
# with the parameters replaced (claim: $1 'raw', $2 :batch, $3 'pgbench', $4 a 30 s lease in
# microseconds; completion: $1 :ids, $2 :tokens). pgbench keeps no rows, so the claim runs inside
# a CTE, and \gset stores its ids and tokens as array literals. Like Wharf's, the statements name
# no schema: PGOPTIONS sets the search_path. SQLDocsDriftTests fails when this heredoc drifts.
cat > "$dir/wharf-sql.sql" <<'SQL'
WITH claimed AS (
WITH token AS MATERIALIZED (SELECT nextval('lease_token_seq') AS value),
picked AS (
    SELECT id AS picked_id FROM jobs
    WHERE state = 'available' AND queue = 'raw' AND run_at <= now()
      AND NOT EXISTS (SELECT 1 FROM queues WHERE name = 'raw' AND paused)
    ORDER BY priority, run_at, id
    LIMIT :batch
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs AS j SET
    state = 'running',
    attempt = least(j.attempt, 1000) + 1,
    lease_owner = 'pgbench',
    lease_token = (SELECT value FROM token),
    lease_expires_at = now() + 30000000::bigint * interval '1 microsecond',
    started_at = now(),
    history = j.history || history_entry('claimed', 'available', 'running', least(j.attempt, 1000) + 1, 'pgbench')
WHERE j.id = ANY(ARRAY(SELECT picked_id FROM picked))
RETURNING id, kind, payload::text, priority, attempt, max_attempts, run_at, lease_token, lease_expires_at, unique_key, created_at, started_at
)
SELECT quote_literal(coalesce(array_agg(id), '{}')::text) AS ids, quote_literal(coalesce(array_agg(lease_token), '{}')::text) AS tokens FROM claimed \gset
WITH locked AS (
    SELECT j.id, j.lease_token AS token FROM jobs AS j
    JOIN unnest(:ids::bigint[], :tokens::bigint[]) AS done(id, token) ON j.id = done.id AND j.lease_token = done.token
    ORDER BY j.id
    FOR UPDATE OF j
)
UPDATE jobs AS j SET
    state = 'completed',
    finished_at = now(),
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
    history = j.history || history_entry('succeeded', 'running', 'completed', j.attempt, j.lease_owner)
FROM locked
WHERE j.id = locked.id AND j.lease_token = locked.token
RETURNING locked.id, locked.token;
SQL
reset_jobs; load_noop 600000 raw
tps=$(PGOPTIONS='-c search_path=wharf' pgb -f "$dir/wharf-sql.sql" -D batch="$best_batch" -c 4 -j 2 -T 8)
put raw_wharf_sql "$(awk -v t="$tps" -v b="$best_batch" 'BEGIN { printf "%.0f", t * b }')"
reset_jobs

echo "bench: drain $N no-op jobs" >&2
load_noop 10000 warm && q "UPDATE wharf.jobs SET state = 'completed', attempt = 1, started_at = now(), finished_at = now() WHERE queue = 'warm'" >/dev/null
best_drain=0; best_cfg=""; best_procs=1; best_conc=64
for procs in 1 2 4; do
  for conc in 64 256 1000; do
    read -r rate rss _ < <(drain "$procs" "$conc" "p$procs-c$conc")
    put "drain_p${procs}_c${conc}" "$rate"
    [ "$procs" = 1 ] && put "rss_load_c${conc}_kb" "$rss"
    if [ "$rate" -gt "$best_drain" ]; then best_drain=$rate; best_cfg="$procs×$conc"; best_procs=$procs; best_conc=$conc; fi
  done
done
put drain_best "$best_drain"; put drain_best_cfg "$best_cfg"
put drain_ratio "$(awk -v a="$best_drain" -v b="$best_raw" 'BEGIN { printf "%.0f%%", 100 * a / b }')"

echo "bench: latency" >&2
reset_jobs
# Idle RSS of the product: `wharf worker` with its HTTP side, no jobs.
"$bin/wharf" worker --queues default=10 --http-address 127.0.0.1:0 >"$dir/idle-wharf.log" 2>&1 &
pids+=($!)
sleep 4
put rss_idle_kb "$(rss_kb "${pids[0]}")"
stop_workers
worker idle default=8 WHARF_POLL_INTERVAL=30s
sleep 2
echo "SELECT wharf.enqueue('noop');" > "$dir/one.sql"
pgb -f "$dir/one.sql" -c 1 -R 50 -T 10 >/dev/null
wait_for "SELECT count(*) FILTER (WHERE state <> 'completed') = 0 FROM wharf.jobs"
pct() { q "SELECT round(percentile_cont($1) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000)::numeric, 2) FROM wharf.jobs $2"; }
put idle_p50_ms "$(pct 0.5 "")"; put idle_p95_ms "$(pct 0.95 "")"; put idle_p99_ms "$(pct 0.99 "")"; put idle_jobs "$(q "SELECT count(*) FROM wharf.jobs")"
stop_workers; reset_jobs
# Steady load at half the best drain rate: batches of 100 at the matching transaction rate.
half=$(( best_drain / 2 )); tx=$(( half / 100 )); [ "$tx" -lt 1 ] && tx=1
echo "SELECT wharf.enqueue('noop') FROM generate_series(1, 100);" > "$dir/hundred.sql"
procs=${best_cfg%×*}; conc=${best_cfg#*×}
for i in $(seq 1 "$procs"); do worker "steady-$i" "default=$conc"; done
sleep 2
pgb -f "$dir/hundred.sql" -c 2 -j 2 -R "$tx" -T 15 >/dev/null
wait_for "SELECT count(*) FILTER (WHERE state <> 'completed') = 0 FROM wharf.jobs"
put load_rate "$half"
put load_p50_ms "$(pct 0.5 "")"; put load_p95_ms "$(pct 0.95 "")"; put load_p99_ms "$(pct 0.99 "")"
stop_workers; reset_jobs

echo "bench: recovery after kill -9" >&2
recover() {  # ttl heartbeat reaper
  reset_jobs
  local env=(WHARF_LEASE_TTL="$1" WHARF_HEARTBEAT_INTERVAL="$2" WHARF_REAPER_INTERVAL="$3")
  local id; id=$(q "SELECT wharf.enqueue('sink', '{\"key\": \"victim\", \"ms\": 600000}')")
  worker victim default=4 "${env[@]}"
  wait_for "SELECT coalesce(lease_owner = 'victim', false) FROM wharf.jobs WHERE id = $id"
  worker survivor default=4 "${env[@]}"
  sleep 1
  kill -9 "${pids[0]}"; local killed; killed=$(q "SELECT now()")
  wait_for "SELECT coalesce(lease_owner = 'survivor', false) FROM wharf.jobs WHERE id = $id"
  q "SELECT round(extract(epoch FROM started_at - '$killed'::timestamptz)::numeric, 2) FROM wharf.jobs WHERE id = $id"
  stop_workers
}
put recovery_default_s "$(recover 30s 10s 5s)"
put recovery_short_s "$(recover 5s 1s 1s)"

echo "bench: recovery after pg_terminate_backend and after a PostgreSQL restart" >&2
# One worker with 32 slots drains 1 ms jobs. The fault comes once work is under way; the figure
# is the time from the fault (for a restart: from the server being back) until the first job
# claimed after it has completed, on the database clock; then completions in the 2 s window
# starting 1 s after that, against the 2 s before the fault.
completed() { q "SELECT count(*) FROM wharf.jobs WHERE state = 'completed'"; }
fault_recovery() {  # name fault-function
  reset_jobs; q "TRUNCATE wharf.sink_runs, wharf.sink_effects"
  q "INSERT INTO wharf.jobs (kind, queue, payload, history) SELECT 'sink', 'default', jsonb_build_object('key', 'f' || i, 'ms', 1), wharf.history_entry('enqueued', NULL, 'available', 0, NULL) FROM generate_series(1, 30000) i"
  worker "$1" default=32 WHARF_LEASE_TTL=30s WHARF_HEARTBEAT_INTERVAL=5s
  wait_for "SELECT count(*) >= 1000 FROM wharf.jobs WHERE state = 'completed'"
  local c0 c1 at a0 a1
  c0=$(completed); sleep 2; c1=$(completed)
  at=$("$2")
  wait_for "SELECT count(*) > 0 FROM wharf.jobs WHERE state = 'completed' AND started_at > '$at'"
  put "$1_s" "$(q "SELECT round(extract(epoch FROM min(started_at) - '$at'::timestamptz)::numeric, 2) FROM wharf.jobs WHERE state = 'completed' AND started_at > '$at'")"
  sleep 1; a0=$(completed); sleep 2; a1=$(completed)
  put "$1_rate" "$(awk -v a=$((a1 - a0)) -v b=$((c1 - c0)) 'BEGIN { printf "%.0f%%", 100 * a / b }')"
  put "$1_store_timeouts" "$(grep -c 'did not complete within' "$dir/$1.log" || true)"
  stop_workers
}
terminate_backends() {
  local at; at=$(q "SELECT now()")
  q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'wharf'" >/dev/null
  echo "$at"
}
restart_postgres() {
  scripts/pg-throwaway.sh stop "$dir" >/dev/null 2>&1
  scripts/pg-throwaway.sh restart "$dir" >/dev/null 2>&1
  q "SELECT now()"
}
fault_recovery backend_kill terminate_backends
fault_recovery pg_restart restart_postgres

echo "bench: held xmin for ${XMIN_S}s" >&2
reset_jobs
q "SELECT pg_stat_reset()" >/dev/null
put xmin_without "$(best_of_two "$best_procs" "$best_conc" noxmin)"; sleep 1
put dead_tuples_without "$(q "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'wharf.jobs'::regclass")"
reset_jobs; q "SELECT pg_stat_reset()" >/dev/null
psql "$DATABASE_URL" -XAtq -c "BEGIN; SELECT txid_current(); SELECT pg_sleep($XMIN_S); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 1
# Best of two as without: the second drain also walks the first one's dead rows.
put xmin_with "$(best_of_two "$best_procs" "$best_conc" xmin)"; sleep 1
put dead_tuples_with "$(q "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'wharf.jobs'::regclass")"
wait "$holder" 2>/dev/null || true
put xmin_cost "$(awk -v a="$(get xmin_with)" -v b="$(get xmin_without)" 'BEGIN { printf "%.0f%%", 100 * (1 - a / b) }')"

echo "bench: table size (10 k vs $SCALE finished rows)" >&2
reset_jobs
q "INSERT INTO wharf.jobs (kind, queue, state, attempt, started_at, finished_at, history) SELECT 'noop', 'old', 'completed', 1, now(), now(), wharf.history_entry('enqueued', NULL, 'available', 0, NULL) FROM generate_series(1, 10000)" >/dev/null
put scale_small "$(best_of_two "$best_procs" "$best_conc" small)"
step=1000000
for ((i = 0; i < SCALE; i += step)); do
  q "INSERT INTO wharf.jobs (kind, queue, state, attempt, started_at, finished_at, history) SELECT 'noop', 'old', 'completed', 1, now(), now(), wharf.history_entry('enqueued', NULL, 'available', 0, NULL) FROM generate_series(1, $(( SCALE - i < step ? SCALE - i : step )))" >/dev/null
done
q "VACUUM ANALYZE wharf.jobs" >/dev/null
put scale_rows "$(q "SELECT count(*) FROM wharf.jobs")"
put scale_large "$(best_of_two "$best_procs" "$best_conc" large)"
put scale_ratio "$(awk -v a="$(get scale_large)" -v b="$(get scale_small)" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
# The monitoring side at that size, with a backlog of 10 000 due jobs and some dead ones.
load_noop 10000 backlog
q "INSERT INTO wharf.dead_jobs (id, queue, kind, payload, priority, attempt, max_attempts, run_at, errors, history, created_at, died_at, reason) SELECT -g, 'backlog', 'noop', '{}', 0, 1, 1, now(), '[]', '[]', now(), now(), 'permanent_failure' FROM generate_series(1, 1000) g" >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
api_token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
WHARF_API_TOKEN=$api_token "$bin/wharf" serve --http-address "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pids+=($!)
until curl -sf "http://127.0.0.1:$port/api/v1/overview" >/dev/null; do sleep 0.2; done
# Batch enqueue through the API: 4 clients, 25 bodies of 1,000 jobs each.
python3 -c 'import json; print(json.dumps({"jobs": [{"kind": "noop", "queue": "enqueue-api", "payload": {"i": i}} for i in range(1000)]}))' > "$dir/api-batch.json"
api_start=$(date +%s.%N); loops=()
for _ in 1 2 3 4; do
  ( for _ in $(seq 1 25); do
      curl -s -o /dev/null -H "Authorization: Bearer $api_token" -H 'Content-Type: application/json' --data-binary @"$dir/api-batch.json" "http://127.0.0.1:$port/api/v1/jobs"
    done ) &
  loops+=($!)
done
wait "${loops[@]}"
api_end=$(date +%s.%N)
put enqueue_api_batch "$(awk -v n="$(q "SELECT count(*) FROM wharf.jobs WHERE queue = 'enqueue-api'")" -v a="$api_start" -v b="$api_end" 'BEGIN { printf "%.0f", n / (b - a) }')"
q "DELETE FROM wharf.jobs WHERE queue = 'enqueue-api'" >/dev/null
timed() {  # url: median of 21 requests, ms
  for _ in $(seq 1 21); do curl -s -o /dev/null -w '%{time_total}\n' "$1"; done | sort -n | sed -n 11p | awk '{ printf "%.2f", $1 * 1000 }'
}
put scrape_ms "$(timed "http://127.0.0.1:$port/metrics")"
put overview_ms "$(timed "http://127.0.0.1:$port/api/v1/overview")"
sleep 6
put sample_ms "$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^wharf_monitoring_sample_duration_seconds / { printf "%.2f", $2 * 1000 }')"
stop_workers

echo "bench: drain by slots per process, beside the raw loop with that batch and that many clients" >&2
# Each Wharf drain (10,000 jobs; 50,000 from 100 slots) with commit wait `enqueues` (the default)
# and `all`; each raw loop (raw.sql, batch = slots, clients = processes, 5 s) with commits that
# wait and with synchronous_commit off, the durability Wharf's default gives claims and
# completions. CPU per job: the workers' and the database's (the raw loops': the database's).
for conf in "1 1" "2 1" "1 8" "2 8" "1 32" "2 32" "1 100" "2 100" "1 1000" "2 1000"; do
  set -- $conf
  jobs=10000; [ "$2" -ge 100 ] && jobs=50000
  for mode in enqueues all; do
    read -r rate _ wcpu pcpu claims < <(DRAIN_N=$jobs drain "$1" "$2" "slots-$mode-$1x$2" "WHARF_COMMIT_WAIT=$mode")
    put "slots_${mode}_$1x$2" "$rate"
    put "slots_${mode}_per_claim_$1x$2" "$(awk -v j="$jobs" -v c="$claims" 'BEGIN { printf "%.1f", j / (c > 0 ? c : 1) }')"
    put "slots_${mode}_cpu_$1x$2" "$(per_job_us "$wcpu" "$jobs") + $(per_job_us "$pcpu" "$jobs")"
  done
  for commit in on off; do
    reset_jobs; load_noop 300000 raw
    before=$(pg_ticks)
    tps=$(PGOPTIONS="-c synchronous_commit=$commit" pgb -f "$dir/raw.sql" -D batch="$2" -c "$1" -j "$1" -T 5)
    done_jobs=$(q "SELECT count(*) FROM wharf.jobs WHERE queue = 'raw' AND state = 'completed'")
    put "slots_raw_${commit}_$1x$2" "$(awk -v t="$tps" -v b="$2" 'BEGIN { printf "%.0f", t * b }')"
    put "slots_raw_${commit}_cpu_$1x$2" "$(per_job_us $(( $(pg_ticks) - before )) "$done_jobs")"
  done
  put "slots_ratio_$1x$2" "$(awk -v a="$(get "slots_enqueues_$1x$2")" -v b="$(get "slots_raw_off_$1x$2")" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
done
reset_jobs

echo "bench: cron schedules (10,000 due every minute; 100 every second during a drain)" >&2
reset_jobs
q "INSERT INTO wharf.schedules (name, expression, kind, queue, source) SELECT 'minutely-' || g, '* * * * *', 'noop', 'cron', 'sql' FROM generate_series(1, 10000) g" >/dev/null
# The leader serves an idle queue, so it takes no part in the drains below; the ticks' jobs go
# to 'cron', which nobody serves, and stay there to be measured.
worker cron-leader "cronidle=1"
until [ "$(q "SELECT count(*) >= 10000 FROM wharf.jobs WHERE queue = 'cron'")" = "t" ]; do sleep 0.5; done
# The first whole minute's ticks: from the tick (in the unique key) to the job's insert.
first_tick="(SELECT min(substring(unique_key from ':([0-9]{4}-.*)$')::timestamptz) FROM wharf.jobs WHERE queue = 'cron')"
cron_lag() { q "SELECT round((percentile_cont($1) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - $first_tick)) * 1000)::numeric, 1) FROM wharf.jobs WHERE queue = 'cron' AND substring(unique_key from ':([0-9]{4}-.*)$')::timestamptz = $first_tick"; }
put cron_lag_p50_ms "$(cron_lag 0.5)"
put cron_lag_p99_ms "$(cron_lag 0.99)"
put cron_pass_ms "$(q "SELECT round((extract(epoch FROM max(created_at) - min(created_at)) * 1000)::numeric, 0) FROM wharf.jobs WHERE queue = 'cron' AND substring(unique_key from ':([0-9]{4}-.*)$')::timestamptz = $first_tick")"
q "DELETE FROM wharf.schedules" >/dev/null; q "DELETE FROM wharf.jobs WHERE queue = 'cron'" >/dev/null
put cron_drain_without "$(best_of_two "$best_procs" "$best_conc" nocron)"
q "INSERT INTO wharf.schedules (name, expression, kind, queue, source) SELECT 'secondly-' || g, '* * * * * *', 'noop', 'cron', 'sql' FROM generate_series(1, 100) g" >/dev/null
put cron_drain_with "$(best_of_two "$best_procs" "$best_conc" cron)"
put cron_drain_jobs "$(q "SELECT count(*) FROM wharf.jobs WHERE queue = 'cron'")"
put cron_drain_ratio "$(awk -v a="$(get cron_drain_with)" -v b="$(get cron_drain_without)" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
q "DELETE FROM wharf.schedules" >/dev/null
stop_workers

echo "bench: done" >&2
# Kept so the report can be re-rendered without re-measuring:
#   scripts/bench-report.sh .build/bench-results.txt docs/benchmarks.md N SCALE XMIN_S
mkdir -p .build && cp "$results" .build/bench-results.txt
scripts/bench-report.sh "$results" "$OUT" "$N" "$SCALE" "$XMIN_S"

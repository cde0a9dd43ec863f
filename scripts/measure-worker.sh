#!/usr/bin/env bash
# Quick worker figures on a throwaway PostgreSQL (release build of WharfTestWorker):
#   - drain rate of N no-op jobs with 1 and 2 worker processes
#   - enqueue-to-start latency with an idle worker (LISTEN/NOTIFY; poll interval 30 s)
#   - time from kill -9 of a worker to its job running on another (lease TTL 5 s)
# Usage: scripts/measure-worker.sh [N]   (default 20000). Prints one line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
dir=$(mktemp -d /tmp/wharf-measure.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; scripts/pg-throwaway.sh stop "$dir" || true; rm -rf "$dir"; }
trap cleanup EXIT
swift build -c release --product WharfTestWorker >/dev/null 2>&1
swift build -c release --product wharf >/dev/null 2>&1
bin=$(swift build -c release --show-bin-path)
export DATABASE_URL=$(scripts/pg-throwaway.sh start "$dir" 2>/dev/null)
"$bin/wharf" migrate >/dev/null
q() { psql "$DATABASE_URL" -XAtq -c "$1"; }
q "CREATE TABLE wharf.sink_runs (job_id bigint, key text, worker text, attempt int, started_at timestamptz, finished_at timestamptz); CREATE TABLE wharf.sink_effects (key text PRIMARY KEY, job_id bigint)"
worker() {  # id queues [extra env...]
  local id=$1 queues=$2; shift 2
  env WHARF_WORKER_ID="$id" WHARF_QUEUES="$queues" WHARF_LOG_LEVEL=warning "$@" "$bin/WharfTestWorker" >>"$dir/$id.log" 2>&1 &
  pids+=($!)
}
wait_for() { until [ "$(q "$1")" = "t" ]; do sleep 0.05; done; }

for procs in 1 2; do
  q "TRUNCATE wharf.jobs"
  q "INSERT INTO wharf.jobs (kind, queue) SELECT 'noop', 'bench' FROM generate_series(1, $n)"
  for i in $(seq 1 "$procs"); do worker "drain-$procs-$i" bench=32; done
  wait_for "SELECT count(*) = $n FROM wharf.jobs WHERE state = 'completed'"
  rate=$(q "SELECT round($n / extract(epoch FROM max(finished_at) - min(started_at))) FROM wharf.jobs")
  echo "drain: $n no-op jobs, $procs process(es) x concurrency 32: $rate jobs/s"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait "${pids[@]}" 2>/dev/null || true; pids=()
done

q "TRUNCATE wharf.jobs"
worker idle default=8 WHARF_POLL_INTERVAL=30s
sleep 1.5
for i in $(seq 1 200); do q "SELECT wharf.enqueue('noop')" >/dev/null; sleep 0.02; done
wait_for "SELECT count(*) = 200 FROM wharf.jobs WHERE state = 'completed'"
q "SELECT 'idle enqueue-to-start (LISTEN/NOTIFY, 200 jobs): p50 ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) || ' ms, p95 ' || round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 2) || ' ms, p99 ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) || ' ms' FROM (SELECT extract(epoch FROM started_at - created_at) * 1000 AS ms FROM wharf.jobs) t"
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait "${pids[@]}" 2>/dev/null || true; pids=()

q "TRUNCATE wharf.jobs"
id=$(q "SELECT wharf.enqueue('sink', '{\"key\": \"victim\", \"ms\": 2000}')")
worker victim default=4 WHARF_LEASE_TTL=5s WHARF_HEARTBEAT_INTERVAL=1s WHARF_REAPER_INTERVAL=1s
wait_for "SELECT lease_owner = 'victim' FROM wharf.jobs WHERE id = $id"
kill -9 "${pids[0]}"; killed=$(q "SELECT now()")
worker survivor default=4 WHARF_LEASE_TTL=5s WHARF_HEARTBEAT_INTERVAL=1s WHARF_REAPER_INTERVAL=1s
wait_for "SELECT lease_owner = 'survivor' FROM wharf.jobs WHERE id = $id"
q "SELECT 'kill -9 to running elsewhere (lease TTL 5 s, reaper every 1 s): ' || round(extract(epoch FROM started_at - '$killed'::timestamptz)::numeric, 2) || ' s' FROM wharf.jobs WHERE id = $id"

#!/usr/bin/env bash
# `make run`: a worker with example jobs on a local database.
# Uses $DATABASE_URL when set; otherwise starts a throwaway PostgreSQL in .pg/ (stopped on exit).
# RUN_SECONDS=N stops the demo after N seconds (default: run until Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
wharf=.build/debug/wharf
started_db=
worker_pid=
cleanup() {
  [ -n "$worker_pid" ] && kill -TERM "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null || true
  if [ -n "$started_db" ]; then scripts/pg-throwaway.sh stop "$PWD/.pg" || true; rm -rf "$PWD/.pg"; fi
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  rm -rf "$PWD/.pg"
  DATABASE_URL=$(scripts/pg-throwaway.sh start "$PWD/.pg")
  started_db=1
  echo "==> started a throwaway PostgreSQL: $DATABASE_URL"
fi
export DATABASE_URL

echo "==> building wharf"
swift build --product wharf >/dev/null
echo "==> wharf migrate"
$wharf migrate

echo "==> starting a worker (deploy/config/demo.json); its log goes to .wharf-demo.log"
$wharf worker --config deploy/config/demo.json --poll-interval 500ms >.wharf-demo.log 2>&1 &
worker_pid=$!

echo "==> enqueueing example jobs"
$wharf enqueue demo.hello --payload '{"greeting": "hi"}'
$wharf enqueue demo.hello --payload '{"greeting": "later"}' --delay 3s
$wharf enqueue demo.flaky --payload '{"call": "upstream"}' --max-attempts 3
$wharf enqueue demo.broken --payload '{"invoice": 17}'
if command -v psql >/dev/null; then
  echo "    and one from SQL, the way any application can (inside its own transaction):"
  psql "$DATABASE_URL" -Atc "SELECT wharf.enqueue('demo.hello', '{\"from\": \"sql\"}', queue => 'default')" | sed 's/^/    enqueued job /'
fi

sleep 6
echo
echo "==> wharf stats"
$wharf stats
echo
echo "==> wharf jobs list"
$wharf jobs list
echo
echo "==> wharf dlq list   (demo.broken exited 65: permanent failure, dead-lettered at once)"
$wharf dlq list
echo
cat <<TEXT
Where to look next:
  $wharf jobs show 3        the flaky job's timeline: failed once (exit 75), then succeeded
  $wharf dlq show 4         the dead job with its error; 'wharf dlq retry 4' puts it back
  tail -f .wharf-demo.log   the worker's log: every state change, one line each
  DATABASE_URL=$DATABASE_URL
TEXT

if [ -n "${RUN_SECONDS:-}" ]; then
  sleep "$RUN_SECONDS"
else
  echo "The worker keeps running; Ctrl-C stops it (graceful drain) and the throwaway database."
  wait "$worker_pid" || true
fi

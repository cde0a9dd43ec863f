#!/usr/bin/env bash
# `make run`: a worker with example jobs on a local database.
# Uses $DATABASE_URL when set; otherwise starts a throwaway PostgreSQL in .pg/ (stopped on exit).
# RUN_SECONDS=N stops the demo after N seconds (default: run until Ctrl-C).
# However it ends (the end of the script, an error, Ctrl-C, SIGTERM), the worker gets one SIGTERM
# (a graceful drain) and the throwaway PostgreSQL is stopped. A second Ctrl-C or SIGTERM during
# that makes the worker exit at once; the database is still stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
wharf=.build/debug/wharf
started_db=
worker_pid=
step_pid=
cleanup() {
  local status=$?
  set +e  # every stop below is attempted, whatever the one before it did
  # From here a further signal goes to the worker (its second signal: exit at once) and the
  # cleanup goes on; the traps that called exit would otherwise cut it short.
  trap '[ -n "$worker_pid" ] && kill -TERM "$worker_pid" 2>/dev/null' INT TERM
  [ -n "$step_pid" ] && kill -TERM "$step_pid" 2>/dev/null
  if [ -n "$worker_pid" ]; then
    kill -TERM "$worker_pid" 2>/dev/null
    # wait returns early when a trapped signal arrives: wait again until the worker is gone.
    while kill -0 "$worker_pid" 2>/dev/null; do wait "$worker_pid" 2>/dev/null; done
  fi
  if [ -n "$started_db" ]; then scripts/pg-throwaway.sh stop "$PWD/.pg"; rm -rf "$PWD/.pg"; fi
  exit "$status"
}
# Ctrl-C and SIGTERM exit through the EXIT trap, with 130 and 143 as for a death by that signal.
# (Left at their defaults, whether the EXIT trap runs depends on the shell and on timing, and a
# second signal during the cleanup killed the script before it stopped PostgreSQL.)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a long step (the build, the sleeps) in the background and waits for it: bash runs a trap
# only after the foreground command ends, whereas `wait` returns as soon as a signal arrives.
# cleanup stops the step if it is still running. A failed step still ends the script (set -e).
step() {
  "$@" &
  step_pid=$!
  wait "$step_pid"
  step_pid=
}

if [ -z "${DATABASE_URL:-}" ]; then
  rm -rf "$PWD/.pg"
  # Set before the start: a signal during it still stops whatever it started.
  started_db=1
  DATABASE_URL=$(scripts/pg-throwaway.sh start "$PWD/.pg")
  echo "==> started a throwaway PostgreSQL: $DATABASE_URL"
fi
export DATABASE_URL

echo "==> building wharf"
step swift build --product wharf >/dev/null
echo "==> wharf migrate"
$wharf migrate

echo "==> starting a worker (deploy/config/demo.json); its log goes to .wharf-demo.log"
# In a session of its own, so that Ctrl-C at the terminal reaches this script only: cleanup then
# sends the worker a single SIGTERM. Had the worker got the SIGINT too, that SIGTERM would be its
# second signal, and it would exit at once instead of draining.
setsid=$(command -v setsid || true)
$setsid $wharf worker --config deploy/config/demo.json --poll-interval 500ms >.wharf-demo.log 2>&1 &
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

step sleep 6
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
  step sleep "$RUN_SECONDS"
else
  echo "The worker keeps running; Ctrl-C stops it (graceful drain) and the throwaway database."
  wait "$worker_pid" || true
fi

#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at a PostgreSQL server. When DATABASE_URL is
# already set it is used as is; otherwise a throwaway cluster is started for the command and
# stopped afterwards, whether the command passed or failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi
dir=$(mktemp -d /tmp/wharf-pg.XXXXXX)
cleanup() { "$here/pg-throwaway.sh" stop "$dir" || true; rm -rf "$dir"; }
trap cleanup EXIT
DATABASE_URL=$("$here/pg-throwaway.sh" start "$dir")
export DATABASE_URL
echo "with-test-db: throwaway PostgreSQL at $DATABASE_URL" >&2
"$@"

#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for `make test` / `make run`.
#   scripts/pg-throwaway.sh start DIR   -> prints a DATABASE_URL on stdout
#   scripts/pg-throwaway.sh stop DIR
#   scripts/pg-throwaway.sh restart DIR  -> starts a stopped cluster again on the same port
# Postgres refuses to run as root, so as root the cluster runs as the `postgres` OS user.
# Installs PostgreSQL with apt only when no server binaries are found.
set -euo pipefail

cmd=${1:?usage: pg-throwaway.sh start|stop DIR}
dir=${2:?usage: pg-throwaway.sh start|stop DIR}

find_bindir() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
  return 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if ! bindir=$(find_bindir); then
    echo "pg-throwaway: no PostgreSQL server found; installing it with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    bindir=$(find_bindir)
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home postgres
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  # A free port: let the kernel pick one, then hand it to Postgres.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=on" start >&2 \
    || { cat "$dir/log" >&2; exit 1; }
  echo "$bindir" > "$dir/bindir"
  echo "$port" > "$dir/port"
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
restart)
  port=$(cat "$dir/port")
  as_pg "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=on" start >&2
  ;;
stop)
  [ -f "$dir/bindir" ] || exit 0
  as_pg "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
  ;;
*)
  echo "usage: pg-throwaway.sh start|stop|restart DIR" >&2; exit 2 ;;
esac

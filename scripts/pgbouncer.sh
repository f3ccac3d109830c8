#!/usr/bin/env bash
# A real PgBouncer (Debian's 1.18, without protocol-level prepared statements) in
# transaction mode in front of the local Postgres, as Neon's pooler sits in front of Neon.
# `make test` runs the services' API suites through it with DATABASE_PREPARED_STATEMENTS
# off, so the statement handling of folio-shared's db module is proven against a pooler.
#   scripts/pgbouncer.sh start | stop      (listens on 127.0.0.1:${PGBOUNCER_PORT:-6432})
set -euo pipefail
port="${PGBOUNCER_PORT:-6432}"
dir="${TMPDIR:-/tmp}/folio-pgbouncer"

case "${1:-start}" in
start)
  if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
    echo "installing pgbouncer (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq pgbouncer >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq pgbouncer >/dev/null; }
  fi
  bin="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "PgBouncer already listening on $port"; exit 0
  fi
  mkdir -p "$dir"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,application_name
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  echo '"postgres" ""' >"$dir/userlist.txt"
  chmod -R a+rwX "$dir"
  # PgBouncer refuses to run as root.
  if [ "$(id -u)" = 0 ]; then "$bin" -d -u postgres "$dir/pgbouncer.ini"; else "$bin" -d "$dir/pgbouncer.ini"; fi
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "PgBouncer (transaction mode) on 127.0.0.1:$port"; exit 0; }
    sleep 0.1
  done
  echo "ERROR: PgBouncer did not start; see $dir/pgbouncer.log" >&2; exit 1
  ;;
stop)
  [ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
  ;;
esac

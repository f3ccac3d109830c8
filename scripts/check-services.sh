#!/usr/bin/env bash
# Postgres and Redis must answer on 127.0.0.1 before tests or dev start, Postgres with trust
# auth for user postgres. One that is installed but down is started. One that is not
# installed is installed with apt-get (Debian, Ubuntu; as scripts/install-web-deps.sh does
# for Caddy), and a Postgres cluster installed here is given that trust login. Without
# apt-get it says in one line what to install.
# Every command that changes the machine goes through `run`: scripts/test-check-services.sh
# sources this file, fakes the probes and `run` with a machine of its own, and calls main.
set -euo pipefail

# --- probes
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
pg_trusts() { psql -w -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; }
# The newest of Debian's clusters (/etc/postgresql/<version>/main, run by pg_ctlcluster);
# empty when the server is not installed.
pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n1; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
has() { command -v "$1" >/dev/null 2>&1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

run() { # run [--quiet] COMMAND...
  if [ "$1" = --quiet ]; then shift; "$@" >/dev/null 2>&1; else "$@"; fi
}

wait_until() { # wait_until PROBE: up to 15 s
  for _ in $(seq 1 30); do "$1" && return 0; sleep 0.5; done
  return 1
}

# Something answering on the port (a container, say) needs only the client tools here.
missing_packages() {
  if ! port_open 5432 && [ -z "$(pg_version)" ]; then
    echo postgresql
  elif ! has pg_isready || ! has psql; then
    echo postgresql-client
  fi
  if ! port_open 6379 && ! has redis-server; then
    echo redis-server
  elif ! has redis-cli; then
    echo redis-tools
  fi
}

install_packages() {
  if ! has apt-get; then
    echo "ERROR: there is no apt-get here to install $*: install PostgreSQL (server, psql, pg_isready; trust auth for user postgres on 127.0.0.1:5432) and Redis (redis-server, redis-cli; 127.0.0.1:6379), start them, and run this again." >&2
    exit 1
  fi
  echo "installing Debian packages: $*"
  local apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
  # A fresh machine's package lists may be stale or empty: refresh them only when needed.
  run --quiet "${apt[@]}" install -y -qq "$@" || {
    run "${apt[@]}" update -qq
    run "${apt[@]}" install -y -qq "$@"
  }
}

start_postgres() {
  pg_up && return 0
  local version
  version="$(pg_version)"
  if [ -n "$version" ]; then
    echo "Postgres is down; starting it"
    run "${as_root[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_until pg_up || true
  fi
}

# Debian's fresh cluster asks for a password on 127.0.0.1 (scram-sha-256); the first
# matching pg_hba.conf line wins, so the trust line goes on top.
trust_fresh_postgres() {
  pg_trusts && return 0
  local version
  version="$(pg_version)"
  echo "letting user postgres in without a password from 127.0.0.1 (pg_hba.conf of $version/main)"
  run "${as_root[@]}" sed -i "1i host all postgres 127.0.0.1/32 trust" "/etc/postgresql/$version/main/pg_hba.conf"
  run "${as_root[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  wait_until pg_trusts || true
}

start_redis() {
  redis_up && return 0
  if has redis-server; then
    echo "Redis is down; starting it"
    run "${as_root[@]}" mkdir -p /var/lib/redis /var/log/redis || true
    run "${as_root[@]}" redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    wait_until redis_up || true
  fi
}

verify() {
  if ! pg_up; then
    echo "ERROR: PostgreSQL is not answering on 127.0.0.1:5432 (trust auth, user postgres)." >&2
    echo "       Start it (pg_ctlcluster <version> main start) and run this again." >&2
    exit 1
  fi
  if ! pg_trusts; then
    echo "ERROR: PostgreSQL on 127.0.0.1:5432 wants a password from user postgres; Folio uses trust auth." >&2
    echo "       Put 'host all postgres 127.0.0.1/32 trust' first in its pg_hba.conf and reload it." >&2
    exit 1
  fi
  if ! redis_up; then
    echo "ERROR: Redis is not answering on 127.0.0.1:6379." >&2
    echo "       Start it (redis-server --daemonize yes) and run this again." >&2
    exit 1
  fi
  echo "Postgres and Redis are up"
}

main() {
  as_root=()
  if ! is_root && has sudo; then as_root=(sudo); fi
  local packages
  mapfile -t packages < <(missing_packages)
  if [ ${#packages[@]} -gt 0 ]; then install_packages "${packages[@]}"; fi
  start_postgres
  if [[ " ${packages[*]} " == *" postgresql "* ]]; then trust_fresh_postgres; fi
  start_redis
  verify
}

# Only when run: the test sources this file.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main; fi

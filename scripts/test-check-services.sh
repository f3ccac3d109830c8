#!/usr/bin/env bash
# scripts/check-services.sh on machines it must not touch for real: each case sources it,
# replaces its probes and `run` with a fake machine (what is installed, what is up, whether
# Postgres trusts user postgres, and what each command run would change), calls main, and
# compares the commands run, the exit status and the messages.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

# machine WORDS...: what is there before the run, among apt, sudo, root, postgresql,
# pg-up, pg-trusts, redis-server, redis-up. Postgres's client tools come with postgresql
# and redis-cli with redis-server, as in Debian.
fake_machine() {
  state=" $* "
  there() { [[ "$state" == *" $1 "* ]]; }
  pg_up() { there pg-up; }
  pg_trusts() { there pg-up && there pg-trusts; }
  pg_version() { if there postgresql; then echo 15; fi; }
  redis_up() { there redis-up; }
  port_open() { case "$1" in 5432) there pg-up ;; 6379) there redis-up ;; esac; }
  is_root() { there root; }
  has() {
    case "$1" in
      apt-get) there apt ;;
      sudo) there sudo ;;
      psql | pg_isready) there postgresql ;;
      redis-server | redis-cli) there redis-server ;;
      *) return 1 ;;
    esac
  }
  wait_until() { "$1"; }
  # Records each command and applies what it does on a Debian machine without systemd.
  run() {
    [ "$1" = --quiet ] && shift
    echo "$*" >>"$work/ran"
    case "$*" in
      *"apt-get install"*)
        for pkg in "$@"; do
          case "$pkg" in postgresql | redis-server) state+="$pkg " ;; esac
        done ;;
      *"pg_ctlcluster --skip-systemctl-redirect 15 main start") state+="pg-up " ;;
      *"sed -i 1i host all postgres 127.0.0.1/32 trust /etc/postgresql/15/main/pg_hba.conf") state+="pg-edited " ;;
      *"pg_ctlcluster --skip-systemctl-redirect 15 main reload") there pg-edited && state+="pg-trusts " ;;
      *"redis-server --daemonize yes"*) state+="redis-up " ;;
    esac
  }
}

# check NAME STATUS 'MACHINE' 'COMMANDS' 'LAST LINE': runs main on the machine; expects the
# exit status, exactly these commands (one a line) and this last line of output.
check() {
  local name="$1" want_status="$2" machine="$3" want_ran="$4" want_last="$5" status=0
  : >"$work/ran"
  (
    # shellcheck source=scripts/check-services.sh
    source scripts/check-services.sh
    # shellcheck disable=SC2086 # the machine's words
    fake_machine $machine
    main
  ) >"$work/out" 2>&1 || status=$?
  local ran last
  ran="$(cat "$work/ran")"
  last="$(tail -n1 "$work/out")"
  if [ "$status" = "$want_status" ] && [ "$ran" = "$want_ran" ] && [ "$last" = "$want_last" ]; then
    echo "test-check-services: $name ok"
  else
    failed=1
    echo "test-check-services: $name FAILED" >&2
    echo "--- exit $status (wanted $want_status); commands run:" >&2
    echo "$ran" >&2
    echo "--- wanted:" >&2
    echo "$want_ran" >&2
    echo "--- output:" >&2
    cat "$work/out" >&2
  fi
}

redis_start='mkdir -p /var/lib/redis /var/log/redis
redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save  --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log'

check a_machine_with_both_up_is_left_alone 0 \
  "apt root postgresql pg-up pg-trusts redis-server redis-up" \
  "" \
  "Postgres and Redis are up"

check a_bare_debian_machine_gets_both_from_apt_and_postgres_trusts_user_postgres 0 \
  "apt sudo" \
  "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server
sudo pg_ctlcluster --skip-systemctl-redirect 15 main start
sudo sed -i 1i host all postgres 127.0.0.1/32 trust /etc/postgresql/15/main/pg_hba.conf
sudo pg_ctlcluster --skip-systemctl-redirect 15 main reload
sudo ${redis_start//$'\n'/$'\n'sudo }" \
  "Postgres and Redis are up"

check an_installed_postgres_that_is_down_is_started_and_its_auth_left_alone 0 \
  "apt root postgresql pg-trusts redis-server redis-up" \
  "pg_ctlcluster --skip-systemctl-redirect 15 main start" \
  "Postgres and Redis are up"

check an_installed_redis_that_is_down_is_started 0 \
  "apt root postgresql pg-up pg-trusts redis-server" \
  "$redis_start" \
  "Postgres and Redis are up"

check a_postgres_that_wants_a_password_is_reported_not_reconfigured 1 \
  "apt root postgresql pg-up redis-server redis-up" \
  "" \
  "       Put 'host all postgres 127.0.0.1/32 trust' first in its pg_hba.conf and reload it."

check without_apt_it_says_in_one_line_what_to_install 1 \
  "root" \
  "" \
  "ERROR: there is no apt-get here to install postgresql redis-server: install PostgreSQL (server, psql, pg_isready; trust auth for user postgres on 127.0.0.1:5432) and Redis (redis-server, redis-cli; 127.0.0.1:6379), start them, and run this again."

exit "$failed"

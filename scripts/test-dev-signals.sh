#!/usr/bin/env bash
# How `make dev` ends, tested the way a terminal causes it.
#   Ctrl-C: the terminal sends SIGINT to the whole foreground process group (make, dev.sh,
#   system.sh, ...). Everything must stop quietly and free every port. GNU make re-raises
#   a SIGINT it caught on itself once its recipe has ended (the shell sees 130), but it
#   prints "*** [...] Error N" or "Interrupt" only when the recipe failed or died of the
#   signal, so a silent make is a dev.sh that exited 0. A make started by a script with
#   `make dev &` has SIGINT ignored, so there make itself must exit 0.
#   A crash: one service killed on its own makes system.sh stop the rest and exit 1,
#   naming the service.
# The system runs on ports, a database, a Redis prefix and a state folder of its own, so
# this runs beside `make dev` and the e2e tests (scripts/e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# Not make dev's (80xx), e2e's (180xx), resilience's (280xx), container-smoke's (3808x) or
# bench's (480xx), and below Linux's ephemeral range (32768-60999), where a client's
# connection may take a port at any moment.
# The Procfile's port block at 23000: 23000, 23025 and 23080-23083.
export FOLIO_PORT_BASE=23000
ports=()
while IFS== read -r name port; do export "$name=$port"; ports+=("$port"); done \
  < <(python3 scripts/folio_system.py ports)
export DEV_DATABASE_URL="postgres://postgres@127.0.0.1:5432/folio_signals"
export DATABASE_URL="$DEV_DATABASE_URL"
export REDIS_KEY_PREFIX="folio-signals"
work="$(mktemp -d)"
export FOLIO_STATE_DIR="$work/state"

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "${ports[@]}"; do
  if port_taken "$port"; then
    echo "test-dev-signals: port $port is in use (another run?); this test needs 23000, 23025 and 23080-23083" >&2
    exit 1
  fi
done
PGOPTIONS="-c client_min_messages=warning" psql "${DATABASE_URL%/*}/postgres" -qc "drop database if exists folio_signals with (force)"

group=""
cleanup() {
  if [ -n "$group" ]; then kill -TERM -- "-$group" 2>/dev/null || true; wait 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "test-dev-signals: FAIL: $1" >&2
  echo "--- output:" >&2
  cat "$out" >&2
  exit 1
}

# launch terminal|script NAME COMMAND...: runs COMMAND in a process group of its own, as a
# shell runs a job (a background child of this script is no group leader, so setsid does
# not fork and $! is the group's id), and waits until the system is running. "terminal":
# with SIGINT at its default, as from an interactive shell; "script": with SIGINT ignored,
# as bash starts `COMMAND &` in a script (and as it starts every background child here).
launch() {
  local mode="$1"
  out="$work/$2.out"
  shift 2
  if [ "$mode" = terminal ]; then
    env --default-signal=INT setsid "$@" >"$out" 2>&1 &
  else
    setsid "$@" >"$out" 2>&1 &
  fi
  group=$!
  # The first build of the services may take minutes.
  until grep -q '^Folio is running at ' "$out"; do
    kill -0 "$group" 2>/dev/null || fail "$* did not start"
    sleep 0.5
  done
}

# finish: the status of the launched group's leader, once it has exited.
finish() {
  local status=0
  wait "$group" || status=$?
  group=""
  return "$status"
}

ports_freed() {
  for port in "${ports[@]}"; do
    port_taken "$port" && fail "port $port is still taken after the stop"
  done
  return 0
}

quiet() {
  grep -q 'stopped unexpectedly' "$out" && fail "Ctrl-C was reported as a crash"
  grep -Eq 'Error|Interrupt' "$out" && fail "make reported its recipe as failed"
  return 0
}

# ctrl_c_on_make_dev terminal|script STATUS [WHY]: launches `make dev` (see launch), sends
# SIGINT to its whole group as a terminal's Ctrl-C does, and expects make to exit STATUS
# (WHY: the reason, for the failure message), quietly, with every port freed.
ctrl_c_on_make_dev() {
  launch "$1" "make-$1" make --no-print-directory dev
  kill -INT -- "-$group"
  local status=0
  finish || status=$?
  [ "$status" = "$2" ] || fail "make exited $status, not $2${3:+ ($3)}"
  quiet
  ports_freed
}

echo "test-dev-signals: ctrl_c_in_a_terminal_stops_make_dev_quietly"
ctrl_c_on_make_dev terminal 130 "its own SIGINT, re-raised"

echo "test-dev-signals: ctrl_c_on_make_dev_started_by_a_script_exits_0"
ctrl_c_on_make_dev script 0

echo "test-dev-signals: a_service_that_dies_on_its_own_is_named_and_fails_the_system"
launch terminal system scripts/system.sh
posts_pid="$(ss -Hltnp "sport = :$POSTS_PORT" | grep -o 'pid=[0-9]*' | head -n1)"
[ -n "$posts_pid" ] || fail "nothing listens on the posts port $POSTS_PORT"
kill -KILL "${posts_pid#pid=}"
status=0
finish || status=$?
[ "$status" = 1 ] || fail "system.sh exited $status after posts died, not 1"
grep -q '^system: posts stopped unexpectedly' "$out" || fail "system.sh did not name posts"
ports_freed

echo "test-dev-signals: 3 passed"

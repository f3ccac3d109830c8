#!/usr/bin/env bash
# Runs each release binary the way its container does, without a container engine: as a
# non-root user (uid 65532, distroless's `nonroot`), with an empty environment except
# the variables Cloud Run or compose would set (APP_ENV=production, PORT, secrets), from
# a folder that user can read. Checks, for each service:
#   - `/health` answers 200 and the `healthcheck` subcommand exits 0 (and 1 when nothing
#     listens), as compose probes it;
#   - SIGTERM ends it with exit code 0 within 8 s (Cloud Run kills at 10 s).
# Before the services start, `migrate` adopts a database built with the FastAPI blog's
# schema (shared/tests/infra/fastapi_blog.sql); auth must then log Ada in with her old
# password and posts must serve the adopted feed.
# Ports: SMOKE_BASE_PORT (38080) and the next three.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/folio-target}"
: "${SMOKE_BASE_PORT:=38080}"
export CARGO_TARGET_DIR
admin_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
services=(folio-auth folio-posts folio-media folio-mail)

if ! command -v openssl >/dev/null; then # signs the test's JWTs (Debian package)
  echo "installing openssl (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; }
fi

echo "container-smoke: building release binaries"
# Each binary named: `-p ... --bin migrate` would build migrate alone.
cargo build --release --locked --quiet \
  --bin folio-auth --bin folio-posts --bin folio-media --bin folio-mail --bin migrate

work="$(mktemp -d "${TMPDIR:-/tmp}/folio-smoke.XXXXXX")"
db="folio_smoke_$$"
# Production requires TLS to the database unless the URL says otherwise: here it is local.
db_url="${admin_url%/*}/$db?sslmode=disable"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  psql "$admin_url" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "container-smoke: FAILED: $*" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; } >&2; done
  exit 1
}

# The image's user cannot read /root, so the binaries go where everyone can read them.
mkdir -p "$work/bin" "$work/media"
for bin in "${services[@]}" migrate; do cp "$CARGO_TARGET_DIR/release/$bin" "$work/bin/"; done
chmod -R a+rX "$work"
chown 65532:65532 "$work/media" 2>/dev/null || chmod a+rwx "$work/media"

# Like the image: distroless's nonroot user, and nothing in the environment but the
# given variables. Sets `argv`; callers exec it in a subshell, so a background start's
# $! is the service's own pid (setpriv and env exec in turn).
container_argv() { # VAR=value... -- command args...
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done
  shift
  argv=(env -i "${vars[@]}" "$@")
  if [ "$(id -u)" = 0 ]; then argv=(setpriv --reuid=65532 --regid=65532 --clear-groups "${argv[@]}"); fi
}
as_container() { container_argv "$@"; (cd "$work" && exec "${argv[@]}"); }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_healthy() { # port name pid
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health")" = 200 ] && return 0
    kill -0 "$3" 2>/dev/null || fail "$2 exited before answering /health"
    sleep 0.1
  done
  fail "$2 did not answer 200 on /health within 15 s"
}

psql "$admin_url" -qc "create database $db" >/dev/null
psql "$db_url" -q -v ON_ERROR_STOP=1 -f shared/tests/infra/fastapi_blog.sql -f shared/tests/infra/fastapi_blog_add_likes.sql >/dev/null
migrated="$(as_container APP_ENV=production "DATABASE_DIRECT_URL=$db_url" -- "$work/bin/migrate" 2>&1)" \
  || fail "migrate: $migrated"
echo "$migrated" | sed 's/^/  /'
grep -q "adopted the FastAPI blog database: 3 users, 4 posts, 1 reset tokens" <<<"$migrated" \
  || fail "migrate did not adopt the FastAPI blog database"
again="$(as_container APP_ENV=production "DATABASE_DIRECT_URL=$db_url" -- "$work/bin/migrate" 2>&1)" \
  || fail "migrate, second run: $again"
[ "$again" = "migrate: schema is up to date" ] || fail "migrate, second run: $again"

common=(APP_ENV=production "DATABASE_URL=$db_url" "REDIS_URL=$redis_url"
  FRONTEND_URL=https://folio.example.com
  "REDIS_KEY_PREFIX=folio-smoke-$$" "MEDIA_STORE_URL=file://$work/media" RUST_LOG=warn)
openssl genpkey -algorithm ed25519 -out "$work/jwt.pem" 2>/dev/null
jwt_private_key="$(cat "$work/jwt.pem")"

start() { # name port extra-vars...
  local name="$1" port="$2"; shift 2
  port_free "$port" || fail "port $port is taken (set SMOKE_BASE_PORT)"
  container_argv "${common[@]}" "PORT=$port" "$@" -- "$work/bin/$name"
  (cd "$work" && exec "${argv[@]}") >"$work/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  printf -v "pid_${name//-/_}" '%s' "$pid"
  wait_healthy "$port" "$name" "$pid"
  as_container "PORT=$port" -- "$work/bin/$name" healthcheck || fail "$name healthcheck exited non-zero"
  echo "  $name: /health 200 on $port as uid $(ps -o uid= -p "$pid" | tr -d ' '), healthcheck ok"
}

port=$SMOKE_BASE_PORT
start folio-auth "$port" "JWT_PRIVATE_KEY=$jwt_private_key"
login() {
  curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/api/users/token" \
    --data-urlencode "username=$1" --data-urlencode "password=$2"
}
[ "$(login ada@example.com 'course password 1')" = 200 ] \
  || fail "Ada cannot log in with her FastAPI blog password after adoption"
[ "$(login ada@example.com 'not her password')" = 401 ] || fail "a wrong password was not refused"
echo "  folio-auth: the adopted user logs in with her old Argon2 (pwdlib) hash"
jwks="$(curl -fsS "http://127.0.0.1:$port/.well-known/jwks.json")"
# The JWKS a deployment configures (infra/README.md) must be the one auth serves.
python3 -c 'import json,sys; sys.exit(json.loads(sys.argv[1]) != json.loads(sys.argv[2]))' \
  "$jwks" "$(infra/jwks.sh "$work/jwt.pem")" || fail "infra/jwks.sh disagrees with auth's JWKS"

start folio-posts "$((port + 1))" "JWT_PUBLIC_KEYS=$jwks"
feed="$(curl -fsS "http://127.0.0.1:$((port + 1))/api/posts")"
grep -q '"total":4' <<<"$feed" || fail "posts does not serve the 4 adopted posts: $feed"
start folio-media "$((port + 2))" "JWT_PUBLIC_KEYS=$jwks"
start folio-mail "$((port + 3))" MAIL_SERVER=127.0.0.1 MAIL_PORT=9 MAIL_USE_TLS=false

as_container "PORT=$((port + 9))" -- "$work/bin/folio-auth" healthcheck \
  && fail "healthcheck succeeded with nothing listening"

for name in "${services[@]}"; do
  var="pid_${name//-/_}"
  pid="${!var}"
  started=$(date +%s%N)
  kill -TERM "$pid"
  code=0
  for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "$name still running 8 s after SIGTERM"
  wait "$pid" || code=$?
  [ "$code" = 0 ] || fail "$name exited with $code after SIGTERM"
  echo "  $name: exit 0, $(( ($(date +%s%N) - started) / 1000000 )) ms after SIGTERM"
done
pids=()
echo "container-smoke: 4 services and migrate OK"

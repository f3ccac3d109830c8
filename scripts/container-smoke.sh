#!/usr/bin/env bash
# Builds every image and runs it as Cloud Run and compose do: podman (scripts/podman.sh),
# read-only root, every capability dropped, no new privileges, the image's own user
# (uid 65532, distroless's `nonroot`), configuration from the environment only.
# No base image can be pulled here, so the images are built from Dockerfile.local, which
# scripts/local_dockerfile.py writes from the real Dockerfile's final stages: the same
# instructions on stand-in bases (scripts/standin-images.sh) with the release binaries
# and web/dist built on this host. `make images` builds the real Dockerfile where a
# Docker engine is. Checks, for each service:
#   - `/health` answers 200 and the image's HEALTHCHECK command (the `healthcheck`
#     subcommand) exits 0 in the running container, and 1 when nothing listens;
#   - SIGTERM ends it with exit code 0 within 8 s (Cloud Run kills at 10 s).
# Before the services start, the migrate image adopts a database built with the FastAPI
# blog's schema (migrate/tests/infra/fastapi_blog.sql) on this host's Postgres; auth must
# then log Ada in with her old password and posts must serve the adopted feed. The
# gateway image (Caddy, capabilities dropped) must serve the frontend and reach posts.
# The services are the Folio binaries of the root Procfile, in its order (auth first: the
# others verify its tokens). Containers share the host's network. Ports: SMOKE_BASE_PORT
# (38080) and the next one per service, then the gateway's.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/podman.sh
source scripts/podman.sh
podman_enter "$0" "$@"
: "${CARGO_TARGET_DIR:=$HOME/.cache/folio-target}"
: "${SMOKE_BASE_PORT:=38080}"
export CARGO_TARGET_DIR
admin_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
mapfile -t services < <(python3 scripts/folio_system.py binaries)
[ "${#services[@]}" -gt 0 ] || { echo "container-smoke: no service found in the Procfile" >&2; exit 1; }
targets=("${services[@]#folio-}" migrate gateway)

if ! command -v openssl >/dev/null; then # signs the test's JWTs (Debian package)
  echo "installing openssl (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; }
fi

echo "container-smoke: building release binaries and the frontend"
# Each binary named: `-p ... --bin migrate` would build migrate alone.
cargo build --release --locked --quiet "${services[@]/#/--bin=}" --bin migrate
web/build.sh >/dev/null
scripts/standin-images.sh

work="$(mktemp -d "${TMPDIR:-/tmp}/folio-smoke.XXXXXX")"
db="folio_smoke_$$"
# Production requires TLS to the database unless the URL says otherwise: here it is local.
db_url="${admin_url%/*}/$db?sslmode=disable"
containers=()
cleanup() {
  for name in "${containers[@]}"; do podman rm -f -t 0 "$name" >/dev/null 2>&1 || true; done
  psql "$admin_url" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "container-smoke: FAILED: $*" >&2
  for name in "${containers[@]}"; do
    echo "--- podman logs $name" >&2
    podman logs --tail 20 "$name" >&2 2>&1 || true
  done
  exit 1
}

# --- the images: the real Dockerfile's final stages on stand-in bases
ctx="$work/context"
mkdir -p "$ctx/bin" "$ctx/infra/gateway" "$work/media"
for bin in "${services[@]}" migrate; do cp "$CARGO_TARGET_DIR/release/$bin" "$ctx/bin/"; done
cp -r web/dist "$ctx/web-dist"
cp infra/gateway/Caddyfile "$ctx/infra/gateway/"
python3 scripts/local_dockerfile.py Dockerfile >"$ctx/Dockerfile.local"
# The image's user writes the local media store (Cloud Run uses a bucket instead).
chown 65532:65532 "$work/media"
for target in "${targets[@]}"; do
  # Docker's format: the OCI format has no HEALTHCHECK.
  podman build --quiet --format docker -f "$ctx/Dockerfile.local" --target "$target" \
    --build-arg GIT_SHA="$(git rev-parse HEAD)" -t "localhost/folio-$target:smoke" "$ctx" >/dev/null \
    || fail "podman build --target $target"
done
for name in "${services[@]}"; do
  check="$(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "localhost/$name:smoke")"
  [ "$check" = "[\"CMD\",\"/usr/local/bin/$name\",\"healthcheck\"]" ] \
    || fail "$name image: HEALTHCHECK is $check"
done
echo "container-smoke: built ${targets[*]/#/folio-} (tag smoke)"

# As Cloud Run and compose run them: nothing writable but what is mounted, no capability.
run_flags=(--network host --read-only --read-only-tmpfs=false --cap-drop ALL
  --security-opt no-new-privileges "${PODMAN_RUN_LIMITS[@]}")
run_once() { podman run --rm "${run_flags[@]}" "$@"; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running() { [ "$(podman inspect --format '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
wait_healthy() { # url name
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
    running "$2" || fail "$2 exited before answering $1"
    sleep 0.1
  done
  fail "$2 did not answer 200 on $1 within 15 s"
}
uid_of() { ps -o uid= -p "$(podman inspect --format '{{.State.Pid}}' "$1")" | tr -d ' '; }

psql "$admin_url" -qc "create database $db" >/dev/null
psql "$db_url" -q -v ON_ERROR_STOP=1 -f migrate/tests/infra/fastapi_blog.sql -f migrate/tests/infra/fastapi_blog_add_likes.sql >/dev/null
migrated="$(run_once -e "DATABASE_DIRECT_URL=$db_url" localhost/folio-migrate:smoke 2>&1)" \
  || fail "migrate: $migrated"
echo "$migrated" | sed 's/^/  /'
grep -q "adopted the FastAPI blog database: 3 users, 4 posts, 1 reset tokens" <<<"$migrated" \
  || fail "migrate did not adopt the FastAPI blog database"
again="$(run_once -e "DATABASE_DIRECT_URL=$db_url" localhost/folio-migrate:smoke 2>&1)" \
  || fail "migrate, second run: $again"
[ "$again" = "migrate: schema is up to date" ] || fail "migrate, second run: $again"

wake_token="$(openssl rand -base64 32)"
# Each service gets only the variables it reads in production (docs/configuration.md), so
# a service that needed another's (media Redis, say) would fail to start here.
common=(-e "DATABASE_URL=$db_url" -e FRONTEND_URL=https://folio.example.com -e RUST_LOG=warn)
redis=(-e "REDIS_URL=$redis_url" -e "REDIS_KEY_PREFIX=folio-smoke-$$")
queue=("${redis[@]}" -e "MAIL_JOB_KEY=$(openssl rand -base64 32)" -e "MAIL_WAKE_TOKEN=$wake_token")
store=(-e MEDIA_STORE_URL=file:///media -v "$work/media:/media")
openssl genpkey -algorithm ed25519 -out "$work/jwt.pem" 2>/dev/null
jwt_private_key="$(cat "$work/jwt.pem")"

start() { # name port podman-run-args...
  local name="$1" port="$2"; shift 2
  local container="$name-smoke-$$"
  port_free "$port" || fail "port $port is taken (set SMOKE_BASE_PORT)"
  containers+=("$container")
  # Podman schedules HEALTHCHECKs with systemd, absent here, and says so on stderr: the
  # same command (checked in the image above) runs with `podman exec` instead.
  podman run -d --name "$container" "${run_flags[@]}" "${common[@]}" -e "PORT=$port" "$@" \
    "localhost/$name:smoke" >/dev/null 2>"$work/run.err" || fail "podman run $name: $(cat "$work/run.err")"
  wait_healthy "http://127.0.0.1:$port/health" "$container"
  # The image's HEALTHCHECK command, in the container, as compose runs it.
  podman exec "$container" "/usr/local/bin/$name" healthcheck || fail "$name healthcheck exited non-zero"
  echo "  $name: /health 200 on $port as uid $(uid_of "$container"), healthcheck ok"
}

# Each service's port: SMOKE_BASE_PORT plus its place in the Procfile.
port_of() {
  local i
  for i in "${!services[@]}"; do
    [ "${services[$i]}" = "$1" ] && { echo $((SMOKE_BASE_PORT + i)); return; }
  done
  fail "$1 is not in the Procfile"
}
login() {
  curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$(port_of folio-auth)/api/users/token" \
    --data-urlencode "username=$1" --data-urlencode "password=$2"
}
wake() {
  curl -s -o /dev/null -w '%{http_code}' -X POST "$@" "http://127.0.0.1:$(port_of folio-mail)/internal/wake"
}

for name in "${services[@]}"; do
  port="$(port_of "$name")"
  case "$name" in
    folio-auth)
      # Production wants the wake URL on https:// (the token must not cross a network in
      # the clear); nothing here wakes mail through auth (mail's endpoint is checked
      # below), so an https URL no one answers starts auth as production starts it.
      start folio-auth "$port" "${queue[@]}" "${store[@]}" -e "JWT_PRIVATE_KEY=$jwt_private_key" \
        -e "MAIL_WAKE_URL=https://127.0.0.1:$(port_of folio-mail)/internal/wake"
      [ "$(login ada@example.com 'course password 1')" = 200 ] \
        || fail "Ada cannot log in with her FastAPI blog password after adoption"
      [ "$(login ada@example.com 'not her password')" = 401 ] || fail "a wrong password was not refused"
      echo "  folio-auth: the adopted user logs in with her old Argon2 (pwdlib) hash"
      jwks="$(curl -fsS "http://127.0.0.1:$port/.well-known/jwks.json")"
      # The JWKS a deployment configures (infra/README.md) must be the one auth serves.
      python3 -c 'import json,sys; sys.exit(json.loads(sys.argv[1]) != json.loads(sys.argv[2]))' \
        "$jwks" "$(infra/jwks.sh "$work/jwt.pem")" || fail "infra/jwks.sh disagrees with auth's JWKS"
      ;;
    folio-mail)
      start folio-mail "$port" "${queue[@]}" -e MAIL_SERVER=127.0.0.1 -e MAIL_PORT=9 -e MAIL_USE_TLS=false
      [ "$(wake -H "Authorization: Bearer $wake_token")" = 202 ] || fail "folio-mail refused the wake token"
      [ "$(wake -H "Authorization: Bearer not-the-token")" = 401 ] || fail "folio-mail took a wrong wake token"
      echo "  folio-mail: POST /internal/wake 202 with the token, 401 without"
      ;;
    folio-posts)
      [ -n "${jwks:-}" ] || fail "folio-auth must come before $name in the Procfile"
      start folio-posts "$port" "${redis[@]}" -e "JWT_PUBLIC_KEYS=$jwks"
      ;;
    folio-media)
      [ -n "${jwks:-}" ] || fail "folio-auth must come before $name in the Procfile"
      start folio-media "$port" "${store[@]}" -e "JWT_PUBLIC_KEYS=$jwks"
      ;;
    *)
      # A service this test does not know starts as a token-verifying one.
      [ -n "${jwks:-}" ] || fail "folio-auth must come before $name in the Procfile"
      start "$name" "$port" -e "JWT_PUBLIC_KEYS=$jwks"
      ;;
  esac
done
feed="$(curl -fsS "http://127.0.0.1:$(port_of folio-posts)/api/posts")"
grep -q '"total":4' <<<"$feed" || fail "posts does not serve the 4 adopted posts: $feed"

run_once -e "PORT=$((SMOKE_BASE_PORT + 9))" --entrypoint /usr/local/bin/folio-auth localhost/folio-auth:smoke healthcheck \
  2>/dev/null && fail "healthcheck succeeded with nothing listening"

# The gateway as compose runs it: every capability dropped (its Caddy binary must carry no
# file capability, or exec fails with EPERM) but a writable root, as Caddy provisions its
# local CA under $HOME at start even with automatic HTTPS off.
gateway="folio-gateway-smoke-$$"
gateway_port=$((SMOKE_BASE_PORT + ${#services[@]}))
port_free "$gateway_port" || fail "port $gateway_port is taken (set SMOKE_BASE_PORT)"
containers+=("$gateway")
podman run -d --name "$gateway" --network host --cap-drop ALL --security-opt no-new-privileges \
  "${PODMAN_RUN_LIMITS[@]}" -e "GATEWAY_PORT=$gateway_port" \
  -e "AUTH_UPSTREAM=127.0.0.1:$(port_of folio-auth)" -e "POSTS_UPSTREAM=127.0.0.1:$(port_of folio-posts)" \
  -e "MEDIA_UPSTREAM=127.0.0.1:$(port_of folio-media)" -e PICTURES_UPSTREAM=127.0.0.1:9 \
  localhost/folio-gateway:smoke >/dev/null 2>"$work/run.err" || fail "podman run folio-gateway: $(cat "$work/run.err")"
wait_healthy "http://127.0.0.1:$gateway_port/" "$gateway"
cmp -s <(curl -fsS "http://127.0.0.1:$gateway_port/") web/dist/index.html \
  || fail "the gateway does not serve web/dist/index.html"
feed="$(curl -fsS "http://127.0.0.1:$gateway_port/api/posts")"
grep -q '"total":4' <<<"$feed" || fail "the gateway does not reach posts: $feed"
echo "  folio-gateway: the frontend and /api/posts on $gateway_port as uid $(uid_of "$gateway")"

for name in "${services[@]}" folio-gateway; do
  container="$name-smoke-$$"
  started=$(date +%s%N)
  podman kill --signal TERM "$container" >/dev/null
  for _ in $(seq 1 80); do running "$container" || break; sleep 0.1; done
  running "$container" && fail "$name still running 8 s after SIGTERM"
  code="$(podman inspect --format '{{.State.ExitCode}}' "$container")"
  [ "$code" = 0 ] || fail "$name exited with $code after SIGTERM"
  echo "  $name: exit 0, $(( ($(date +%s%N) - started) / 1000000 )) ms after SIGTERM"
done
echo "container-smoke: ${#targets[@]} images (${#services[@]} services, migrate, gateway) OK"

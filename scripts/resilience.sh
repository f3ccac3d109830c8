#!/usr/bin/env bash
# `make resilience`: release builds of every service, a private Postgres cluster and Redis
# (never the machine's shared 5432/6379) under the Procfile's processes, then the
# scenarios in resilience/.
# RESILIENCE_PROFILE=debug uses the debug binaries instead (as `make test` does: it has
# just built them, and a cold release build takes minutes). Python packages are pinned in
# resilience/requirements.txt, in a venv outside the clone. Extra arguments go to pytest
# (e.g. `scripts/resilience.sh -k redis`).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/folio-target}"
export CARGO_TARGET_DIR

venv="${RESILIENCE_VENV:-$HOME/.cache/folio-resilience-venv}"
stamp="$venv/.requirements"
if ! cmp -s resilience/requirements.txt "$stamp" 2>/dev/null; then
  echo "installing resilience/requirements.txt into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r resilience/requirements.txt
  cp resilience/requirements.txt "$stamp"
fi

# The gateway scenarios run the real Caddyfile.
scripts/install-web-deps.sh caddy
for tool in redis-server psql; do
  command -v "$tool" >/dev/null || { echo "ERROR: $tool is needed (Debian: redis-server, postgresql-client)" >&2; exit 1; }
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
  || { echo "ERROR: PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are needed" >&2; exit 1; }

export RESILIENCE_PROFILE="${RESILIENCE_PROFILE:-release}"
# The Procfile's binaries and migrate, each named: `-p ... --bin migrate` would build
# migrate alone.
bins=(-p folio-migrate --bin migrate)
while read -r binary; do bins+=(-p "$binary" --bin "$binary"); done \
  < <(python3 scripts/folio_system.py binaries)
if [ "$RESILIENCE_PROFILE" = release ]; then
  cargo build --release --quiet "${bins[@]}"
else
  # The features `cargo test --workspace --all-features` built the binaries with.
  cargo build --quiet --all-features "${bins[@]}"
fi

cd resilience
exec "$venv/bin/python" -m pytest "$@"

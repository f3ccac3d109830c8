#!/usr/bin/env bash
# What the gateway and the browser tests need: caddy (the local gateway of `make dev`, the
# e2e tests and resilience: the image's version, from PyPI via scripts/caddy.sh, not
# Debian's) and Debian's chromium (driven headless by playwright-core, which never
# downloads a browser of its own). Installs only what is missing.
#   scripts/install-web-deps.sh [caddy] [chromium]     (default: both)
set -euo pipefail

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(caddy chromium)

missing=()
for pkg in "${wanted[@]}"; do
  case "$pkg" in
    caddy) "$(dirname "$0")/caddy.sh" --install-only ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    *) echo "install-web-deps: unknown package $pkg" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's package lists may be stale or empty: refresh them only when needed.
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

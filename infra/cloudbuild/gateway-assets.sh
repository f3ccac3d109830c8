#!/usr/bin/env bash
# Called by build.sh: makes this commit's gateway image from the Dockerfile's gateway
# stage (OWN, a local tag) plus the hashed web assets of the releases deployed or built
# before it, so a page a previous release rendered (posts' shell, or the gateway's own
# index.html still open in a browser) finds its assets after this gateway is deployed
# (README.md, "Deploy order"). The assets come from the gateway running now (the `live`
# tag deploy.sh moves) and the newest one pushed (`latest`, pulled again now, so a build
# that finished meanwhile counts); web-releases.sh chooses them.
#   infra/cloudbuild/gateway-assets.sh OWN REPOSITORY COMMIT NOTES
# Tags REPOSITORY:COMMIT and REPOSITORY:latest, and writes for deploy.sh:
#   NOTES/web-release            this build's release id (posts' shell names its assets)
#   NOTES/gateway-web-releases   the ids the new gateway serves, "_"-joined, newest first
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 OWN REPOSITORY COMMIT NOTES" >&2; exit 2; }
own="$1" repository="$2" commit="$3" notes="$4"
here="$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# An image's /srv/assets and release list into DIR (nothing when it cannot be pulled:
# the first builds have no live or latest gateway).
extract() { # IMAGE DIR
  local container
  mkdir -p "$2"
  container="$(docker create "$1")"
  docker cp "$container:/srv/assets" "$2/assets" >/dev/null
  docker cp "$container:/etc/folio/web-releases" "$2/web-releases" >/dev/null 2>&1 || true
  docker rm "$container" >/dev/null
}

extract "$own" "$work/own"
bases=()
for tag in live latest; do
  if docker pull --quiet "$repository:$tag" >/dev/null 2>&1; then
    extract "$repository:$tag" "$work/$tag"
    bases+=("$work/$tag")
  else
    echo "gateway-assets: no $repository:$tag yet; nothing kept from it"
  fi
done

"$here/web-releases.sh" "$work/image" "$work/own" "${bases[@]}"
cat >"$work/image/Dockerfile" <<EOF
FROM $own
COPY assets/ /srv/assets/
COPY web-releases /etc/folio/web-releases
EOF
docker build --tag="$repository:$commit" --tag="$repository:latest" "$work/image"

mkdir -p "$notes"
cut -d' ' -f1 "$work/image/web-releases" | head -n1 >"$notes/web-release"
cut -d' ' -f1 "$work/image/web-releases" | paste -sd_ >"$notes/gateway-web-releases"
echo "gateway-assets: $repository:$commit serves releases $(cat "$notes/gateway-web-releases")"

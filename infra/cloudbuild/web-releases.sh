#!/usr/bin/env bash
# Chooses the hashed web assets a new gateway image keeps besides its own, so a page
# never names an asset another deploy removed (README.md, "Deploy order"). Files only,
# no Docker (gateway-assets.sh feeds it what it took out of the images):
#   infra/cloudbuild/web-releases.sh OUT OWN [BASE...]
# OWN and each BASE hold assets/ (a gateway's /srv/assets) and, from images made by this
# script, web-releases (its /etc/folio/web-releases): one line per release it serves,
# newest first, "<release id> <asset path> ...". A release id is the first 12 hex digits
# of the sha256 of the sorted asset paths of one web build (the names carry the content
# hashes, so equal builds get equal ids). A BASE without that file is an older image:
# its whole assets/ counts as one release.
# OUT gets assets/ (the kept files that OWN lacks) and web-releases: OWN's release, then
# up to KEEP_WEB_RELEASES - 1 (default 3) others, taken from the BASEs' lists in turn
# (each BASE's newest, then each one's next...), each release once.
set -euo pipefail -o noglob # asset paths are split on spaces below, never globbed
[ $# -ge 2 ] || { echo "usage: $0 OUT OWN [BASE...]" >&2; exit 2; }
out="$1" own="$2"
shift 2
keep="${KEEP_WEB_RELEASES:-4}"

# The asset paths under a folder, sorted, one a line.
paths() { (cd "$1" && find . -type f -printf '%P\n' | LC_ALL=C sort); }

# A folder's release lines: its list, or its assets as one release.
releases() {
  if [ -f "$1/web-releases" ]; then
    cat "$1/web-releases"
  elif [ -d "$1/assets" ] && [ -n "$(paths "$1/assets")" ]; then
    printf '%s %s\n' "$(paths "$1/assets" | sha256sum | cut -c1-12)" "$(paths "$1/assets" | paste -sd' ')"
  fi
}

mkdir -p "$out/assets"
own_paths="$([ ! -d "$own/assets" ] || paths "$own/assets")"
own_id="$(printf '%s\n' "$own_paths" | sha256sum | cut -c1-12)"
printf '%s %s\n' "$own_id" "$(printf '%s\n' "$own_paths" | paste -sd' ')" >"$out/web-releases"

# Each BASE's lines, in a file of its own.
lists=()
for base in "$@"; do
  list="$(mktemp)"
  releases "$base" >"$list"
  lists+=("$list")
done
trap 'rm -f "${lists[@]}"' EXIT

kept=1 seen=" $own_id " row=1 more=true
while [ "$kept" -lt "$keep" ] && $more; do
  more=false
  for i in "${!lists[@]}"; do
    line="$(sed -n "${row}p" "${lists[$i]}")"
    [ -n "$line" ] || continue
    more=true
    id="${line%% *}"
    case "$seen" in *" $id "*) continue ;; esac
    [ "$kept" -lt "$keep" ] || break
    base="${@:i+1:1}"
    for path in ${line#* }; do
      if [ -f "$own/assets/$path" ] || [ -f "$out/assets/$path" ]; then
        continue
      elif [ -f "$base/assets/$path" ]; then
        mkdir -p "$(dirname "$out/assets/$path")"
        cp -p "$base/assets/$path" "$out/assets/$path"
      else
        echo "web-releases: $base lists $path but lacks it; release $id kept without it" >&2
      fi
    done
    printf '%s\n' "$line" >>"$out/web-releases"
    seen="$seen$id "
    kept=$((kept + 1))
  done
  row=$((row + 1))
done

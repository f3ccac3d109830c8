#!/usr/bin/env bash
# Prints a fingerprint of everything one image is built from: the sha256 of the sorted
# list of its input files' paths and contents, 40 hex digits (a Cloud Run label value).
# deploy.sh skips a service whose deployed fingerprint equals this build's.
#   infra/cloudbuild/inputs.sh auth|posts|media|mail|migrate|gateway
# Run from the repository root. Build output and dependencies (.dockerignore's) are
# left out, so a working tree hashes like a clean checkout.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 SERVICE" >&2; exit 2; }

# Every Rust image is built from the one workspace: the services link folio-shared (and
# folio-model), migrate is folio-migrate, which embeds migrations/. The posts image also
# carries the web build's index.html (its pages' shell), so web/ changes posts too.
rust=(Cargo.toml Cargo.lock shared model migrate migrations Dockerfile .dockerignore)
case "$1" in
  auth | media | mail) paths=("${rust[@]}" "services/$1") ;;
  posts) paths=("${rust[@]}" services/posts web) ;;
  migrate) paths=("${rust[@]}") ;;
  gateway) paths=(web infra/gateway Dockerfile .dockerignore) ;;
  *) echo "inputs.sh: unknown service '$1'" >&2; exit 2 ;;
esac

for path in "${paths[@]}"; do
  [ -e "$path" ] || { echo "inputs.sh: $path is missing (run from the repository root)" >&2; exit 1; }
done
find "${paths[@]}" \( -name node_modules -o -name dist -o -name target -o -name test-results \) -prune \
  -o -type f -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-40

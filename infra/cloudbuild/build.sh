#!/usr/bin/env bash
# Cloud Build step (gcr.io/cloud-builders/docker): builds every image of this commit from
# the root Dockerfile in one Docker daemon, so the Rust stage compiles once and each
# final target reuses it, then pushes them.
#   IMAGES      <region>-docker.pkg.dev/<project>/<repository>
#   COMMIT_SHA  the commit (image tag and OCI revision label)
#   SOURCE_URL  the repository's URL (OCI source label)
#   BUILD_NOTES folder for what deploy.sh needs to know (.folio-build; the deploy step
#               runs in the same /workspace)
# Only the `cooked` stage (toolchain and cargo-chef's compiled dependencies) is kept
# as the cross-build cache image: Folio's own target/ never leaves the build machine.
# The gateway image is the Dockerfile's gateway stage plus the hashed web assets of the
# releases before it (gateway-assets.sh; README.md, "Deploy order").
set -euo pipefail
: "${IMAGES:?}" "${COMMIT_SHA:?}"
here="$(dirname "$0")"
targets=(auth posts media mail migrate gateway)

# A missing image on the first build is fine: there is just nothing to reuse.
docker pull "$IMAGES/build-cache:latest" || true
for t in "${targets[@]}"; do docker pull "$IMAGES/$t:latest" || true; done

docker build --target=cooked --build-arg=BUILDKIT_INLINE_CACHE=1 \
  --cache-from="$IMAGES/build-cache:latest" --tag="$IMAGES/build-cache:latest" .

for t in "${targets[@]}"; do
  tags=(--tag="$IMAGES/$t:$COMMIT_SHA" --tag="$IMAGES/$t:latest")
  # The gateway's stage alone is local: gateway-assets.sh makes the image pushed.
  [ "$t" != gateway ] || tags=(--tag="folio-gateway-stage:$COMMIT_SHA")
  docker build --target="$t" --build-arg=BUILDKIT_INLINE_CACHE=1 \
    --build-arg=GIT_SHA="$COMMIT_SHA" --build-arg=SOURCE_URL="${SOURCE_URL:-}" \
    --cache-from="$IMAGES/build-cache:latest" --cache-from="$IMAGES/$t:latest" \
    "${tags[@]}" .
done
"$here/gateway-assets.sh" "folio-gateway-stage:$COMMIT_SHA" "$IMAGES/gateway" "$COMMIT_SHA" \
  "${BUILD_NOTES:-.folio-build}"

# These two tags only: never a `live` tag pulled above, which deploy.sh may have moved since.
docker push "$IMAGES/build-cache:latest"
for t in "${targets[@]}"; do
  docker push "$IMAGES/$t:$COMMIT_SHA"
  docker push "$IMAGES/$t:latest"
done

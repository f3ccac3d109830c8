#!/usr/bin/env bash
# Cloud Build step (gcr.io/cloud-builders/docker): builds every image of this commit from
# the root Dockerfile in one Docker daemon, so the Rust stage compiles once and each
# final target reuses it, then pushes them.
#   IMAGES      <region>-docker.pkg.dev/<project>/<repository>
#   COMMIT_SHA  the commit (image tag and OCI revision label)
#   SOURCE_URL  the repository's URL (OCI source label)
# Only the `cooked` stage (toolchain and cargo-chef's compiled dependencies) is kept
# as the cross-build cache image: Folio's own target/ never leaves the build machine.
set -euo pipefail
: "${IMAGES:?}" "${COMMIT_SHA:?}"
targets=(auth posts media mail migrate gateway)

# A missing image on the first build is fine: there is just nothing to reuse.
docker pull "$IMAGES/build-cache:latest" || true
for t in "${targets[@]}"; do docker pull "$IMAGES/$t:latest" || true; done

docker build --target=cooked --build-arg=BUILDKIT_INLINE_CACHE=1 \
  --cache-from="$IMAGES/build-cache:latest" --tag="$IMAGES/build-cache:latest" .

for t in "${targets[@]}"; do
  docker build --target="$t" --build-arg=BUILDKIT_INLINE_CACHE=1 \
    --build-arg=GIT_SHA="$COMMIT_SHA" --build-arg=SOURCE_URL="${SOURCE_URL:-}" \
    --cache-from="$IMAGES/build-cache:latest" --cache-from="$IMAGES/$t:latest" \
    --tag="$IMAGES/$t:$COMMIT_SHA" --tag="$IMAGES/$t:latest" .
done

docker push "$IMAGES/build-cache:latest"
for t in "${targets[@]}"; do docker push --all-tags "$IMAGES/$t"; done

#!/usr/bin/env bash
# Podman as this machine runs it (Debian's package, as root, overlay storage), with the
# three workarounds it needs here:
#   - crun refuses the hybrid cgroup layout: every podman call runs in a private mount
#     namespace (`unshare -m`) where /sys/fs/cgroup/unified is unmounted;
#   - the default open-files and process limits are refused: PODMAN_RUN_LIMITS passes
#     explicit ones to `podman run`;
#   - OCI images drop HEALTHCHECK: builds use `--format docker`.
# Two uses:
#   scripts/podman.sh images            a podman command in a namespace of its own
#   source scripts/podman.sh; podman_enter "$0" "$@"
#       re-runs the calling script inside one namespace, so its containers, mounts and
#       later podman calls (exec, stop, rm) all see the same mounts.
# Installs podman (and uidmap, fuse-overlayfs, slirp4netns) with apt on first use.

PODMAN_RUN_LIMITS=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)

podman_install() {
  command -v podman >/dev/null && return 0
  echo "podman: installing podman, uidmap, fuse-overlayfs, slirp4netns (Debian packages, first run only)" >&2
  local packages=(podman uidmap fuse-overlayfs slirp4netns)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null; }
}

podman_enter() { # script args...
  [ -n "${FOLIO_PODMAN_NS:-}" ] && return 0
  podman_install
  FOLIO_PODMAN_NS=1 exec unshare -m --propagation private bash -c \
    'umount /sys/fs/cgroup/unified 2>/dev/null || true; exec "$@"' podman-ns "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  podman_enter "$0" "$@"
  exec podman "$@"
fi

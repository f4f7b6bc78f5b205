#!/usr/bin/env bash
# podman-base.sh — makes a local slim base image for the container tests, without a registry:
# busybox (busybox-static) for /bin/sh and the usual commands, plus this machine's OpenBLAS
# runtime (libopenblas.so.0, zlib and everything they need, with the loader), so that a
# training binary linked against OpenBLAS runs in it unchanged.
#
#   podman-base.sh IMAGE        e.g. localhost/modak-test-base:1
#
# Uses whatever podman configuration the caller set up (CONTAINERS_CONF,
# CONTAINERS_STORAGE_CONF). Exit status 0 made, 1 a tool or library is missing.
set -euo pipefail
image=${1:?usage: podman-base.sh IMAGE}
die() { echo "podman-base: $*" >&2; exit 1; }
command -v podman >/dev/null || die "podman not found (apt-get install podman runc)"
busybox=/bin/busybox # busybox-static's: the image has no libraries for a dynamic one
[ -x "$busybox" ] || die "$busybox not found (apt-get install busybox-static)"

root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,tmp,etc,work} && chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"

# the OpenBLAS runtime: the libraries, the libraries they need, and the loader
libs=()
for soname in libopenblas.so.0 libz.so.1; do
  # the first entry (awk reads on to the end: an early exit would break ldconfig's pipe)
  path=$(ldconfig -p | awk -v s="$soname" '$1 == s && !p { p = $NF } END { print p }')
  [ -n "$path" ] || die "$soname not found (apt-get install libopenblas0-pthread zlib1g)"
  libs+=("$path")
  while read -r dep; do libs+=("$dep"); done < <(ldd "$path" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }')
done
for lib in "${libs[@]}"; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
tar -C "$root" -c . | podman import --quiet - "$image" >/dev/null

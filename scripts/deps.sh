#!/usr/bin/env bash
# Installs the Debian packages modak needs, as root or through sudo, only where missing.
#   scripts/deps.sh build   — what building and running modak needs
#   scripts/deps.sh test    — that, plus what the test suite drives (checkers, real tools)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

build_pkgs=(build-essential cmake pkg-config libyaml-dev libjansson-dev libxml2-dev
            libopenblas-dev zlib1g-dev libcmocka-dev)
test_pkgs=(shellcheck python3 python3-tosca-parser python3-yaml hwloc-nox
           dataset-fashion-mnist valgrind)
[ -f "$here/deps-extra.txt" ] && mapfile -t extra < <(grep -v '^#' "$here/deps-extra.txt" | grep .) || extra=()

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}" "${extra[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && continue
  # a tool installed another way (npm with a non-Debian Node.js, say) counts as present
  case "$p" in npm|nodejs|jq|shellcheck|podman|runc) command -v "$p" >/dev/null 2>&1 && continue ;; esac
  missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "modak: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"

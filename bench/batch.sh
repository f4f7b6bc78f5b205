#!/usr/bin/env bash
# bench/batch.sh — `modak batch` throughput and memory: N blueprints (default 1,000) that
# train the same network for the same target, converted with a warm compiler cache (the
# binary is compiled once, by a first run, then shared), and the same with N/10 to show that
# peak memory does not grow with the number of blueprints. Prints blueprints/s (wall), CPU
# seconds and peak RSS for both sizes side by side. Target: >= 500 blueprints/s on this
# 2-core machine with a warm cache; peak memory independent of N.
#   bench/batch.sh [-n N] [-j JOBS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=1000 jobs=$(nproc)
while [ $# -gt 0 ]; do
  case $1 in
    -n) n=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    *) echo "usage: bench/batch.sh [-n N] [-j JOBS]" >&2; exit 2 ;;
  esac
done
modak=${MODAK:-build/modak}
if [ ! -x "$modak" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j"$(nproc)" >/dev/null
fi
work=$(mktemp -d /tmp/modak-bench-batch.XXXXXX)
trap 'rm -rf "$work"' EXIT
export MODAK_CACHE_DIR=$work/cache
small=$((n / 10)); [ "$small" -ge 1 ] || small=1
for size in "$small" "$n"; do
  mkdir -p "$work/in-$size"
  for i in $(seq 1 "$size"); do
    sed "s/job_name: fashion-cnn/job_name: job-$i/" examples/fashion-mnist-slurm.yaml >"$work/in-$size/bp-$i.yaml"
  done
done
# warm the cache: the one compilation all the others share
"$modak" optimise examples/fashion-mnist-slurm.yaml -o "$work/warm" >/dev/null
run() { # SIZE -> "wall cpu rss"
  local size=$1 t
  t=$( { /usr/bin/time -f '%e %U %S %M' "$modak" batch "$work/in-$size" -o "$work/out-$size" -j "$jobs" -q >/dev/null; } 2>&1 | tail -1)
  set -- $t
  echo "$1 $(echo "$2 + $3" | bc) $4"
}
printf '%-12s %10s %14s %10s %12s\n' blueprints "wall s" "blueprints/s" "CPU s" "peak RSS"
for size in "$small" "$n"; do
  read -r wall cpu rss <<<"$(run "$size")"
  rate=$(echo "scale=1; $size / $wall" | bc)
  printf '%-12s %10s %14s %10s %9s MiB\n' "$size" "$wall" "$rate" "$cpu" "$(echo "scale=1; $rss / 1024" | bc)"
  [ "$size" = "$n" ] && final_rate=$rate
done
compiled=$(find "$work/cache" -type f -perm -u+x | wc -l)
echo "compiled binaries in the cache: $compiled (every blueprint links the same one)"
echo "target: >= 500 blueprints/s: $(echo "$final_rate >= 500" | bc | sed 's/1/met/; s/0/NOT met/')"

#!/usr/bin/env bash
# bench/validate.sh — modak validate against OpenStack tosca-parser on a generated corpus.
#
#   bench/validate.sh [-n N] [--seed S] [--repeat R] [--corpus DIR] [--keep] [--tosca-only]
#
# Builds build/modak if needed, generates N (default 1,000) blueprints with
# bench/gen_corpus.py (variations of SODALITE's reference blueprint, some deliberately
# invalid, plus the type files they import), then in the same run times
#   build/modak validate --format json CORPUS       (best of R runs, default 3)
#   tests/tools/tosca-validate.py CORPUS            (one run: Debian's tosca-parser)
# and prints files/s for each, their ratio (target: modak >= 50x faster) and the verdicts
# file by file (both valid / both invalid / disagree, every disagreement printed) through
# bench/compare_verdicts.py. --tosca-only skips modak (timing and checking the
# tosca-parser half alone). --corpus DIR writes the corpus there (it must not exist yet, and
# stays); otherwise it goes to a temporary folder with the tools' outputs, removed at the
# end unless --keep. MODAK=PATH runs that binary instead of building build/modak.
# Exit status: 0 when the verdicts agree, 1 when they do not, 2 when a tool could not run.
set -euo pipefail
caller=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")/.."
abs() { case "$1" in /*) echo "$1" ;; *) echo "$caller/$1" ;; esac; }

n=1000 seed=1 repeat=3 corpus="" keep=0 tosca_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --corpus) corpus=$(abs "$2"); shift 2 ;;
    --keep) keep=1; shift ;;
    --tosca-only) tosca_only=1; shift ;;
    -h|--help) sed -n '2,/^set -e/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "validate.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

py=/usr/bin/python3 # Debian's: the python3 first on PATH may not see python3-tosca-parser
modak=build/modak
[ -z "${MODAK:-}" ] || modak=$(abs "$MODAK")
work=$(mktemp -d "${TMPDIR:-/tmp}/modak-bench.XXXXXX")
cleanup() {
  if [ "$keep" = 1 ]; then echo "kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
[ -n "$corpus" ] || corpus=$work/corpus

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }

if [ "$tosca_only" = 0 ] && [ -z "${MODAK:-}" ]; then
  if [ ! -f build/CMakeCache.txt ]; then
    nice cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null ||
      { echo "validate.sh: configuring build/ failed" >&2; exit 2; }
  fi
  nice cmake --build build -j2 --target modak >/dev/null ||
    { echo "validate.sh: building build/modak failed" >&2; exit 2; }
fi

"$py" bench/gen_corpus.py -n "$n" --seed "$seed" "$corpus" 2>&1

args=(--corpus "$corpus")
if [ "$tosca_only" = 0 ]; then
  best=""
  for ((i = 0; i < repeat; i++)); do
    t0=$(now)
    rc=0
    "$modak" validate --format json "$corpus" >"$work/modak.json" 2>"$work/modak.err" || rc=$?
    t1=$(now)
    if [ "$rc" -gt 1 ]; then
      echo "validate.sh: '$modak validate' exited $rc:" >&2
      head -20 "$work/modak.err" >&2
      exit 2
    fi
    t=$(elapsed "$t0" "$t1")
    best=$(awk -v a="$t" -v b="$best" 'BEGIN { print (b == "" || a < b) ? a : b }')
  done
  args+=(--modak "$work/modak.json" --modak-seconds "$best")
fi

t0=$(now)
rc=0
"$py" tests/tools/tosca-validate.py --stats "$corpus" >"$work/tosca.txt" 2>"$work/tosca.err" || rc=$?
t1=$(now)
if [ "$rc" -gt 1 ]; then
  echo "validate.sh: tests/tools/tosca-validate.py exited $rc:" >&2
  cat "$work/tosca.err" >&2
  exit 2
fi
cat "$work/tosca.err"
args+=(--tosca "$work/tosca.txt" --tosca-seconds "$(elapsed "$t0" "$t1")")

"$py" bench/compare_verdicts.py "${args[@]}"

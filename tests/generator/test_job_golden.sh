#!/usr/bin/env bash
# test_job_golden — `modak job` against modak's own golden folders (tests/golden/job/<case>/
# with job.json): the job script, the build script and the completed document must equal
# expected.sh, expected_build.sh and expected.json byte for byte, and every generated script
# must pass `bash -n` and `shellcheck` (all severities). A case's `args` file holds extra
# options (@GOLDEN@ is tests/golden/job). MODAK_GOLDEN_UPDATE=1 rewrites the expected files.
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
src=${MODAK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
gold=$src/tests/golden/job
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v shellcheck >/dev/null || { echo "shellcheck not found: bash scripts/deps.sh test" >&2; exit 1; }

failures=0
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
same() { # expected actual what
  if [ "${MODAK_GOLDEN_UPDATE:-}" = 1 ]; then cp "$2" "$1"; return; fi
  [ -f "$1" ] || { bad "$3: $1 is missing (MODAK_GOLDEN_UPDATE=1 creates it)"; return; }
  diff -u "$1" "$2" >&2 || bad "$3 differs from $1"
}
lint() { # script what
  bash -n "$1" || bad "$2: bash -n"
  shellcheck "$1" >&2 || bad "$2: shellcheck"
}

cases=0
for dir in "$gold"/*/; do
  dir=${dir%/}
  [ -f "$dir/job.json" ] || continue
  name=$(basename "$dir")
  cases=$((cases + 1))
  args=()
  [ -f "$dir/args" ] && read -ra args < <(sed "s|@GOLDEN@|$gold|g" "$dir/args")
  work=$tmp/$name
  mkdir -p "$work"
  if ! (cd "$work" && "$MODAK" job "$dir/job.json" --script-dir scripts --timestamp 20240101120000 \
        -o completed.json "${args[@]}" 2>stderr.txt); then
    cat "$work/stderr.txt" >&2
    bad "$name: modak job failed"
    continue
  fi
  mapfile -t scripts < <(cd "$work" && ls scripts)
  job=$(printf '%s\n' "${scripts[@]}" | grep -v '_build_' | head -1)
  build=$(printf '%s\n' "${scripts[@]}" | grep '_build_' | head -1 || true)
  [[ $job == *_20240101120000.sh ]] || bad "$name: job script named '$job'"
  same "$dir/expected.sh" "$work/scripts/$job" "$name job script"
  lint "$work/scripts/$job" "$name job script"
  [ -x "$work/scripts/$job" ] || bad "$name: the job script is not executable"
  if [ -n "$build" ]; then
    [[ $build == *_build_20240101120000.sh ]] || bad "$name: build script named '$build'"
    same "$dir/expected_build.sh" "$work/scripts/$build" "$name build script"
    lint "$work/scripts/$build" "$name build script"
  elif [ -f "$dir/expected_build.sh" ]; then
    bad "$name: no build script was written"
  fi
  same "$dir/expected.json" "$work/completed.json" "$name completed document"
  # the document carries the script it names, and nulls are omitted
  jq -e --rawfile s "$work/scripts/$job" '.job.job_content == $s' "$work/completed.json" >/dev/null ||
    bad "$name: job_content is not the job script"
  jq -e '[.. | select(. == null)] | length == 0' "$work/completed.json" >/dev/null ||
    bad "$name: the completed document holds nulls"
  # --print writes the same script to stdout and nothing else
  (cd "$work" && "$MODAK" job "$dir/job.json" --print --timestamp 20240101120000 "${args[@]}" \
     >printed.sh 2>/dev/null) || bad "$name: --print failed"
  cmp -s "$work/printed.sh" "$work/scripts/$job" || bad "$name: --print differs from the file"
done
[ "$cases" -ge 5 ] || bad "only $cases golden cases found under $gold"

# reproducibility: SOURCE_DATE_EPOCH names the scripts, in UTC
mkdir -p "$tmp/sde"
(cd "$tmp/sde" && SOURCE_DATE_EPOCH=1700000000 "$MODAK" job "$gold/daint-scaled/job.json" \
   --registry "$gold/registry" >out.json 2>/dev/null) || bad "SOURCE_DATE_EPOCH run failed"
[ -f "$tmp/sde/daint-scaled_20231114221320.sh" ] || bad "SOURCE_DATE_EPOCH=1700000000 did not name the script daint-scaled_20231114221320.sh"
(cd "$tmp/sde" && "$MODAK" job "$gold/daint-scaled/job.json" --registry "$gold/registry" \
   --timestamp @0 --name fixed >/dev/null 2>&1) || bad "--timestamp @0 --name failed"
[ -f "$tmp/sde/fixed.sh" ] || bad "--name fixed did not write fixed.sh"
if (cd "$tmp/sde" && "$MODAK" job "$gold/daint-scaled/job.json" --timestamp 2024 >/dev/null 2>&1); then
  bad "--timestamp 2024 was accepted"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s) in $cases golden cases" >&2
  exit 1
fi
echo "ok: $cases golden cases, scripts equal and lint-clean"

#!/usr/bin/env bash
# test_job_modak_ref — modak against MODAK's own expected scripts.
#
# For each tests/golden/job/ref-*/reference (input=, expected=, args=), modak generates the
# script for MODAK's input document from $MODAK_REFERENCE_DIR/modak/input and compares it with
# MODAK's expected script, both masked (script ids -> ID, 14-digit timestamps -> a mask). The
# comparison is exact but for the lines in the case's modak.diff (`diff -U0 MODAK modak`),
# each of which docs/modak-compat.md explains. MODAK's side of each hunk is kept as the
# SHA-256 prefix of each removed line (the reference files stay out of the project; the
# line numbers in the hunk headers point into them), modak's side as the text it writes.
# Every generated script passes bash -n and a shellcheck run that leaves out only the codes
# the case lists in its file shellcheck-exclude (for the user's own command text). Then every
# other job document there is generated too: it must give a lint-clean script or be
# refused with a one-line message. Skips (77) when the reference folder is absent.
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
src=${MODAK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ref=${MODAK_REFERENCE_DIR:-$src/../shared/reference}
gold=$src/tests/golden/job
if [ ! -d "$ref/modak/input" ] || [ ! -d "$ref/modak/expected" ]; then
  echo "SKIP: MODAK's reference files are not at $ref/modak (set MODAK_REFERENCE_DIR)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
mask() { sed -E 's/<id=[0-9a-fA-F-]{32,36}>/<id=ID>/g; s/[0-9]{14}/YYYYmmddHHMMSS/g' "$1"; }
# "-line" -> "-sha256:<16 hex>" for MODAK's side of a diff
hash_removed() {
  local line h
  while IFS= read -r line; do
    if [[ $line == -* ]]; then
      h=$(printf '%s' "${line:1}" | sha256sum)
      printf -- '-sha256:%s\n' "${h:0:16}"
    else
      printf '%s\n' "$line"
    fi
  done
}

n=0
for dir in "$gold"/ref-*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  input=$(sed -n 's/^input=//p' "$dir/reference")
  expected=$(sed -n 's/^expected=//p' "$dir/reference")
  read -ra args < <(sed -n 's/^args=//p' "$dir/reference")
  n=$((n + 1))
  out=$tmp/$name.sh
  if ! "$MODAK" job "$ref/modak/input/$input" --print --timestamp 20240101120000 "${args[@]}" \
       >"$out" 2>"$tmp/$name.err"; then
    cat "$tmp/$name.err" >&2
    bad "$name: modak job failed on $input"
    continue
  fi
  mask "$ref/modak/expected/$expected" >"$tmp/$name.modak-py"
  mask "$out" >"$tmp/$name.modak-c"
  { diff -U0 "$tmp/$name.modak-py" "$tmp/$name.modak-c" || true; } | tail -n +3 | hash_removed \
    >"$tmp/$name.diff"
  if [ "${MODAK_GOLDEN_UPDATE:-}" = 1 ]; then
    cp "$tmp/$name.diff" "$dir/modak.diff"
  elif ! diff -u "$dir/modak.diff" "$tmp/$name.diff" >&2; then
    bad "$name: modak's script differs from MODAK's $expected by more (or less) than $dir/modak.diff"
  fi
  bash -n "$out" || bad "$name: bash -n"
  excl=()
  [ -f "$dir/shellcheck-exclude" ] && excl=(-e "$(paste -sd, "$dir/shellcheck-exclude")")
  shellcheck "${excl[@]}" "$out" >&2 || bad "$name: shellcheck"
done
[ "$n" -eq 5 ] || bad "expected the 5 input/expected pairs of the reference README, found $n"

# every other job document: a clean script, or a one-line refusal (exit 1)
m=0
for input in "$ref"/modak/input/*.json; do
  m=$((m + 1))
  base=$(basename "$input" .json)
  set +e
  "$MODAK" job "$input" --print --timestamp 20240101120000 >"$tmp/any-$base.sh" 2>"$tmp/any-$base.err"
  rc=$?
  set -e
  case $rc in
    0) bash -n "$tmp/any-$base.sh" || bad "$base: bash -n"
       shellcheck -S warning "$tmp/any-$base.sh" >&2 || bad "$base: shellcheck -S warning" ;;
    1) grep -v '^modak job: warning: ' "$tmp/any-$base.err" >"$tmp/any-$base.msg" || true
       [ "$(wc -l <"$tmp/any-$base.msg")" -eq 1 ] && grep -q '^modak job: ' "$tmp/any-$base.msg" ||
         bad "$base: refused without a one-line message: $(cat "$tmp/any-$base.err")" ;;
    *) bad "$base: exit status $rc" ;;
  esac
done

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "ok: $n MODAK expected scripts reproduced (differences exactly as documented), $m inputs handled"

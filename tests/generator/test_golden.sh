#!/usr/bin/env bash
# Golden tests of `modak validate`: every folder under tests/golden/{tosca,validate} holds an
# input file (input.yaml or input.json), maybe more files it imports, an optional `args` file
# (extra options, one line) and `expected`: one line per diagnostic, `FILE:LINE:COL SEVERITY
# RULE`, in modak's order. The exit status must be 1 when an error is expected, else 0.
# UPDATE=1 rewrites the expected files (review the diff before committing).
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
root=${MODAK_SOURCE_DIR:-$(pwd)}/tests/golden
py=/usr/bin/python3
pass=0 fail=0
for dir in "$root"/tosca/*/ "$root"/validate/*/; do
  [ -d "$dir" ] || continue
  name=${dir%/}; name=${name#"$root"/}
  input=$(cd "$dir" && ls input.* 2>/dev/null | head -n1)
  args=(); [ -f "$dir/args" ] && read -r -a args < "$dir/args"
  set +e
  json=$(cd "$dir" && "$MODAK" validate --format json "${args[@]}" "$input" 2>/dev/null)
  rc=$?
  set -e
  got=$(printf '%s' "$json" | "$py" -c '
import json, os, sys
for d in json.load(sys.stdin):
    f = os.path.basename(d["file"]) if d["file"] else "-"
    print("%s:%d:%d %s %s" % (f, d["line"], d["column"], d["severity"], d["rule"]))')
  if [ "${UPDATE:-0}" = 1 ]; then printf '%s\n' "$got" | sed '/^$/d' > "$dir/expected"; fi
  want=$(cat "$dir/expected")
  want_rc=0; grep -q ' error ' "$dir/expected" && want_rc=1
  if [ "$got" == "$want" ] && [ "$rc" = "$want_rc" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name (exit $rc, expected $want_rc)"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") || true
  fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# bench/gen_corpus.py and bench/validate.sh on small corpora: the generator is
# deterministic, writes every category (valid, invalid, gap, types) with a manifest, and
# tosca-parser (tests/tools/tosca-validate.py) reaches on every file the verdict the
# manifest predicts for it — from the reference blueprint when $MODAK_REFERENCE_DIR has it,
# and from the built-in template always. Then bench/validate.sh runs end to end with a
# stand-in for `modak validate --format json` (a script answering from the manifest): exit
# 0 when it agrees with tosca-parser, 1 with the disagreement printed when one verdict is
# flipped. Skips (77) when tosca-parser cannot be loaded.
set -euo pipefail
cd "${MODAK_SOURCE_DIR:-$(dirname "${BASH_SOURCE[0]}")/../..}"
py=/usr/bin/python3
if ! "$py" -c 'import toscaparser, yaml' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks python3-tosca-parser or python3-yaml" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

gen=(-n 80 --seed 7 --invalid-rate 0.5 --gap-rate 0.25 --site-rate 0.4)
sources=(--builtin)
ref=${MODAK_REFERENCE_DIR:-}
if [ -n "$ref" ] && [ -f "$ref/sodalite-tosca/blueprints/hpc-service.yaml" ]; then
  sources+=("--reference=$ref")
else
  echo "note: reference data not found (\$MODAK_REFERENCE_DIR): built-in template only" >&2
fi
for src in "${sources[@]}"; do
  c=$tmp/c${src//[^a-z]/}
  "$py" bench/gen_corpus.py "${gen[@]}" "$src" "$c" 2>/dev/null || bad "$src: gen_corpus failed"
  "$py" bench/gen_corpus.py "${gen[@]}" "$src" "$c-again" 2>/dev/null
  diff -r "$c" "$c-again" >/dev/null || bad "$src: same seed, different corpus"
  [ "$(find "$c" -name 'bp-*.yaml' | wc -l)" = 80 ] || bad "$src: want 80 blueprints"
  for cat in valid invalid gap types; do
    [ "$(cut -f4 "$c/manifest.tsv" | grep -cx "$cat")" -gt 0 ] || bad "$src: no $cat rows"
  done
  rows=$(($(wc -l <"$c/manifest.tsv") - 1))
  files=$(find "$c" -name '*.y*ml' | wc -l)
  [ "$rows" = "$files" ] || bad "$src: $rows manifest rows for $files files"
  rc=0
  "$py" tests/tools/tosca-validate.py "$c" >"$tmp/tp.txt" || rc=$?
  [ "$rc" = 1 ] || bad "$src: tosca-validate exit $rc, want 1"
  if ! "$py" bench/compare_verdicts.py --corpus "$c" --tosca "$tmp/tp.txt" \
    --tosca-seconds 1 >"$tmp/cmp.txt"; then
    bad "$src: tosca-parser departs from the manifest:"
    cat "$tmp/cmp.txt" >&2
  fi
done

# A stand-in for modak: the manifest's verdict for every file, one flipped on request.
cat >"$tmp/fake-modak" <<'EOF'
#!/usr/bin/python3
import csv, json, os, sys
corpus = sys.argv[-1]
flip = os.environ.get("FLIP", "")
out = []
with open(os.path.join(corpus, "manifest.tsv")) as f:
    for r in csv.DictReader(f, delimiter="\t"):
        invalid = (r["expect"] == "invalid") != (r["file"] == flip)
        sev = "error" if invalid else "warning"
        out.append({"file": os.path.join(corpus, r["file"]), "line": 2, "column": 1,
                    "severity": sev, "rule": "test.rule", "message": r["detail"]})
json.dump(out, sys.stdout)
sys.exit(1 if any(d["severity"] == "error" for d in out) else 0)
EOF
chmod +x "$tmp/fake-modak"
rc=0
MODAK=$tmp/fake-modak bash bench/validate.sh -n 30 --repeat 1 --corpus "$tmp/b1" >"$tmp/bench.txt" \
  2>&1 || rc=$?
[ "$rc" = 0 ] || bad "validate.sh with an agreeing modak: exit $rc: $(cat "$tmp/bench.txt")"
for want in "files/s" "speed ratio modak / tosca-parser" "disagree 0"; do
  grep -q "$want" "$tmp/bench.txt" || bad "validate.sh output lacks '$want'"
done
flip=$(grep -m1 -P '\tvalid\tvalid\tvalid\t' "$tmp/b1/manifest.tsv" | cut -f1)
rc=0
FLIP=$flip MODAK=$tmp/fake-modak bash bench/validate.sh -n 30 --repeat 1 >"$tmp/bench.txt" 2>&1 ||
  rc=$?
[ "$rc" = 1 ] || bad "validate.sh with a disagreeing modak: exit $rc, want 1"
grep -q "DISAGREE $flip: modak invalid, tosca-parser valid" "$tmp/bench.txt" ||
  bad "validate.sh does not print the disagreement on $flip: $(cat "$tmp/bench.txt")"
rc=0
bash bench/validate.sh -n 10 --tosca-only >"$tmp/bench.txt" 2>&1 || rc=$?
if [ "$rc" != 0 ] || ! grep -q "as predicted, 0 not" "$tmp/bench.txt"; then
  bad "--tosca-only: exit $rc: $(cat "$tmp/bench.txt")"
fi
exit "$fail"

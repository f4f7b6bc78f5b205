#!/usr/bin/env bash
# test_batch — `modak batch`: every blueprint under the paths, N at a time; converted,
# skipped (no AI-training node) and failed ones counted; --keep-going goes on after a
# failure, without it no new blueprint starts; blueprints that train the same network for
# the same target share one compiled binary (one inode, from the compiler's cache); the
# JSON summary; exit status 1 when any failed.
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
src=${MODAK_SOURCE_DIR:-$(pwd)}
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/modak-batch.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export MODAK_CACHE_DIR=$tmp/cache
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

mkdir -p "$tmp/in/sub"
for n in alpha beta gamma; do
  sed "s/job_name: fashion-cnn/job_name: $n/" "$src/examples/fashion-mnist-slurm.yaml" >"$tmp/in/$n.yaml"
done
mv "$tmp/in/gamma.yaml" "$tmp/in/sub/gamma.yaml"   # folders are searched recursively
cp "$src/tests/golden/tosca/node-type-unknown/input.yaml" "$tmp/in/broken.yaml"
printf 'tosca_definitions_version: tosca_simple_yaml_1_3\ntopology_template:\n  node_templates:\n    n: {type: tosca.nodes.Root}\n' >"$tmp/in/plain.yaml"
printf 'not: [a blueprint\n' >"$tmp/in/notes.txt"      # not *.yaml: ignored

set +e
"$MODAK" batch "$tmp/in" -o "$tmp/out" -j 2 --keep-going >"$tmp/run.txt" 2>"$tmp/run.err"
rc=$?
set -e
[ "$rc" = 1 ] || bad "a failed blueprint did not make the exit status 1 (got $rc)"
grep -q '^converted  *3$' "$tmp/run.txt" || bad "converted count: $(cat "$tmp/run.txt")"
grep -q '^skipped  *1$' "$tmp/run.txt" || bad "skipped count"
grep -q '^failed  *1$' "$tmp/run.txt" || bad "failed count"
grep -q "^FAILED  .*broken.yaml: .*unknown node type 'sodalite.nodes.hpc.WMM'" "$tmp/run.txt" ||
  bad "the failure is not reported with its first diagnostic"
[ "$(ls "$tmp/out")" = "$(printf 'alpha\nbeta\ngamma')" ] || bad "outputs: $(ls "$tmp/out")"
inodes=$(stat -c %i "$tmp"/out/*/bin/fashion-cnn-train | sort -u | wc -l)
[ "$inodes" = 1 ] || bad "the three blueprints did not share one compiled binary ($inodes inodes)"
[ "$(find "$tmp/cache" -type f -name '*' -perm -u+x | wc -l)" -ge 1 ] || bad "nothing in the compiler's cache"
for n in alpha beta gamma; do
  grep -q "#SBATCH -J $n" "$tmp/out/$n/jobs/fashion-cnn.sh" || bad "$n: its own job script"
done

# without --keep-going no blueprint starts after a failure (one at a time, broken first)
mkdir -p "$tmp/in2"
cp "$tmp/in/broken.yaml" "$tmp/in2/a-broken.yaml"
cp "$tmp/in/alpha.yaml" "$tmp/in2/b-alpha.yaml"
set +e
"$MODAK" batch "$tmp/in2" -o "$tmp/out2" -j 1 >"$tmp/run2.txt" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || bad "stop-on-failure exit status $rc"
grep -q '^not run  *1 ' "$tmp/run2.txt" || bad "the blueprint after the failure ran: $(cat "$tmp/run2.txt")"
[ ! -e "$tmp/out2/b-alpha" ] || bad "b-alpha was converted after a failure without --keep-going"

# the JSON summary
set +e
"$MODAK" batch "$tmp/in" -o "$tmp/out3" --keep-going --format json --no-compile >"$tmp/run3.json"
set -e
"$py" - "$tmp/run3.json" <<'PY' || bad "the JSON summary"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert (s["converted"], s["skipped"], s["failed"], s["not_run"]) == (3, 1, 1, 0), s
by = {b["blueprint"]: b for b in d["blueprints"]}
assert by["broken"]["status"] == "failed" and "WMM" in by["broken"]["message"]
assert by["plain"]["status"] == "skipped" and by["alpha"]["output"].endswith("/alpha")
PY
[ ! -e "$tmp/out3/alpha/bin" ] || bad "--no-compile still wrote a binary"

# usage errors
set +e
"$MODAK" batch "$tmp/in" >/dev/null 2>&1; [ $? = 2 ] || bad "batch without -o did not exit 2"
"$MODAK" batch "$tmp/nothere" -o "$tmp/o4" >/dev/null 2>&1; [ $? = 2 ] || bad "a missing path did not exit 2"
set -e
[ "$fails" = 0 ] || exit 1
echo "ok: batch counts, --keep-going, shared binaries, JSON summary, exit codes"

#!/usr/bin/env bash
# `modak model predict` deciding (no --batch/--threads, --explain, --job, -o, --format json)
# and `modak model ingest` (seeding a profile, refitting it, duplicates), with their errors:
# exit status 1 and a message naming the file and the field for bad inputs, 2 for usage.
set -euo pipefail
: "${MODAK:?}"
src=${MODAK_SOURCE_DIR:-.}
fix="$src/tests/model/fixtures/ingest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3

# deciding: says so, and prints the winner's layers
"$MODAK" model predict mnist_cnn --target egi > "$tmp/out"
grep -q '^decided: modak-native (native build)' "$tmp/out" || fail "no decision: $(cat "$tmp/out")"
grep -q 'why: fastest of 100 feasible candidates' "$tmp/out" || fail "no reason"
grep -q 'conv2 ' "$tmp/out" || fail "no layers of the winner"
# the table
"$MODAK" model predict mnist_cnn --target egi --batch 32,64 --threads 1,40 --explain > "$tmp/table"
grep -q '^rank status' "$tmp/table" || fail "no table header"
[ "$(grep -c ' native ' "$tmp/table")" -ge 4 ] || fail "table rows"
"$MODAK" model predict mnist_cnn --target egi --explain=all | grep -c ' lost ' > "$tmp/n"
[ "$(cat "$tmp/n")" = 99 ] || fail "--explain=all shows $(cat "$tmp/n") lost rows"
# the record: JSON, the same from -o and --format json
"$MODAK" model predict resnet50 --target hlrs_testbed --job "$src/examples/jobs/resnet50-tensorflow.json" \
  --samples 1281167 --epochs 3 -o "$tmp/decision.json" --format json > "$tmp/stdout.json"
cmp -s "$tmp/decision.json" "$tmp/stdout.json" || fail "-o and --format json differ"
if [ -x "$py" ]; then
  "$py" - "$tmp/decision.json" <<'EOF' || fail "decision.json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "modak-decision/1"
w = d["candidates"][d["winner"]]
assert w["status"] == "won" and w["image"] == "modak-tensorflow-2.1-gpu-src", w
assert w["graph_compiler"] == "xla" and w["gpus_per_node"] == 1
assert d["mapper_choice"] == "modak-tensorflow-2.1-gpu-src"
assert all(c["reason"] for c in d["candidates"])
keys = [c["key"] for c in d["candidates"]]
assert len(keys) == len(set(keys))
assert any(c["field"] == "/job/job_options/wall_time_limit" for c in d["candidates"])
EOF
fi
# a fixed configuration: the per-layer prediction, no decision
"$MODAK" model predict mnist_cnn --target egi --batch 32 --threads 1 > "$tmp/one"
grep -q '^mnist_cnn on egi, batch 32, 1 thread' "$tmp/one" || fail "fixed configuration"
grep -q 'decided' "$tmp/one" && fail "decided a fixed configuration"
# nothing feasible: exit 1 with the summary
printf '{"job": {"job_options": {"wall_time_limit": "0:01"}, "optimisation": {"enable_opt_build": true, "app_type": "ai_training", "app_type-ai_training": {"config": {"ai_framework": "tensorflow"}, "data": {"count": 1281167}}}}}' > "$tmp/tight.json"
set +e
"$MODAK" model predict resnet50 --target egi --job "$tmp/tight.json" > "$tmp/none"; rc=$?
set -e
[ $rc = 1 ] || fail "nothing feasible: exit $rc"
grep -q 'no feasible configuration' "$tmp/none" || fail "nothing feasible: $(cat "$tmp/none")"
# bad job documents name the file and the field
printf '{"job": {"job_options": {"node_count": "two"}}}' > "$tmp/bad.json"
set +e
"$MODAK" model predict mnist_cnn --target egi --job "$tmp/bad.json" 2> "$tmp/err"; rc=$?
set -e
[ $rc = 1 ] || fail "bad job: exit $rc"
grep -q "bad.json: /job/job_options/node_count: must be an integer > 0" "$tmp/err" || fail "bad job: $(cat "$tmp/err")"
set +e
"$MODAK" model predict mnist_cnn --target egi --job "$tmp/missing.json" 2>/dev/null; [ $? = 2 ] || fail "missing job file"
"$MODAK" model predict mnist_cnn --batch 0 2>/dev/null; [ $? = 2 ] || fail "--batch 0"
"$MODAK" model predict mnist_cnn --threads 1,x 2>/dev/null; [ $? = 2 ] || fail "--threads 1,x"
"$MODAK" model predict 2>/dev/null; [ $? = 2 ] || fail "no network"
set -e

# ingest: a new profile seeded from the target, then refitted in place
"$MODAK" model ingest "$fix/slow.jsonl" --target egi -o "$tmp/p.json" > "$tmp/ing"
grep -q 'ingested 1 run (0 already in the profile); 1 observations' "$tmp/ing" || fail "ingest: $(cat "$tmp/ing")"
"$MODAK" model ingest "$fix/slow.jsonl" "$fix/fast.jsonl" --target egi --profile "$tmp/p.json" > "$tmp/ing2"
grep -q 'ingested 1 run (1 already in the profile); 2 observations' "$tmp/ing2" || fail "ingest again: $(cat "$tmp/ing2")"
"$MODAK" model ingest "$fix/resumed.jsonl" --network mnist_cnn --batch 16 --threads 1 --target egi \
  --profile "$tmp/p.json" --format json > "$tmp/ing3.json"
grep -q '"observations": 3' "$tmp/ing3.json" || fail "ingest json: $(cat "$tmp/ing3.json")"
# the refitted profile predicts the slow run's step within a few percent
"$MODAK" model ingest "$fix/slow.jsonl" --target egi -o "$tmp/s.json" > /dev/null
"$MODAK" model predict mnist_cnn --target egi --batch 32 --threads 1 --profile "$tmp/s.json" --format json > "$tmp/pred.json"
if [ -x "$py" ]; then
  "$py" - "$tmp/pred.json" <<'EOF' || fail "refitted prediction"
import json, sys
p = json.load(open(sys.argv[1]))
measured = (160 / 145.5 - 32 / 106.7) / 4
assert abs(p["step_seconds"] / measured - 1) < 0.05, (p["step_seconds"], measured)
assert "refitted from measured runs" in p["basis"], p["basis"]
EOF
fi
# errors
set +e
"$MODAK" model ingest "$fix/bad_step.jsonl" --target egi -o "$tmp/x.json" 2> "$tmp/err"; rc=$?
[ $rc = 1 ] || fail "bad metrics: exit $rc"
grep -q 'bad_step.jsonl:2: /step: must be an integer >= 1' "$tmp/err" || fail "bad metrics: $(cat "$tmp/err")"
[ -e "$tmp/x.json" ] && fail "a profile was written from bad metrics"
"$MODAK" model ingest "$fix/slow.jsonl" 2> "$tmp/err"; [ $? = 2 ] || fail "no --profile nor -o"
grep -q 'give --profile FILE' "$tmp/err" || fail "no --profile message"
"$MODAK" model ingest --target egi -o "$tmp/x.json" 2>/dev/null; [ $? = 2 ] || fail "no files"
"$MODAK" model ingest "$fix/slow.jsonl" --target egi --profile "$tmp/nope.json" 2>/dev/null; [ $? = 2 ] || fail "missing profile"
echo '{"format": "modak-profile/1"}' > "$tmp/empty.json"
"$MODAK" model ingest "$fix/slow.jsonl" --target egi --profile "$tmp/empty.json" 2> "$tmp/err"; rc=$?
[ $rc = 1 ] || fail "profile without fits: exit $rc"
grep -q 'empty.json: /sgemm/fit' "$tmp/err" || fail "profile without fits: $(cat "$tmp/err")"
set -e
echo "test_decide_cli: all passed"

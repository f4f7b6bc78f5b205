#!/usr/bin/env bash
# `modak target list|show|check|detect` end to end: exit codes (0 ok, 1 invalid, 2 usage/IO),
# error messages naming file and field, and detected targets that load back.
set -euo pipefail
: "${MODAK:?}" "${MODAK_SOURCE_DIR:?}"
export MODAK_DATA="$MODAK_SOURCE_DIR/model/data"
G="$MODAK_SOURCE_DIR/tests/golden/targets"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # want_rc cmd...
  local want=$1; shift
  set +e; "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?; set -e
  [ "$rc" = "$want" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "$* exited $rc, expected $want"; }
}

expect_rc 0 "$MODAK" target list
for t in hlrs_testbed supermuc_ng_thin aws_c5_4xlarge egi; do
  grep -q "^$t " "$tmp/out" || fail "list lacks $t"
done
expect_rc 0 "$MODAK" target show hlrs_testbed
grep -q '"openblas_coretype": "SkylakeX"' "$tmp/out" || fail "show: no derived OpenBLAS core"
cp "$tmp/out" "$tmp/hlrs.json"
expect_rc 0 "$MODAK" target check "$tmp/hlrs.json"            # its JSON output is a target
expect_rc 0 "$MODAK" target show egi --format text
grep -q "broadwell" "$tmp/out" || fail "show --format text"
expect_rc 1 "$MODAK" target show no_such_target
grep -q "unknown target 'no_such_target' (known: " "$tmp/err" || fail "unknown target message"

# bad files: exit 1 and the message names the file and the field
expect_rc 1 "$MODAK" target check "$G/bad/negative_bandwidth.json"
grep -q "negative_bandwidth.json: /node/memory/bandwidth_gbs: must not be negative" "$tmp/err" \
  || fail "negative bandwidth: $(cat "$tmp/err")"
expect_rc 1 "$MODAK" target check "$G/bad/unknown_microarch.json"
grep -q "did you mean 'skylake_avx512'" "$tmp/err" || fail "unknown microarch"
expect_rc 2 "$MODAK" target check "$tmp/does-not-exist.json"

# detect from fixtures, written atomically with -o, then read back
expect_rc 0 "$MODAK" target detect --no-tools --hwloc "$G/hwloc/synthetic_2pack_4numa.xml" \
  --nvidia-smi "$G/nvidia-smi/dgx1_4xV100.xml" --cpuinfo "$G/cpuinfo/xeon_gold_6148.txt" \
  --name fixture -o "$tmp/det.json"
expect_rc 0 "$MODAK" target check "$tmp/det.json"
grep -q "fixture" "$tmp/out" || fail "detected target's name"
grep -q '"count": 4' "$tmp/det.json" || fail "4 GPUs"
expect_rc 1 "$MODAK" target detect --no-tools --hwloc "$G/hwloc/bad_xxe.xml"
grep -q "bad_xxe.xml:7:45: malformed XML: Attribute references external entity 'xxe'" "$tmp/err" \
  || fail "xxe: $(cat "$tmp/err")"
expect_rc 1 "$MODAK" target detect --no-tools --nvidia-smi "$G/nvidia-smi/bad_xxe.xml"
grep -q "declares entities" "$tmp/err" || fail "nvsmi xxe"
# this machine, through lstopo when installed
expect_rc 0 "$MODAK" target detect -o "$tmp/host.json"
expect_rc 0 "$MODAK" target check "$tmp/host.json"
# usage
expect_rc 2 "$MODAK" target
expect_rc 2 "$MODAK" target frobnicate
expect_rc 2 "$MODAK" target detect --hwloc
echo "test_target_cli: all passed"

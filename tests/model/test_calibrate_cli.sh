#!/usr/bin/env bash
# `modak model calibrate --quick`: writes a profile, and measures with the OpenBLAS core
# type the target asks for (re-executing itself with OPENBLAS_CORETYPE set) — the profile
# says how, and OpenBLAS's reported core matches. No timing is asserted.
set -euo pipefail
: "${MODAK:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
env -u OPENBLAS_CORETYPE "$MODAK" model calibrate --quick --threads 1 -o "$tmp/p.json" > "$tmp/summary"
grep -q '"format": "modak-profile/1"' "$tmp/p.json" || fail "no profile"
grep -q "calibrated host" "$tmp/summary" || fail "no summary"
want=$("$MODAK" target detect --no-tools | sed -n 's/.*"openblas_coretype": "\(.*\)".*/\1/p')
how=$(sed -n 's/.*"how": "\(.*\)".*/\1/p' "$tmp/p.json")
core=$(sed -n 's/.*"corename": "\(.*\)".*/\1/p' "$tmp/p.json")
if [ -n "$want" ]; then
  [ "$how" = "re-executed with OPENBLAS_CORETYPE=$want" ] || fail "how: $how"
  [ "${core,,}" = "${want,,}" ] || fail "OpenBLAS ran $core, not $want"
fi
# the kernels themselves, compiled for the target: mnist_cnn's convolutions as the optimised
# build runs them (the compiler's algorithms, fused bias and ReLU) and as the generic one
# does (im2col, nothing fused)
/usr/bin/python3 - "$tmp/p.json" <<'EOF' || fail "kernel points"
import json, sys
k = json.load(open(sys.argv[1]))["kernels"]
assert k["measured"] is True, k
shapes = {tuple(c["shape"]) for c in k["conv"]}
assert shapes == {(1, 28, 28, 32, 3, 3, 1, 0), (32, 26, 26, 64, 3, 3, 1, 0)}, shapes
assert sorted(c["build"] for c in k["conv"]) == ["generic"] * 2 + ["optimised"] * 2, k["conv"]
for c in k["conv"]:
    fused = c["build"] == "optimised"
    assert c["bias"] is fused and c["relu"] is fused, c
    assert c["fwd_seconds"] > 0 and c["bwd_seconds"] > 0 and c["bwd_weights_only_seconds"] > 0, c
    assert c["threads"] == 1 and c["images"] >= 2, c
assert all(c["algo"] == ["im2col"] * 3 for c in k["conv"] if c["build"] == "generic"), k["conv"]
assert k["batchnorm"] == [], k["batchnorm"]
EOF
# and predict takes them
"$MODAK" model predict mnist_cnn --batch 32 --threads 1 --profile "$tmp/p.json" > "$tmp/pred"
grep -q "2 layers timed by the kernels' benchmarks" "$tmp/pred" || fail "predict: $(cat "$tmp/pred")"
grep -q "conv2 .* measured" "$tmp/pred" || fail "conv2 not measured"
"$MODAK" model predict mnist_cnn --batch 32 --threads 1 --generic --profile "$tmp/p.json" > "$tmp/pred"
grep -q "2 layers timed by the kernels' benchmarks" "$tmp/pred" || fail "predict --generic: $(cat "$tmp/pred")"
# --no-kernels: no C compiler needed, and the profile says so
env -u OPENBLAS_CORETYPE "$MODAK" model calibrate --quick --threads 1 --no-kernels -o "$tmp/n.json" >/dev/null
grep -q '"measured": false' "$tmp/n.json" || fail "--no-kernels"
# already set by the caller: no re-exec
OPENBLAS_CORETYPE=Haswell "$MODAK" model calibrate --quick --threads 1 --target host \
  -o "$tmp/q.json" >/dev/null
grep -q '"corename": "Haswell"' "$tmp/q.json" || fail "caller's core type not kept"
# --no-reexec
env -u OPENBLAS_CORETYPE "$MODAK" model calibrate --quick --threads 1 --no-reexec > "$tmp/r.json" 2>/dev/null
grep -q "OpenBLAS's own detection (--no-reexec)" "$tmp/r.json" || fail "--no-reexec"
# usage errors
set +e
"$MODAK" model calibrate --threads 0 2>/dev/null; [ $? = 2 ] || fail "--threads 0"
"$MODAK" model frob 2>/dev/null; [ $? = 2 ] || fail "unknown subcommand"
"$MODAK" model calibrate --target no_such 2>/dev/null; [ $? = 1 ] || fail "unknown target"
echo "test_calibrate_cli: all passed"

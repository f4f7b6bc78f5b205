#!/usr/bin/env bash
# Short training runs of compiled binaries under valgrind (memcheck): no invalid access, no
# uninitialised value used, whatever the kernels' path — resnet20 exercises DIRECT, the
# zero-padded im2col/col2im, the batched im2col and strided convolutions, batch norm and the
# residual adds; mnist_cnn the fused bias and ReLU, pooling, dropout and dense layers; a small
# graph file WINOGRAD; with two threads each. Valgrind 3.19 (Debian 12) decodes no AVX-512,
# so the binaries are built for x86_64_v3 (AVX2: the same kernels with 8-float vectors).
# Skips (77) without valgrind or a C compiler.
set -euo pipefail
modak=${MODAK:?set MODAK to the modak binary}
command -v valgrind >/dev/null || { echo "skip: valgrind not installed"; exit 77; }
command -v "${CC:-cc}" >/dev/null || { echo "skip: no C compiler"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MODAK_CACHE_DIR=${MODAK_BUILD_DIR:-$tmp}/compiler-test-cache
fail() { echo "FAIL: $*" >&2; exit 1; }

run() { # run NET BATCH [NAME]
  local name=${3:-$1}
  "$modak" compile "$1" --batch "$2" --target x86_64_v3 -o "$tmp/$name" -q
  if ! valgrind -q --error-exitcode=9 "$tmp/$name" train --synthetic --batch "$2" --threads 2 \
      --max-steps 2 --seed 3 > "$tmp/$name.log" 2>&1; then
    cat "$tmp/$name.log" >&2
    fail "$name under valgrind"
  fi
  grep -q "2 steps" "$tmp/$name.log" || fail "$name did not train: $(cat "$tmp/$name.log")"
}
run resnet20 4
"$tmp/resnet20" info > "$tmp/info"
grep -q "direct" "$tmp/info" || fail "resnet20 built without DIRECT: the test lost its point"
run mnist_cnn 8
# WINOGRAD, all three passes: odd sizes (a partial last tile row and column),
# padding 1 and 2, several images per block, tile columns past the last real one
cat > "$tmp/wino.json" <<'EOF'
{"format": "modak-graph", "version": 1, "name": "wino_small", "input": {"shape": [3, 13, 12]},
 "layers": [
  {"name": "conv1", "op": "conv2d", "filters": 32, "kernel": 3, "padding": 1, "activation": "relu", "algo": "winograd"},
  {"name": "conv2", "op": "conv2d", "filters": 20, "kernel": 3, "padding": 2, "algo": "winograd"},
  {"name": "bn", "op": "batchnorm", "activation": "relu"},
  {"name": "gap", "op": "global_avgpool"},
  {"name": "fc", "op": "dense", "units": 10}]}
EOF
run "$tmp/wino.json" 4 wino
"$tmp/wino" info > "$tmp/info"
grep -q "winograd$" "$tmp/info" || fail "the winograd net lost its algorithm: $(cat "$tmp/info")"
echo "test_valgrind: all passed"

#!/usr/bin/env bash
# Short training runs of compiled binaries under valgrind (memcheck): no invalid access, no
# uninitialised value used, whatever the kernels' path — resnet20 exercises DIRECT, the
# zero-padded im2col/col2im, the batched im2col and strided convolutions, batch norm and the
# residual adds; mnist_cnn the fused bias and ReLU, pooling, dropout and dense layers, with
# two threads each. Valgrind 3.19 (Debian 12) decodes no AVX-512, so the binaries are built
# for x86_64_v3 (AVX2: the same kernels with 8-float vectors). Skips (77) without valgrind or
# a C compiler.
set -euo pipefail
modak=${MODAK:?set MODAK to the modak binary}
command -v valgrind >/dev/null || { echo "skip: valgrind not installed"; exit 77; }
command -v "${CC:-cc}" >/dev/null || { echo "skip: no C compiler"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MODAK_CACHE_DIR=${MODAK_BUILD_DIR:-$tmp}/compiler-test-cache
fail() { echo "FAIL: $*" >&2; exit 1; }

run() { # run NET BATCH
  "$modak" compile "$1" --batch "$2" --target x86_64_v3 -o "$tmp/$1" -q
  if ! valgrind -q --error-exitcode=9 "$tmp/$1" train --synthetic --batch "$2" --threads 2 \
      --max-steps 2 --seed 3 > "$tmp/$1.log" 2>&1; then
    cat "$tmp/$1.log" >&2
    fail "$1 under valgrind"
  fi
  grep -q "2 steps" "$tmp/$1.log" || fail "$1 did not train: $(cat "$tmp/$1.log")"
}
run resnet20 4
"$tmp/resnet20" info > "$tmp/info"
grep -q "direct" "$tmp/info" || fail "resnet20 built without DIRECT: the test lost its point"
run mnist_cnn 8
echo "test_valgrind: all passed"

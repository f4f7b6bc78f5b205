#!/usr/bin/env bash
# Gradient check of every op through the generated program: for each small graph in
# fixtures/grad/ (one or two ops each, chosen so that every conv algorithm, both pools, batch
# norm with and without a fused relu, residual add with gradient accumulation, pad, dropout,
# dense, and unfused bias_add/relu appear), `modak compile --emit-c`, optimised and
# --generic, is compiled with the kernels and tests/compiler/gradcheck.c, which compares
# every parameter's gradient with finite differences. Skips (77) without a C compiler or
# OpenBLAS headers.
set -euo pipefail
src=${MODAK_SOURCE_DIR:-$(pwd)}
modak=${MODAK:?set MODAK to the modak binary}
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "skip: no C compiler"; exit 77; }
ls "$src"/kernels/*.c >/dev/null 2>&1 || { echo "skip: kernels/ has no sources yet"; exit 77; }
blas=$(pkg-config --cflags openblas 2>/dev/null || true)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags="-O1 -g -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread $blas -I$src/kernels"
libs="-lopenblas -lz -lpthread -lm"

# the kernels once
objs=()
for f in "$src"/kernels/*.c; do
  o="$tmp/$(basename "${f%.c}").o"
  $cc $flags -c "$f" -o "$o" &
  objs+=("$o")
  while (( $(jobs -r | wc -l) >= 2 )); do sleep 0.05; done
done
wait
$cc $flags -c "$src/tests/compiler/gradcheck.c" -o "$tmp/gradcheck.o"

fails=0
for g in "$src"/tests/compiler/fixtures/grad/*.json; do
  name=$(basename "${g%.json}")
  for mode in opt generic; do
    extra=()
    [[ $mode == generic ]] && extra=(--generic)
    "$modak" compile "$g" --batch 4 --emit-c "$tmp/$name-$mode.c" -q "${extra[@]}"
    $cc $flags -Dmain=modak_program_main -c "$tmp/$name-$mode.c" -o "$tmp/$name-$mode.o"
    $cc $flags "$tmp/$name-$mode.o" "$tmp/gradcheck.o" "${objs[@]}" -o "$tmp/$name-$mode" $libs
    if ! "$tmp/$name-$mode" "$name ($mode)"; then
      fails=$((fails + 1))
    fi
  done
done
if (( fails )); then
  echo "FAIL: $fails gradient checks failed"
  exit 1
fi
echo "all gradient checks passed"

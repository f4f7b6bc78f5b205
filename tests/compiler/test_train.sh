#!/usr/bin/env bash
# A short training run of a compiled mnist_cnn on a slice of Fashion-MNIST: the loss must
# fall and the binary must evaluate a checkpoint. The slice (1024 training and 256 test
# images) is cut from the Debian package dataset-fashion-mnist with a rewritten IDX header.
# Skips (77) when the data set or a C compiler is missing. Also compiles resnet20 and runs a
# few steps on synthetic data, optimised and generic, to check both builds train.
set -euo pipefail
modak=${MODAK:?set MODAK to the modak binary}
data=/usr/share/datasets/fashion-mnist
[[ -r $data/train-images-idx3-ubyte.gz ]] || { echo "skip: $data not installed (dataset-fashion-mnist)"; exit 77; }
command -v "${CC:-cc}" >/dev/null || { echo "skip: no C compiler"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MODAK_CACHE_DIR=${MODAK_BUILD_DIR:-$tmp}/compiler-test-cache

be32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
slice() ( # slice SET COUNT (head closing the pipe early is expected: no pipefail here)
  set +o pipefail
  local set=$1 n=$2
  { printf '\x00\x00\x08\x03'; printf "$(be32 "$n")"; printf '\x00\x00\x00\x1c\x00\x00\x00\x1c'
    gzip -dc "$data/$set-images-idx3-ubyte.gz" | tail -c +17 | head -c $((n * 784)); } | gzip -1 >"$tmp/data/$set-images-idx3-ubyte.gz"
  { printf '\x00\x00\x08\x01'; printf "$(be32 "$n")"
    gzip -dc "$data/$set-labels-idx1-ubyte.gz" | tail -c +9 | head -c "$n"; } | gzip -1 >"$tmp/data/$set-labels-idx1-ubyte.gz"
)
mkdir -p "$tmp/data"
slice train 1024
slice t10k 256

"$modak" compile mnist_cnn --batch 32 -o "$tmp/mnist" -q
"$tmp/mnist" train --data "$tmp/data" --epochs 2 --batch 32 --threads 2 --seed 7 \
  --metrics "$tmp/m.jsonl" --checkpoint "$tmp/ckpt" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
# the mean loss of the first and the last 8 steps (64 steps in all)
losses=$(grep '"step"' "$tmp/m.jsonl" | grep '"loss"' | sed 's/.*"loss": *\([0-9.eE+-]*\).*/\1/')
n=$(wc -l <<<"$losses")
first=$(head -8 <<<"$losses" | awk '{s += $1} END {print s / NR}')
last=$(tail -8 <<<"$losses" | awk '{s += $1} END {print s / NR}')
echo "mnist_cnn on 1024 Fashion-MNIST images: $n steps, mean loss $first (first 8) -> $last (last 8)"
(( n >= 60 )) || { echo "FAIL: expected 64 steps, got $n"; exit 1; }
awk -v f="$first" -v l="$last" 'BEGIN {exit !(l < 0.75 * f && f > 1.5)}' || { echo "FAIL: the loss did not fall"; cat "$tmp/log"; exit 1; }
"$tmp/mnist" eval --data "$tmp/data" --weights "$tmp/ckpt" >"$tmp/eval" 2>&1 || { cat "$tmp/eval"; exit 1; }
acc=$(grep -o 'accuracy [0-9.]*%' "$tmp/eval" | head -1 | grep -o '[0-9.]*')
echo "test accuracy on 256 images: $acc%"
awk -v a="$acc" 'BEGIN {exit !(a > 50)}' || { echo "FAIL: accuracy $acc% after 2 epochs"; exit 1; }

# resnet20 trains in both builds (synthetic data, a few steps)
for opt in "" --generic; do
  "$modak" compile resnet20 --batch 16 $opt -o "$tmp/r20" -q
  "$tmp/r20" train --synthetic --max-steps 3 --batch 16 --threads 2 --metrics "$tmp/r.jsonl" >"$tmp/rlog" 2>&1 || { cat "$tmp/rlog"; exit 1; }
  grep -q '"step": 3' "$tmp/r.jsonl" || { echo "FAIL: resnet20$opt did not run 3 steps"; cat "$tmp/rlog"; exit 1; }
done
echo "training checks passed"

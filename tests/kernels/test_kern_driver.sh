#!/usr/bin/env bash
# test_kern_driver — the training driver end to end, through tests/kernels/tinynet.c on a
# small Fashion-MNIST slice: info and the OpenBLAS re-exec, train (loss falls), eval,
# metrics, bit-identical reruns with one thread, --resume after a SIGKILL mid-epoch ending
# bit-identical to an uninterrupted run, and the exit codes of bad data and bad usage.
set -euo pipefail
BIN="${MODAK_BUILD_DIR:?}/tests/kernels/kern_tinynet"
FMNIST=/usr/share/datasets/fashion-mnist
if [ ! -f "$FMNIST/train-images-idx3-ubyte.gz" ]; then
    echo "SKIP: $FMNIST not installed (Debian package dataset-fashion-mnist)"
    exit 77
fi
T=$(mktemp -d /tmp/kern-driver-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A slice: the first 1024 training and 256 test images (train plain, test gzipped).
/usr/bin/python3 - "$FMNIST" "$T/data" <<'EOF'
import gzip, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
for kind, n, gz in (("train", 1024, False), ("t10k", 256, True)):
    with gzip.open(f"{src}/{kind}-images-idx3-ubyte.gz") as f:
        magic, _, r, c = struct.unpack(">IIII", f.read(16)); img = f.read(n * r * c)
    with gzip.open(f"{src}/{kind}-labels-idx1-ubyte.gz") as f:
        f.read(8); lab = f.read(n)
    op = gzip.open if gz else open
    sfx = ".gz" if gz else ""
    with op(f"{dst}/{kind}-images-idx3-ubyte{sfx}", "wb") as f:
        f.write(struct.pack(">IIII", magic, n, r, c) + img)
    with op(f"{dst}/{kind}-labels-idx1-ubyte{sfx}", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + lab)
EOF

# --- info, help, and the OpenBLAS core selection -------------------------------------------
"$BIN" --help | grep -q -- "--checkpoint-every" || fail "--help lists the options"
"$BIN" info > "$T/info"
grep -q "^network: *tinynet" "$T/info" || fail "info names the network"
grep -q "^parameters: *1502 (1494 trainable)" "$T/info" || fail "info counts parameters"
grep -q "^memory: *arena" "$T/info" || fail "info reports planned memory"
grep -q "^openblas: " "$T/info" || fail "info reports the OpenBLAS core"
# Force a core other than the one OpenBLAS picks by itself: the binary must set
# OPENBLAS_CORETYPE, re-execute itself, and end up running with the forced core.
active=$(sed -n 's/^openblas: *\([A-Za-z0-9]*\).*/\1/p' "$T/info")
other=Haswell; [ "$active" = Haswell ] && other=Sandybridge
KERN_CORETYPE=$other "$BIN" info > "$T/info2"
grep -q "^openblas: *$other (CPUID wants $other; OpenBLAS had chosen $active, so the program set OPENBLAS_CORETYPE=$other and re-executed itself)" "$T/info2" \
    || { cat "$T/info2"; fail "re-exec to $other"; }
grep -q "openblas-config: .* $other " "$T/info2" || fail "OpenBLAS's own config names $other after the re-exec"
# A user's OPENBLAS_CORETYPE is respected (no re-exec).
OPENBLAS_CORETYPE=$other "$BIN" info | grep -q "^openblas: *$other (OPENBLAS_CORETYPE=$other set in the environment)" \
    || fail "OPENBLAS_CORETYPE from the user"

# --- train, eval, metrics -----------------------------------------------------------------
"$BIN" train --data "$T/data" --epochs 3 --threads 2 --checkpoint "$T/a.ckpt" \
    --metrics "$T/a.jsonl" > "$T/train.out" 2> "$T/train.err" || { cat "$T/train.err"; fail "train"; }
grep -q "^tinynet: 96 steps, 3072 images in .* images/s" "$T/train.out" || { cat "$T/train.out"; fail "summary"; }
grep -q "^test: loss .* accuracy .* (256 images)" "$T/train.out" || fail "test accuracy in the summary"
/usr/bin/python3 - "$T/a.jsonl" <<'EOF' || fail "metrics"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
steps = [r for r in rows if "loss" in r]
assert len(steps) == 96, len(steps)
assert [r["step"] for r in steps] == list(range(1, 97))
for r in steps:
    assert set(r) == {"step", "epoch", "loss", "accuracy", "images_per_s"}, r
    assert 0 <= r["accuracy"] <= 1 and r["images_per_s"] > 0
first = sum(r["loss"] for r in steps[:10]) / 10
last = sum(r["loss"] for r in steps[-10:]) / 10
assert last < 0.75 * first, (first, last)          # the loss falls
tests = [r for r in rows if "test_accuracy" in r]
assert len(tests) == 3 and tests[-1]["test_accuracy"] > 0.5, tests
EOF
"$BIN" eval --data "$T/data" --weights "$T/a.ckpt" > "$T/eval.out"
acc_train=$(sed -n 's/^test: loss \([0-9.]*\) accuracy \([0-9.]*\)%.*/\2/p' "$T/train.out")
grep -q "accuracy $acc_train% (256 images" "$T/eval.out" || { cat "$T/eval.out"; fail "eval agrees with train's final test accuracy"; }

# --- determinism: same seed, one thread => the same bits --------------------------------------
run1() { "$BIN" train --data "$T/data" --epochs 2 --threads 1 --seed 5 --optimizer momentum "$@" > /dev/null 2>&1; }
run1 --checkpoint "$T/d1.ckpt"
run1 --checkpoint "$T/d2.ckpt"
cmp -s "$T/d1.ckpt" "$T/d2.ckpt" || fail "two identical runs differ"
# the work split is fixed per thread count, so two threads repeat themselves too
"$BIN" train --data "$T/data" --epochs 1 --threads 2 --seed 5 --checkpoint "$T/t1.ckpt" > /dev/null 2>&1
"$BIN" train --data "$T/data" --epochs 1 --threads 2 --seed 5 --checkpoint "$T/t2.ckpt" > /dev/null 2>&1
cmp -s "$T/t1.ckpt" "$T/t2.ckpt" || fail "two identical 2-thread runs differ"
"$BIN" train --data "$T/data" --epochs 2 --threads 1 --seed 6 --optimizer momentum --checkpoint "$T/d3.ckpt" > /dev/null 2>&1
cmp -s "$T/d1.ckpt" "$T/d3.ckpt" && fail "another seed gives the same weights"

# --- --max-steps then --resume equals one uninterrupted run ------------------------------------
ref() { "$BIN" train --data "$T/data" --epochs 3 --threads 1 --batch 16 "$@"; }
ref --checkpoint "$T/ref.ckpt" > /dev/null 2>&1
ref --checkpoint "$T/part.ckpt" --max-steps 77 > /dev/null 2>&1   # stops mid-epoch 2
ref --checkpoint "$T/part.ckpt" --resume > "$T/resume.out" 2> "$T/resume.err"
grep -q "resuming from .* at step 77 (epoch 2, batch 13 of it)" "$T/resume.err" || { cat "$T/resume.err"; fail "resume message"; }
cmp -s "$T/ref.ckpt" "$T/part.ckpt" || fail "--max-steps + --resume differs from an uninterrupted run"

# --- SIGKILL mid-epoch, then --resume: the same bits as the uninterrupted run ---------------
# Checkpoint every 5 steps with fsync; kill -9 once the run is in its second epoch.
rm -f "$T/kill.ckpt" "$T/kill.jsonl"
# (the binary itself in the background, not a shell function: $! must be its pid)
"$BIN" train --data "$T/data" --epochs 3 --threads 1 --batch 16 --checkpoint "$T/kill.ckpt" \
    --checkpoint-every 5 --metrics "$T/kill.jsonl" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 2000); do
    if [ -f "$T/kill.jsonl" ] && [ "$(grep -c '"epoch": 2' "$T/kill.jsonl" || true)" -ge 3 ]; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.005
done
kill -9 "$pid" 2>/dev/null && killed=1 || killed=0
wait "$pid" 2>/dev/null && status=0 || status=$?
[ "$killed" = 0 ] || [ "$status" = 137 ] || fail "the run was not ended by SIGKILL (status $status)"
if [ "$killed" = 1 ]; then
    step=$(/usr/bin/python3 -c "
import struct,sys; d=open(sys.argv[1],'rb').read(); print(struct.unpack_from('<QQQ', d, 8+4+4+64+4+4+8)[0])" "$T/kill.ckpt")
    [ "$step" -lt 192 ] || fail "the SIGKILL came after the run ended (checkpoint at step $step)"
    echo "killed with SIGKILL; last checkpoint at step $step of 192"
    ref --checkpoint "$T/kill.ckpt" --resume > /dev/null 2> "$T/kill.err" || { cat "$T/kill.err"; fail "resume after SIGKILL"; }
    cmp -s "$T/ref.ckpt" "$T/kill.ckpt" || fail "--resume after SIGKILL differs from an uninterrupted run"
else
    fail "the run ended before it could be killed"
fi

# --- errors and exit codes ----------------------------------------------------------------
expect() { # expect CODE PATTERN command...
    local code=$1 pat=$2; shift 2
    set +e; "$@" > "$T/err.out" 2> "$T/err.txt"; local rc=$?; set -e
    [ "$rc" = "$code" ] || { cat "$T/err.txt"; fail "$* exited $rc, expected $code"; }
    grep -q -- "$pat" "$T/err.txt" || { cat "$T/err.txt"; fail "$* did not say '$pat'"; }
}
expect 2 "unknown option '--bogus'" "$BIN" train --data "$T/data" --bogus
expect 2 "--epochs 'x': expected a non-negative integer" "$BIN" train --data "$T/data" --epochs x
expect 2 "expected sgd, momentum or adam" "$BIN" train --data "$T/data" --optimizer rmsprop
expect 2 "--data DIR (or --synthetic) is required" "$BIN" train
expect 2 "must be between 1 and 32" "$BIN" train --data "$T/data" --batch 64
expect 2 "unknown command 'fly'" "$BIN" fly
expect 2 "no training set: looked for train-images-idx3-ubyte" "$BIN" train --data "$T/nowhere"
expect 2 "cannot open" "$BIN" eval --data "$T/data" --weights "$T/missing.ckpt"
mkdir "$T/trunc"
head -c 5000 "$T/data/train-images-idx3-ubyte" > "$T/trunc/train-images-idx3-ubyte"
cp "$T/data/train-labels-idx1-ubyte" "$T/trunc/"
expect 1 "train-images-idx3-ubyte: truncated: expected 802816 bytes of pixels at offset 16, found 4984" \
    "$BIN" train --data "$T/trunc"
printf 'garbage' > "$T/bad.ckpt"
expect 1 "not a modak checkpoint" "$BIN" eval --data "$T/data" --weights "$T/bad.ckpt"
expect 2 "was trained with momentum, --optimizer says adam" \
    "$BIN" train --data "$T/data" --checkpoint "$T/d1.ckpt" --resume --optimizer adam --epochs 3 --threads 1
echo "ok"

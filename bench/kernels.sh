#!/usr/bin/env bash
# bench/kernels.sh — speed of kernels/ on this machine, printed side by side (never pass/fail):
#   1. each convolution algorithm's GFLOP/s (forward, backward-data, backward-weights) at the
#      biggest mnist_cnn / resnet20 / resnet50 shapes, beside OpenBLAS's own sgemm at the same
#      GEMM shape and thread count, and the ratio (the target: >= 70%);
#   2. the hand-written Keras MNIST-CNN (tests/kernels/mnist_cnn.c): images/s of training with
#      the default optimiser (Adam, lr 1e-3, batch 128) and, with --epoch, the test accuracy
#      after one epoch of Fashion-MNIST (the target: >= 85%);
#   3. PyTorch (Debian's python3-torch, /usr/bin/python3) training the same network, same
#      batch, optimiser and threads, with OpenBLAS's default kernels and with SkylakeX ones.
# Everything is compiled the way modak compiles a training binary: cc -O3 -ffp-contract=fast
# -march=native.
#
# usage: bench/kernels.sh [--epoch] [--threads N] [--steps N] [--seconds S]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads=$(nproc)
steps=60
seconds=0.5
epoch=0
while [ $# -gt 0 ]; do
    case "$1" in
    --epoch) epoch=1 ;;
    --threads) threads=$2; shift ;;
    --steps) steps=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    *) echo "usage: $0 [--epoch] [--threads N] [--steps N] [--seconds S]" >&2; exit 2 ;;
    esac
    shift
done
out=$(mktemp -d /tmp/modak-bench-kernels-XXXXXX)
trap 'rm -rf "$out"' EXIT
cc=${CC:-cc}
flags=(-std=gnu11 -O3 -ffp-contract=fast -march=native -Ikernels)
libs=(-lopenblas -lz -lpthread -lm)
"$cc" "${flags[@]}" kernels/*.c tests/kernels/bench_kernels.c -o "$out/bench_kernels" "${libs[@]}"
"$cc" "${flags[@]}" kernels/*.c tests/kernels/mnist_cnn.c -o "$out/mnist_cnn" "${libs[@]}"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $cc $($cc -dumpversion) -O3 -ffp-contract=fast -march=native"
echo
echo "== 1. convolutions vs OpenBLAS sgemm at the same GEMM shape ($threads threads)"
"$out/bench_kernels" "$threads" "$seconds"
echo
echo "== 2. mnist_cnn training, batch 128, Adam lr 1e-3, $threads threads"
fmnist=/usr/share/datasets/fashion-mnist
data=(--synthetic)
[ -f "$fmnist/train-images-idx3-ubyte.gz" ] && data=(--data "$fmnist")
"$out/mnist_cnn" info | grep -E "^(flops|memory|openblas):"
if [ "$epoch" = 1 ]; then
    /usr/bin/time -f "peak RSS %M KiB" "$out/mnist_cnn" train "${data[@]}" --epochs 1 --threads "$threads" 2>&1 |
        grep -E "images/s|^test:|^train:|peak RSS"
else
    /usr/bin/time -f "peak RSS %M KiB" "$out/mnist_cnn" train "${data[@]}" --max-steps "$steps" --threads "$threads" 2>&1 |
        grep -E "images/s|peak RSS"
fi
echo
echo "== 3. PyTorch, the same network and settings ($steps steps, synthetic tensors)"
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
    echo "PyTorch not installed (Debian package python3-torch): skipped"
    exit 0
fi
for core in default SkylakeX; do
    env_core=()
    [ "$core" = default ] || env_core=("OPENBLAS_CORETYPE=$core")
    env "${env_core[@]}" /usr/bin/time -f "peak RSS %M KiB" /usr/bin/python3 - "$threads" "$steps" "$core" <<'EOF' 2>&1
import sys, time, torch, torch.nn as nn
threads, steps, core = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(threads)
torch.manual_seed(1)
net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                    nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128),
                    nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()
x = torch.rand(128, 1, 28, 28)
y = torch.randint(0, 10, (128,))
def step():
    opt.zero_grad()
    loss = loss_fn(net(x), y)
    loss.backward()
    opt.step()
for _ in range(5):
    step()
t = time.perf_counter()
for _ in range(steps):
    step()
dt = time.perf_counter() - t
print(f"pytorch {torch.__version__} ({core} OpenBLAS kernels): {steps} steps, "
      f"{steps * 128 / dt:.1f} images/s")
EOF
done

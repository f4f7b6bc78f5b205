#!/usr/bin/env bash
# bench/train.sh — modak's training binaries against PyTorch, side by side, on this machine.
#
# For mnist_cnn (batch 128, Fashion-MNIST), resnet20 (batch 128, synthetic 3x32x32) and
# resnet50 (batch 8, synthetic 3x224x224) it trains a few steps with the same network, batch,
# optimiser (Adam, lr 1e-3), thread count and data through
#   - modak's optimised binary (`modak compile NET`), its --generic build, and
#   - PyTorch (Debian's python3-torch, /usr/bin/python3), once with OpenBLAS's own kernel
#     choice and once with OPENBLAS_CORETYPE=SkylakeX, keeping the faster,
# and prints steady-state training images/s (the first steps are warm-up), the ratios, and
# the peak RSS of every run (/usr/bin/time -v). Then, for the biggest convolution of each
# network, the GFLOP/s its forward reaches inside the training step (a --profile build)
# against OpenBLAS's sgemm on the same GEMM (k x n*p*q x c*r*s) with as many threads.
# Targets (issue 6): modak ahead of PyTorch everywhere and >= 1.5x on mnist_cnn; optimised
# >= 2x generic; convolutions >= 70% of sgemm; RSS below PyTorch's. Timings are only
# meaningful on a quiet machine: the script prints the load average it started with.
#
# usage: bench/train.sh [--threads N] [--quick] [--only NET] [--rounds R] [--accuracy]
#        (MODAK: the modak binary, default build/modak; --quick: fewer steps and 1 round;
#        --rounds: runs of each configuration, interleaved, best kept (3); --only: one
#        network; --accuracy: only the acceptance run: mnist_cnn, one epoch of Fashion-MNIST
#        with the binary's default optimiser, must reach 85% test accuracy)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads=2
quick=0
only=
accuracy=0
rounds=3
while (($#)); do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --only) only=$2; shift 2 ;;
    --accuracy) accuracy=1; shift ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/train.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
modak=${MODAK:-build/modak}
[[ -x $modak ]] || { echo "bench/train.sh: no modak binary at $modak (build first, or set MODAK)" >&2; exit 2; }
py=/usr/bin/python3
data=/usr/share/datasets/fashion-mnist
have_torch=1
$py -c 'import torch' 2>/dev/null || { have_torch=0; echo "note: $py has no torch (apt-get install python3-torch): PyTorch columns skipped"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MODAK_CACHE_DIR=${MODAK_CACHE_DIR:-$tmp/cache}

# name batch steps(modak) steps(torch) data
nets=("mnist_cnn 128 40 20 fashion" "resnet20 128 10 6 synthetic" "resnet50 8 6 4 synthetic")
if ((quick)); then nets=("mnist_cnn 128 12 6 fashion" "resnet20 128 4 3 synthetic" "resnet50 8 3 2 synthetic"); rounds=1; fi

if ((accuracy)); then
  [[ -r $data/train-images-idx3-ubyte.gz ]] || { echo "bench/train.sh: $data not installed" >&2; exit 2; }
  "$modak" compile mnist_cnn --batch 128 -o "$tmp/mnist_cnn" -q
  "$tmp/mnist_cnn" train --data "$data" --epochs 1 --threads "$threads" >"$tmp/epoch.out" 2>&1 || { cat "$tmp/epoch.out"; exit 1; }
  tr '\r' '\n' <"$tmp/epoch.out" | grep -E '^(mnist_cnn:|train:|test:)'
  acc=$(grep -o 'test: loss [0-9.]* accuracy [0-9.]*%' "$tmp/epoch.out" | grep -o '[0-9.]*%' | tr -d %)
  if awk -v a="$acc" 'BEGIN {exit !(a >= 85)}'; then echo "acceptance: $acc% >= 85%: pass"; exit 0; fi
  echo "acceptance: $acc% < 85%: FAIL"
  exit 1
fi

cat >"$tmp/torch_bench.py" <<'EOF'
# The same networks in PyTorch: mnist_cnn as Keras's example, resnet20 with option-A
# shortcuts (subsample + zero channels), resnet50 as torchvision's v1.5. Adam lr 1e-3, eps 1e-7.
import gzip, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
name, B, steps, threads, data = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.set_num_threads(threads)
torch.manual_seed(1)
def mnist_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, 10))
class Basic(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.c1, s.b1 = nn.Conv2d(i, o, 3, st, 1, bias=False), nn.BatchNorm2d(o)
        s.c2, s.b2 = nn.Conv2d(o, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o)
        s.pad = (o - i) // 2 if (st != 1 or i != o) else None
    def forward(s, x):
        y = s.b2(s.c2(F.relu(s.b1(s.c1(x)))))
        sc = x if s.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, s.pad, s.pad))
        return F.relu(y + sc)
class ResNet20(nn.Module):
    def __init__(s):
        super().__init__()
        s.c, s.b = nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        layers, i = [], 16
        for st, o in enumerate([16, 32, 64]):
            for b in range(3):
                layers.append(Basic(i, o, 2 if st > 0 and b == 0 else 1)); i = o
        s.layers, s.fc = nn.Sequential(*layers), nn.Linear(64, 10)
    def forward(s, x):
        return s.fc(s.layers(F.relu(s.b(s.c(x)))).mean((2, 3)))
class Bottleneck(nn.Module):
    def __init__(s, i, w, st):
        super().__init__(); o = w * 4
        s.c1, s.b1 = nn.Conv2d(i, w, 1, bias=False), nn.BatchNorm2d(w)
        s.c2, s.b2 = nn.Conv2d(w, w, 3, st, 1, bias=False), nn.BatchNorm2d(w)
        s.c3, s.b3 = nn.Conv2d(w, o, 1, bias=False), nn.BatchNorm2d(o)
        s.down = nn.Sequential(nn.Conv2d(i, o, 1, st, bias=False), nn.BatchNorm2d(o)) if (st != 1 or i != o) else None
    def forward(s, x):
        y = s.b3(s.c3(F.relu(s.b2(s.c2(F.relu(s.b1(s.c1(x))))))))
        return F.relu(y + (x if s.down is None else s.down(x)))
class ResNet50(nn.Module):
    def __init__(s):
        super().__init__()
        s.c, s.b = nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64)
        layers, i = [], 64
        for st, n in enumerate([3, 4, 6, 3]):
            for b in range(n):
                layers.append(Bottleneck(i, 64 << st, 2 if st > 0 and b == 0 else 1)); i = (64 << st) * 4
        s.layers, s.fc = nn.Sequential(*layers), nn.Linear(2048, 1000)
    def forward(s, x):
        return s.fc(s.layers(F.max_pool2d(F.relu(s.b(s.c(x))), 3, 2, 1)).mean((2, 3)))
net = {"mnist_cnn": mnist_cnn, "resnet20": ResNet20, "resnet50": ResNet50}[name]()
net.train()
shape = {"mnist_cnn": (1, 28, 28), "resnet20": (3, 32, 32), "resnet50": (3, 224, 224)}[name]
classes = 1000 if name == "resnet50" else 10
if data == "synthetic":
    g = torch.Generator().manual_seed(1)
    xs = [torch.rand(B, *shape, generator=g) for _ in range(4)]
    ys = [torch.randint(0, classes, (B,), generator=g) for _ in range(4)]
    batch = lambda i: (xs[i % 4], ys[i % 4])
else:
    with gzip.open(data + "/train-images-idx3-ubyte.gz") as f:
        X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(data + "/train-labels-idx1-ubyte.gz") as f:
        Y = np.frombuffer(f.read(), np.uint8, offset=8)
    perm = np.random.default_rng(1).permutation(len(Y))
    def batch(i):
        idx = perm[i * B:(i + 1) * B]
        return torch.from_numpy(X[idx].astype(np.float32) / 255.0), torch.from_numpy(Y[idx].astype(np.int64))
opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
def step(i):
    x, y = batch(i)
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return float(loss)
warm = 2
for i in range(warm):
    step(i)
t = time.perf_counter()
for i in range(warm, warm + steps):
    loss = step(i)
dt = time.perf_counter() - t
print(f"images_per_s {steps * B / dt:.2f} loss {loss:.4f}")
EOF

cat >"$tmp/sgemm.c" <<'EOF'
/* OpenBLAS's sgemm rate on C(m x n) = A(m x k) . B(k x n), row-major, best of a few runs. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv)
{
    int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
    float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n),
          *c = malloc(sizeof(float) * (size_t)m * n);
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)(i % 5) * 0.1f;
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double t = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (t < best) best = t;
    }
    printf("%.1f %s\n", 2.0 * m * n * (double)k / best / 1e9, openblas_get_corename());
    return 0;
}
EOF
${CC:-cc} -O2 $(pkg-config --cflags openblas 2>/dev/null) "$tmp/sgemm.c" -o "$tmp/sgemm" -lopenblas

best() { awk -v a="$1" -v b="$2" 'BEGIN {print (a + 0 >= b + 0) ? a : b}'; }
rss_mib() { awk '/Maximum resident set size/ {printf "%.0f", $NF / 1024}' "$1"; }

# steady images/s from the binary's metrics: the cumulative rate of step s is s*B/T_s, so the
# rate between step 2 and the last leaves the warm-up out
steady() { # steady METRICS BATCH
  grep '"images_per_s"' "$1" | grep '"step"' | awk -v B="$2" '
    { match($0, /"step": *[0-9]+/); s = substr($0, RSTART, RLENGTH); sub(/.*: */, "", s)
      match($0, /"images_per_s": *[0-9.eE+-]+/); r = substr($0, RSTART, RLENGTH); sub(/.*: */, "", r)
      T[s + 0] = (s * B) / r; last = s + 0 }
    END { k = last >= 4 ? 2 : 1; if (last > k) printf "%.1f", (last - k) * B / (T[last] - T[k]); else printf "%.1f", last * B / T[last] }'
}

run_modak() { # run_modak BIN BATCH STEPS DATA TAG [CORETYPE]
  local bin=$1 b=$2 steps=$3 d=$4 tag=$5 ct=${6:-} args
  if [[ $d == fashion ]]; then args=(--data "$data"); else args=(--synthetic); fi
  env ${ct:+OPENBLAS_CORETYPE=$ct} /usr/bin/time -v "$bin" train "${args[@]}" --batch "$b" --threads "$threads" --max-steps "$steps" \
    --metrics "$tmp/$tag.jsonl" >"$tmp/$tag.out" 2>"$tmp/$tag.time" || { cat "$tmp/$tag.out" "$tmp/$tag.time" >&2; return 1; }
  steady "$tmp/$tag.jsonl" "$b"
}

run_torch() { # run_torch NET BATCH STEPS DATA TAG CORETYPE
  local net=$1 b=$2 steps=$3 d=$4 tag=$5 ct=$6 dd=$data
  [[ $d == fashion ]] || dd=synthetic
  env ${ct:+OPENBLAS_CORETYPE=$ct} /usr/bin/time -v $py "$tmp/torch_bench.py" "$net" "$b" "$steps" "$threads" "$dd" \
    >"$tmp/$tag.out" 2>"$tmp/$tag.time" || { cat "$tmp/$tag.out" "$tmp/$tag.time" >&2; return 1; }
  awk '/images_per_s/ {print $2}' "$tmp/$tag.out"
}

echo "modak training benchmark: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $threads threads"
echo "modak $("$modak" version | awk '{print $2}'), $(${CC:-cc} --version | head -1)$( ((have_torch)) && echo ", PyTorch $($py -c 'import torch; print(torch.__version__)' 2>/dev/null)")"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
rows=()
convs=()
for spec in "${nets[@]}"; do
  read -r net b msteps tsteps d <<<"$spec"
  [[ -z $only || $only == "$net" ]] || continue
  if [[ $d == fashion && ! -r $data/train-images-idx3-ubyte.gz ]]; then
    echo "skip $net: $data not installed"
    continue
  fi
  "$modak" compile "$net" --batch "$b" -o "$tmp/$net" --emit-c "$tmp/$net.c" -q
  "$modak" compile "$net" --batch "$b" --generic -o "$tmp/$net-generic" -q
  "$modak" compile "$net" --batch "$b" --profile -o "$tmp/$net-profile" -q
  # rounds: every configuration once per round, interleaved, the best rate kept (the machine
  # is shared: the best of a few runs estimates what the code can do, not what the
  # neighbours left over); RSS is the largest seen
  opt=0 gen=0 unk=0 t_def=0 t_skx=0 opt_rss=0 gen_rss=0 r_def=0 r_skx=0
  for ((round = 0; round < rounds; round++)); do
    v=$(run_modak "$tmp/$net" "$b" "$msteps" "$d" "$net-opt"); opt=$(best "$opt" "$v")
    opt_rss=$(best "$opt_rss" "$(rss_mib "$tmp/$net-opt.time")")
    v=$(run_modak "$tmp/$net-generic" "$b" "$((msteps / 2 > 3 ? msteps / 2 : 3))" "$d" "$net-gen"); gen=$(best "$gen" "$v")
    gen_rss=$(best "$gen_rss" "$(rss_mib "$tmp/$net-gen.time")")
    # the generic build keeps OpenBLAS's own kernel choice, as a stock image does; on a CPU
    # newer than Debian's OpenBLAS 0.3.21 knows, that choice is its Prescott fallback
    v=$(run_modak "$tmp/$net-generic" "$b" "$((msteps / 4 > 2 ? msteps / 4 : 2))" "$d" "$net-unk" Prescott); unk=$(best "$unk" "$v")
    if ((have_torch)); then
      v=$(run_torch "$net" "$b" "$tsteps" "$d" "$net-torch" ""); t_def=$(best "$t_def" "$v")
      r_def=$(best "$r_def" "$(rss_mib "$tmp/$net-torch.time")")
      v=$(run_torch "$net" "$b" "$tsteps" "$d" "$net-torch-skx" SkylakeX); t_skx=$(best "$t_skx" "$v")
      r_skx=$(best "$r_skx" "$(rss_mib "$tmp/$net-torch-skx.time")")
    fi
  done
  t_best=- t_rss=-
  if ((have_torch)); then
    if awk -v a="$t_def" -v b="$t_skx" 'BEGIN {exit !(a >= b)}'; then t_best=$t_def t_rss=$r_def; else t_best=$t_skx t_rss=$r_skx; fi
  else
    t_def=- t_skx=-
  fi
  rows+=("$net $b $opt $gen $t_def $t_skx $t_best $opt_rss $gen_rss $t_rss $unk")
  # the biggest convolution: its shape from the program, its rate from the profile build
  read -r cname n c h w k r s sh sw p q <<<"$(awk '
    function v(key,   m) { if (match($0, "\\." key " = [0-9]+")) { m = substr($0, RSTART, RLENGTH); sub(/.*= /, "", m); return m + 0 } return 0 }
    /\.algo = KERN_CONV/ {
      name = $0; sub(/.*\/\* /, "", name); sub(/ \*\/.*/, "", name)
      f = v("k") * v("p") * v("q") * v("c") * v("r") * v("s")
      if (f > best) { best = f; out = name " " v("n") " " v("c") " " v("h") " " v("w") " " v("k") " " v("r") " " v("s") " " v("stride_h") " " v("stride_w") " " v("p") " " v("q") } }
    END { print out }' "$tmp/$net.c")"
  conv_rate=0
  for ((round = 0; round < rounds; round++)); do
    run_modak "$tmp/$net-profile" "$b" "$((msteps / 2 > 3 ? msteps / 2 : 3))" "$d" "$net-prof" >/dev/null
    conv_rate=$(best "$conv_rate" "$(awk -v nm="$cname" '$1 == nm && $2 == "conv2d" {print $5}' "$tmp/$net-prof.time")")
  done
  read -r gemm core <<<"$(OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=$threads "$tmp/sgemm" "$k" "$((n * p * q))" "$((c * r * s))")"
  convs+=("$net $cname ${c}x${h}x${w}->${k}x${p}x${q},${r}x${s}/${sh} ${conv_rate:-?} $gemm $core $k $((n * p * q)) $((c * r * s))")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0 && a + 0 > 0) printf "%.2fx", a / b; else printf "-"}'; }
echo "training images/s (steady state, best of $rounds interleaved runs; PyTorch: OpenBLAS default / SkylakeX, best kept)"
printf "%-10s %5s %11s %11s %9s %20s %9s %9s\n" network batch modak generic opt/gen "pytorch def/skx" "best" modak/pt
for row in "${rows[@]}"; do
  read -r net b opt gen tdef tskx tbest orss grss trss unk <<<"$row"
  printf "%-10s %5s %11s %11s %9s %20s %9s %9s\n" "$net" "$b" "$opt" "$gen" "$(ratio "$opt" "$gen")" "$tdef / $tskx" "$tbest" "$(ratio "$opt" "$tbest")"
done
echo
echo "the generic build on a CPU its OpenBLAS does not know (OPENBLAS_CORETYPE=Prescott, the"
echo "fallback of Debian's OpenBLAS 0.3.21; the optimised binary picks its core from CPUID)"
printf "%-10s %11s %11s %9s\n" network modak generic opt/gen
for row in "${rows[@]}"; do
  read -r net b opt gen tdef tskx tbest orss grss trss unk <<<"$row"
  printf "%-10s %11s %11s %9s\n" "$net" "$opt" "$unk" "$(ratio "$opt" "$unk")"
done
echo
echo "peak RSS (MiB)"
printf "%-10s %9s %9s %9s %12s\n" network modak generic pytorch modak/pytorch
for row in "${rows[@]}"; do
  read -r net b opt gen tdef tskx tbest orss grss trss unk <<<"$row"
  printf "%-10s %9s %9s %9s %12s\n" "$net" "$orss" "$grss" "$trss" "$(ratio "$orss" "$trss")"
done
echo
echo "biggest convolution, forward inside the training step ($threads threads) vs OpenBLAS sgemm on the same GEMM ($threads threads)"
printf "%-10s %-22s %-28s %10s %12s %8s\n" network layer shape GFLOP/s "sgemm GF/s" share
for row in "${convs[@]}"; do
  read -r net cname shape rate gemm core m nn kk <<<"$row"
  printf "%-10s %-22s %-28s %10s %12s %8s\n" "$net" "$cname" "$shape" "$rate" "$gemm" \
    "$(awk -v a="$rate" -v b="$gemm" 'BEGIN {if (b > 0 && a + 0 > 0) printf "%.0f%%", 100 * a / b; else print "-"}')"
  echo "           (sgemm ${m} x ${nn} x ${kk}, OpenBLAS core $core)"
done
read -r peak core <<<"$(OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=$threads "$tmp/sgemm" 2048 2048 2048)"
echo "           (for scale: sgemm 2048 x 2048 x 2048 reaches $peak GFLOP/s on $threads threads, core $core)"
echo
echo "targets: modak >= 1.5x PyTorch on mnist_cnn and ahead on all; optimised >= 2x generic;"
echo "         convolution >= 70% of sgemm; peak RSS below PyTorch's"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

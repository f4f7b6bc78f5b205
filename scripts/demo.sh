#!/usr/bin/env bash
# The README's first command: installs what is missing, builds modak into build/, and runs
# its main job on the bundled example: modak optimise, which writes out/fashion-mnist-slurm/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODAK_WERROR=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "+ build/modak validate examples/"
build/modak validate examples/
echo "+ build/modak optimise examples/fashion-mnist-slurm.yaml -o out"
build/modak optimise examples/fashion-mnist-slurm.yaml -o out
echo "+ ls out/fashion-mnist-slurm"
ls out/fashion-mnist-slurm

#!/usr/bin/env bash
# The README's first command: installs what is missing, builds modak into build/, and runs
# its main job on the bundled example.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "+ build/modak validate examples/"
build/modak validate examples/

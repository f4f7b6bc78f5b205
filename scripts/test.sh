#!/usr/bin/env bash
# The README's second command (and CI's): installs what is missing, builds modak twice —
# a warning-free (-Werror) build in build-test/ and an AddressSanitizer/UBSan build in
# build-asan/ — and runs the whole test suite in both. (build/ is the demo's.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/deps.sh test
jobs=$(nproc)
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODAK_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs"
(cd build-test && ctest --output-on-failure -j"$jobs")
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMODAK_SANITIZE=ON -DMODAK_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j"$jobs" -LE nosan)

# shellcheck shell=bash disable=SC2034  # sourced: the variables are the tests'
# emit_common.sh — the opening the emitter integration tests (test_emit_ansible.sh,
# test_emit_container.sh) share: their paths, emit_plan, die, and a check that the tools
# they drive are installed. Sourced, after `set -euo pipefail`; needs MODAK_BUILD_DIR.
: "${MODAK_BUILD_DIR:?set MODAK_BUILD_DIR to the build directory}"
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
src=$(cd "$here/../.." && pwd)
emit_plan=$MODAK_BUILD_DIR/tests/generator/emit_plan
py=/usr/bin/python3
t0=$SECONDS

die() { echo "FAIL: $*" >&2; exit 1; }

# need_tools TOOL...: each on PATH, and emit_plan built, or the test fails with how to fix it
need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool not found: run bash scripts/deps.sh test"
  done
  [ -x "$emit_plan" ] || die "$emit_plan not built"
}

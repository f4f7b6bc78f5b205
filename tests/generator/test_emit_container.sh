#!/usr/bin/env bash
# test_emit_container — the Dockerfiles and Singularity definition files the emitters write
# pass the real tools, and the images really build and run.
#
# Plans (tests/generator/emit_plans.py): a normal one (two nodes with a binary), a framework
# image one (no binary, XLA settings, a docker-daemon reference) and a hostile one (quotes,
# $(...), backticks, {{ }}, {% %}, newlines, ../, YAML tags, U+2028, a 400 KB reason), each
# written by emit_plan (the emitters) into its own directory. For every node:
#   - dockerfile-utils lint (npm package, installed under the build directory) says nothing;
#   - tests/tools/def-check.sh: Singularity header, sections, %files sources present in the
#     build context, %labels, and shellcheck of every script section: no findings;
#   - podman builds the image from a local base image (tests/tools/podman-base.sh: busybox
#     and this machine's OpenBLAS runtime) with no network, and runs it: the default
#     command reaches the binary (a stand-in that prints its argv and environment) as
#     exactly the words of the plan's training arguments (Python's shlex.split as the
#     oracle), with the decision's thread counts and OpenBLAS core type; the labels read
#     back from the image are the plan's values (blanked and cut as documented);
#   - the Singularity %environment and %runscript, run by sh inside the same image, give the
#     same words and environment as the Dockerfile's ENTRYPOINT/CMD/ENV;
#   - no injection in the hostile plan created its file, and nothing was written outside
#     the output directories.
# Podman runs with its own storage, configuration and runtime directories under the test's
# temporary directory (runc, explicit ulimits, no network: what works on Debian 12 as root);
# it touches no other image store. Skips (77) only when this machine refuses containers
# (not root, or no user/mount namespaces for podman).
set -euo pipefail
# shellcheck source=tests/generator/emit_common.sh
. "$(dirname "$0")/emit_common.sh"
need_tools podman runc shellcheck npm "$py"
[ -x /bin/busybox ] || die "/bin/busybox not found: run bash scripts/deps.sh test (busybox-static)"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: podman's image builds here need root (uid $(id -u))"; exit 77; }

tmp=$(mktemp -d /tmp/modak-emit-container.XXXXXX)
chmod 0755 "$tmp"
pm() { podman --root "$tmp/storage" --runroot "$tmp/run" --storage-driver overlay "$@"; }
cleanup() {
  pm rmi -a -f >/dev/null 2>&1 || true
  rm -rf "$tmp" 2>/dev/null || { sleep 1; rm -rf "$tmp" || true; }
}
trap cleanup EXIT
cat >"$tmp/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"

[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF=$tmp/containers.conf XDG_RUNTIME_DIR=$tmp/xdg
mkdir -p "$XDG_RUNTIME_DIR"

failures=0
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# dockerfile-utils, installed once per build directory
du_dir=$MODAK_BUILD_DIR/npm-cache/dockerfile-utils
du=$du_dir/node_modules/.bin/dockerfile-utils
if [ ! -x "$du" ]; then
  mkdir -p "$du_dir"
  if ! npm install --silent --no-audit --no-fund --prefix "$du_dir" dockerfile-utils >"$tmp/npm.log" 2>&1; then
    cat "$tmp/npm.log" >&2
    echo "SKIP: the npm registry refused dockerfile-utils (see above)"
    exit 77
  fi
fi

# the plans and their artefacts
mkdir -p "$tmp/plans" "$tmp/out"
"$py" "$here/emit_plans.py" "$tmp/plans" "$here/emit_standin_train.sh" localhost/modak-test-base:1 "$tmp/pwned"
for plan in normal framework hostile; do
  "$emit_plan" "$tmp/plans/$plan.json" "$tmp/out/$plan" || die "emit_plan refused the $plan plan"
done
[ "$(ls "$tmp/out")" = "$(printf 'framework\nhostile\nnormal')" ] || bad "something was written beside the output directories: $(ls "$tmp/out")"

# the base image (also proves podman works here)
if ! pm info >"$tmp/podman-info.log" 2>&1; then
  if grep -qiE 'operation not permitted|user namespaces|permission denied' "$tmp/podman-info.log"; then
    cat "$tmp/podman-info.log" >&2
    echo "SKIP: this machine refuses podman (see above)"
    exit 77
  fi
  cat "$tmp/podman-info.log" >&2
  die "podman does not work"
fi
# podman-base.sh takes the storage from CONTAINERS_STORAGE_CONF
cat >"$tmp/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$tmp/storage"
runroot = "$tmp/run"
CONF
CONTAINERS_STORAGE_CONF=$tmp/storage.conf bash "$src/tests/tools/podman-base.sh" localhost/modak-test-base:1
pm image exists localhost/modak-test-base:1 || die "the base image is not in the test's storage"

# Compares NUL-separated output (argv, then --env--, then the environment) with the plan.
check_run() { # NODE FILE WHAT
  "$py" - "$tmp/plans/expect.json" "$1" "$2" "$3" <<'PY' || return 1
import json, sys
expect, node, path, what = json.load(open(sys.argv[1]))[sys.argv[2]], sys.argv[2], sys.argv[3], sys.argv[4]
items = open(path, "rb").read().decode().split("\0")
if "--env--" not in items:
    sys.exit(f"{node} ({what}): no output from the binary: {items[:3]!r}")
k = items.index("--env--")
argv, env = items[:k], items[k + 1:k + 4]
if argv != expect["words"]:
    sys.exit(f"{node} ({what}): argv {argv!r}\n  wanted {expect['words']!r}")
if env != expect["env"]:
    sys.exit(f"{node} ({what}): environment {env!r}, wanted {expect['env']!r}")
PY
}

lint_out=$("$du" lint "$tmp"/out/*/containers/*/Dockerfile 2>&1) || bad "dockerfile-utils failed"
[ -z "$lint_out" ] || bad "dockerfile-utils lint: $lint_out"
for df in "$tmp"/out/*/containers/*/Dockerfile; do
  lint_out=$("$du" lint "$df" 2>&1) || bad "dockerfile-utils failed on $df"
  [ -z "$lint_out" ] || bad "dockerfile-utils lint $df: $lint_out"
done

built=0
for dir in "$tmp"/out/*/containers/*/; do
  node=$(basename "$dir")
  out=$(dirname "$(dirname "$dir")")
  ctx=$tmp/ctx/$node
  mkdir -p "$ctx"
  cp "$dir/Dockerfile" "$dir/Singularity.def" "$ctx/"
  [ -f "$out/bin/$node-train" ] && cp "$out/bin/$node-train" "$ctx/"
  bash "$src/tests/tools/def-check.sh" --context "$ctx" "$ctx/Singularity.def" || bad "def-check $node"

  tag=localhost/modak-emit-test-$(printf '%s' "$node" | tr -c 'a-z0-9' '-'):1
  if ! pm build --quiet --network=none --pull=never -t "$tag" "$ctx" >"$tmp/build-$node.log" 2>&1; then
    cat "$tmp/build-$node.log" >&2
    bad "podman build $node"
    continue
  fi
  built=$((built + 1))
  # the labels
  pm image inspect --format '{{json .Labels}}' "$tag" >"$tmp/labels-$node.json"
  "$py" - "$tmp/plans/expect.json" "$node" "$tmp/labels-$node.json" <<'PY' || bad "labels of $node"
import json, sys
want = json.load(open(sys.argv[1]))[sys.argv[2]]["labels"]
got = json.load(open(sys.argv[3]))
for k, v in want.items():
    g = got.get(k)
    if g != v:
        at = next((i for i, (a, b) in enumerate(zip(g or "", v)) if a != b), min(len(g or ""), len(v)))
        sys.exit(f"{sys.argv[2]}: label {k} differs at {at}: {(g or '')[at - 20:at + 40]!r}\n"
                 f"  wanted {v[at - 20:at + 40]!r}")
PY
  def_env=$tmp/env-$node.sh def_run=$tmp/run-$node.sh
  bash "$src/tests/tools/def-check.sh" --section environment "$ctx/Singularity.def" >"$def_env"
  if [ -f "$ctx/$node-train" ]; then
    # the default command, as Docker runs it
    pm run --rm --network=none --pull=never "$tag" >"$tmp/cmd-$node.out" 2>"$tmp/cmd-$node.err" ||
      { cat "$tmp/cmd-$node.err" >&2; bad "podman run $node"; }
    check_run "$node" "$tmp/cmd-$node.out" "Dockerfile ENTRYPOINT/CMD" || bad "$node: the default command"
    # the Singularity way: %environment sourced, then %runscript with no arguments
    bash "$src/tests/tools/def-check.sh" --section runscript "$ctx/Singularity.def" >"$def_run" ||
      bad "$node: no %runscript"
    pm run --rm --network=none --pull=never -v "$tmp:/t:ro" --entrypoint /bin/sh "$tag" \
      -c "env -i /bin/sh -c '. /t/env-$node.sh && exec /bin/sh /t/run-$node.sh'" \
      >"$tmp/def-$node.out" 2>"$tmp/def-$node.err" || { cat "$tmp/def-$node.err" >&2; bad "runscript $node"; }
    check_run "$node" "$tmp/def-$node.out" "Singularity %environment + %runscript" || bad "$node: the runscript"
  else
    # a framework image: its settings, from ENV and from %environment
    # shellcheck disable=SC2016 # expanded by the image's shell
    probe='printf "%s\0" --env-- "${OPENBLAS_CORETYPE-}" "${OMP_NUM_THREADS-}" "${OPENBLAS_NUM_THREADS-}" "${TF_XLA_FLAGS-}"'
    pm run --rm --network=none --pull=never "$tag" /bin/sh -c "$probe" >"$tmp/cmd-$node.out" ||
      bad "podman run $node"
    check_run "$node" "$tmp/cmd-$node.out" "Dockerfile ENV" || bad "$node: ENV"
    pm run --rm --network=none --pull=never -v "$tmp:/t:ro" "$tag" \
      /bin/sh -c "env -i /bin/sh -c '. /t/env-$node.sh && $probe'" >"$tmp/def-$node.out" ||
      bad "podman run $node (%environment)"
    check_run "$node" "$tmp/def-$node.out" "Singularity %environment" || bad "$node: %environment"
    grep -qz -- '--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit' "$tmp/cmd-$node.out" || bad "$node: no XLA flags"
    grep -qz -- '--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit' "$tmp/def-$node.out" || bad "$node: no XLA flags in %environment"
  fi
done
[ "$built" -eq 5 ] || bad "built $built images, wanted 5"

# the injections stayed text
if compgen -G "$tmp/pwned*" >/dev/null; then bad "an injection ran: $(ls "$tmp"/pwned*)"; fi

echo "test_emit_container: $built images built and run, $((SECONDS - t0)) s"
[ "$failures" -eq 0 ] || { echo "FAIL: $failures check(s) failed" >&2; exit 1; }
echo "PASS"

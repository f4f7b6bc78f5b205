#!/usr/bin/env bash
# test_emit_ansible — the playbooks the emitters write pass Ansible's checks and really
# deploy: against localhost, into a one-node Slurm the test starts itself.
#
# Plans (tests/generator/emit_plans.py): normal (a Slurm node whose job runs the image the
# playbook builds, a Torque node (qsub/qstat: Slurm's Torque wrappers) and a node without a
# scheduler), framework (a pulled Singularity image)
# and hostile (quotes, $(...), backticks, {{ }}, {% %}, newlines, ../, YAML tags, U+2028 and
# a 400 KB value in every field that reaches Ansible, the workspace included), each written
# by emit_plan (the emitters). Checks:
#   - ansible-playbook --syntax-check of deploy.yml and undeploy.yml of every plan;
#   - ansible-lint --offline --profile production --strict on every playbook, task and vars
#     file: no findings, and every file was linted;
#   - Ansible's own loader reads every blueprint value of the vars files back as the plan's
#     string, marked unsafe (never templated);
#   - a real `ansible-playbook -i localhost, -c local deploy.yml` of the normal plan: stages
#     the binary, the job script and the data, builds the image with podman, submits to Slurm
#     (tests/tools/slurm-local.sh) with sbatch and qsub, runs the third node with bash,
#     waits, fetches the metrics back (the sbatch job wrote them from inside the built
#     image); set_stats reports the job; then undeploy.yml removes what deploy staged and
#     the images;
#   - the same real run of the hostile plan: it completes, the files land in the literal
#     workspace path, the job script arrives byte for byte, and none of the injections
#     (each would create a file $tmp/pwned<n>) ran.
# The training binary is a stand-in (emit_standin_train.sh) that writes one JSON line of
# metrics. To run the same deployment with a real one: MODAK_TEST_TRAIN_BINARY=PATH,
# MODAK_TEST_TRAIN_DATA=DIR (the data staged as each node's dataset, e.g. IDX files) and
# MODAK_TEST_TRAIN_ARGS (more arguments, e.g. "--max-steps 20"); the metrics are then
# checked to be JSON lines with a loss.
# Skips (77) only when this machine refuses the Slurm daemons or containers.
set -euo pipefail
# shellcheck source=tests/generator/emit_common.sh
. "$(dirname "$0")/emit_common.sh"
need_tools ansible-playbook ansible-lint sbatch qsub scontrol slurmd slurmctld munged podman runc "$py"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the Slurm daemons and podman builds need root (uid $(id -u))"; exit 77; }

tmp=$(mktemp -d /tmp/modak-emit-ansible.XXXXXX)
chmod 0755 "$tmp"
slurm=$tmp/slurm
pm() { podman --root "$tmp/storage" --runroot "$tmp/run" --storage-driver overlay "$@"; }
cleanup() {
  bash "$src/tests/tools/slurm-local.sh" stop "$slurm" || true
  pm rmi -a -f >/dev/null 2>&1 || true
  rm -rf "$tmp" 2>/dev/null || { sleep 1; rm -rf "$tmp" || true; }
}
trap cleanup EXIT

failures=0
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
phase() { echo "--- $1 ($((SECONDS - t0)) s)"; }

# Ansible keeps its files under the test's directory
export ANSIBLE_HOME=$tmp/ansible ANSIBLE_LOCAL_TEMP=$tmp/ansible/tmp ANSIBLE_REMOTE_TEMP=$tmp/ansible/rtmp
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_SHOW_CUSTOM_STATS=1 ANSIBLE_RETRY_FILES_ENABLED=0
export ANSIBLE_HOST_KEY_CHECKING=0 ANSIBLE_PYTHON_INTERPRETER=$py ANSIBLE_CONFIG=$tmp/ansible.cfg
printf '[defaults]\n' >"$ANSIBLE_CONFIG" # none of the machine's or the user's settings

phase "plans and artefacts"
mkdir -p "$tmp/plans" "$tmp/out" "$tmp/data"
binary=${MODAK_TEST_TRAIN_BINARY:-$here/emit_standin_train.sh}
standin=$([ -z "${MODAK_TEST_TRAIN_BINARY:-}" ] && echo 1 || echo 0)
"$py" "$here/emit_plans.py" "$tmp/plans" "$binary" localhost/modak-test-base:1 "$tmp/pwned"
for plan in normal framework hostile; do
  "$emit_plan" "$tmp/plans/$plan.json" "$tmp/out/$plan" || die "emit_plan refused the $plan plan"
done
[ "$(ls "$tmp/out")" = "$(printf 'framework\nhostile\nnormal')" ] || bad "something was written beside the output directories: $(ls "$tmp/out")"
if [ -n "${MODAK_TEST_TRAIN_DATA:-}" ]; then
  cp -r "$MODAK_TEST_TRAIN_DATA"/. "$tmp/data/"
else
  printf 'IDX stand-in\n' >"$tmp/data/train-images-idx3-ubyte"
fi

phase "syntax-check"
for plan in normal framework hostile; do
  for book in deploy undeploy; do
    (cd "$tmp/out/$plan/playbooks" && ansible-playbook -i localhost, --syntax-check "$book.yml" >"$tmp/syntax.log" 2>&1) ||
      { cat "$tmp/syntax.log" >&2; bad "syntax-check $plan/$book.yml"; }
  done
done

phase "ansible-lint (production profile)"
mapfile -t lintables < <(cd "$tmp/out" && find . -path '*/playbooks/*' -name '*.yml' | sort)
[ "${#lintables[@]}" -eq 17 ] || bad "expected 17 playbook files, found ${#lintables[@]}"
if (cd "$tmp/out" && ansible-lint --offline --profile production --strict -p --nocolor "${lintables[@]}") >"$tmp/lint.log" 2>&1 &&
  grep -q "Passed with production profile: 0 failure(s), 0 warning(s) on ${#lintables[@]} files" "$tmp/lint.log"; then
  :
else
  cat "$tmp/lint.log" >&2
  bad "ansible-lint"
fi

phase "the vars files through Ansible's loader"
"$py" - "$tmp/plans" "$tmp/out" <<'PY' || bad "vars files"
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.utils.unsafe_proxy import AnsibleUnsafe
plans, out = sys.argv[1], sys.argv[2]
fields = {"modak_node": "name", "modak_job_node": "job_node", "modak_scheduler": "scheduler",
          "modak_runtime": "runtime", "modak_workspace": "workspace", "modak_dataset": "dataset",
          "modak_network": "network", "modak_train_args": "train_args"}
dfields = ["image", "graph_compiler", "target", "openblas_coretype", "reason"]
checked = 0
for plan in ("normal", "framework", "hostile"):
    p = json.load(open(f"{plans}/{plan}.json"))
    for n in p["nodes"]:
        v = DataLoader().load_from_file(f"{out}/{plan}/playbooks/vars/{n['name']}.yml")
        pairs = [(v[k], n[f] or "", k) for k, f in fields.items()]
        pairs += [(v["modak_decision"][k], n["decision"][k] or "", k) for k in dfields]
        pairs.append((v["modak_blueprint"], p["blueprint"], "modak_blueprint"))
        for got, want, key in pairs:
            if not isinstance(got, AnsibleUnsafe):
                sys.exit(f"{plan}/{n['name']}: {key} is not marked unsafe")
            if got != want:
                sys.exit(f"{plan}/{n['name']}: {key} is {got!r:.200}, wanted {want!r:.200}")
            checked += 1
print(f"{checked} values read back unsafe and equal")
PY

phase "one-node Slurm"
set +e
bash "$src/tests/tools/slurm-local.sh" start "$slurm"
rc=$?
set -e
if [ "$rc" -eq 77 ]; then echo "SKIP: the one-node Slurm could not start here (see above)"; exit 77; fi
[ "$rc" -eq 0 ] || die "the one-node Slurm did not start"
export SLURM_CONF=$slurm/slurm.conf

phase "podman and the base image"
cat >"$tmp/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"

[engine]
runtime = "runc"
CONF
cat >"$tmp/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$tmp/storage"
runroot = "$tmp/run"
CONF
# the playbook's podman commands and the Slurm job's find the test's storage through these
export CONTAINERS_CONF=$tmp/containers.conf CONTAINERS_STORAGE_CONF=$tmp/storage.conf XDG_RUNTIME_DIR=$tmp/xdg
mkdir -p "$XDG_RUNTIME_DIR"
if ! pm info >"$tmp/podman-info.log" 2>&1; then
  cat "$tmp/podman-info.log" >&2
  if grep -qiE 'operation not permitted|user namespaces|permission denied' "$tmp/podman-info.log"; then
    echo "SKIP: this machine refuses podman (see above)"; exit 77
  fi
  die "podman does not work"
fi
bash "$src/tests/tools/podman-base.sh" localhost/modak-test-base:1
pm image exists localhost/modak-test-base:1 || die "the base image is not in the test's storage"

# deploy.yml of PLAN with the test's settings; the output in $tmp/PLAN-TAG.log
run_book() { # PLAN BOOK TAG EXTRA_JSON [ANSIBLE-PLAYBOOK OPTIONS]
  local plan=$1 book=$2 tag=$3 extra=$4
  shift 4
  (cd "$tmp/out/$plan/playbooks" &&
    ansible-playbook -i localhost, -c local "$book.yml" -e "$extra" "$@") >"$tmp/$plan-$tag.log" 2>&1
}
# the CUSTOM STATS line of a run, as JSON
stats() { sed -n 's/^[[:space:]]*RUN: //p' "$1"; }
settings() { # DATASET_SRC
  printf '{"modak_container_engine": "podman", "modak_container_build_args": ["--network=none", "--pull=never"],
    "modak_monitor_period": 1, "modak_monitor_retries": 300, "modak_dataset_src": "%s"}' "$1"
}

phase "deploy: normal plan"
if run_book normal deploy deploy "$(settings "$tmp/data")"; then
  out=$tmp/out/normal ws=$tmp/plans/ws
  for node in mnist mnist.pbs mnist.bash; do
    m=$out/metrics/$node.jsonl
    # mnist's job ran the binary in the image, whose ENV sets the threads
    threads=
    if [ "$node" = mnist ]; then threads=2; fi
    if [ -f "$m" ]; then
      "$py" -c 'import json,sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert lines and all("loss" in d for d in lines), lines
if sys.argv[3] == "1":  # the stand-in: exactly its line
    assert lines[0]["loss"] == 0.4321 and lines[0]["threads"] == sys.argv[2], lines[0]' "$m" "$threads" "$standin" ||
        bad "$node: the fetched metrics are not the run's"
    else
      bad "$node: no metrics fetched to $m"
    fi
    cmp -s "$out/bin/$node-train" "$ws/$node/$node-train" || bad "$node: the binary was not staged"
    cmp -s "$out/jobs/$node.sh" "$ws/$node/$node.sh" || bad "$node: the job script was not staged"
    diff -r "$tmp/data" "$ws/$node/data" >/dev/null || bad "$node: the data was not staged"
    tag=$(sed -n 's/^modak_image_tag: !unsafe "\(.*\)"$/\1/p' "$out/playbooks/vars/$node.yml")
    pm image exists "localhost/$tag" || bad "$node: the image $tag was not built"
  done
  # Slurm ran the mnist job (sbatch) and the mnist.pbs job (qsub, Slurm's Torque wrappers)
  # to completion; the batch node ran without a scheduler
  job=$(scontrol show job -o 2>/dev/null | grep -E 'JobName=mnist ' || true)
  [[ $job =~ JobState=COMPLETED ]] || bad "the Slurm job did not complete: ${job:-no job}"
  job_id=$(sed -n 's/^JobId=\([0-9]*\) .*/\1/p' <<<"$job")
  pbs_job=$(scontrol show job -o 2>/dev/null | grep -E 'JobName=mnist\.pbs(\.sh)? ' || true)
  [[ $pbs_job =~ JobState=COMPLETED ]] || bad "the qsub job did not complete: ${pbs_job:-no job}"
  # set_stats: the attributes of the last play (the batch node)
  stats "$tmp/normal-deploy.log" | "$py" -c 'import json,sys; s=json.load(sys.stdin); assert s["job_state"] == "COMPLETED" and s["job_id"] == "local" and s["metrics"].endswith("/metrics/mnist.bash.jsonl"), s' ||
    bad "set_stats of the normal run: $(stats "$tmp/normal-deploy.log")"
else
  tail -40 "$tmp/normal-deploy.log" >&2
  bad "deploy.yml of the normal plan failed"
  job_id=
fi

phase "undeploy: normal plan"
if run_book normal undeploy undeploy "{\"modak_job_id\": \"${job_id:-}\", \"modak_container_engine\": \"podman\"}"; then
  for node in mnist mnist.pbs mnist.bash; do
    for f in "$node-train" "$node.sh" "$node.image" "$node-metrics.jsonl"; do
      [ ! -e "$tmp/plans/ws/$node/$f" ] || bad "undeploy left $node/$f"
    done
    [ -d "$tmp/plans/ws/$node/data" ] || bad "undeploy removed the data of $node"
  done
  if pm image exists localhost/modak-mnist; then bad "undeploy left the image modak-mnist"; fi
else
  tail -40 "$tmp/normal-undeploy.log" >&2
  bad "undeploy.yml of the normal plan failed"
fi

phase "deploy: a failing job fails the deployment"
# the image is gone now: mnist's job (podman run of it) fails, and deploy must say so
if run_book normal deploy failing '{"modak_container_action": "none", "modak_monitor_period": 1}' --tags mnist; then
  bad "deploy.yml succeeded although the job failed"
elif ! grep -q "ended FAILED" "$tmp/normal-failing.log"; then
  tail -20 "$tmp/normal-failing.log" >&2
  bad "deploy.yml failed, but not because the job failed"
fi

phase "deploy: hostile plan"
if run_book hostile deploy deploy "$(settings "$tmp/data")"; then
  out=$tmp/out/hostile
  # where the workspace is: its literal path, with ~ and $VAR expanded as Ansible's path
  # arguments do (os.path.expandvars, the function Ansible calls) and nothing else
  ws=$("$py" -c 'import json,os,sys; print(os.path.expandvars(json.load(open(sys.argv[1]))["nodes"][0]["workspace"]), end="")' "$tmp/plans/hostile.json")
  # shellcheck disable=SC2016 # the literal text of the value
  [[ $ws == *'$(touch '*'`touch '*"{{ lookup('pipe'"* ]] || bad "the expected workspace lost its literal parts: $ws"
  [ -d "$ws" ] || bad "the hostile workspace is not where its literal path says: $ws"
  cmp -s "$out/bin/h.o-s_t-train" "$ws/h.o-s_t-train" || bad "hostile: the binary was not staged in the literal workspace"
  cmp -s "$out/jobs/h.o-s_t.sh" "$ws/h.o-s_t.sh" || bad "hostile: the job script changed on its way"
  grep -qF "lookup('pipe','touch $tmp/pwned4')" "$ws/h.o-s_t.sh" || bad "hostile: the job script lost its {{ }} text"
  [ -f "$out/metrics/h.o-s_t.jsonl" ] || bad "hostile: no metrics fetched"
  stats "$tmp/hostile-deploy.log" | "$py" -c 'import json,sys; s=json.load(sys.stdin); assert s["job_state"] == "COMPLETED" and s["job_id"].isdigit(), s' ||
    bad "set_stats of the hostile run: $(stats "$tmp/hostile-deploy.log")"
else
  tail -60 "$tmp/hostile-deploy.log" >&2
  bad "deploy.yml of the hostile plan failed"
fi
if compgen -G "$tmp/pwned*" >/dev/null; then bad "an injection ran: $(ls "$tmp"/pwned*)"; fi
# nothing beside the output directories, the plans, the data and the tools' own directories
for f in "$tmp"/*; do
  [[ ${f#"$tmp"/} =~ ^(out|plans|data|slurm|storage|run|xdg|ansible|ansible\.cfg|containers\.conf|storage\.conf|[a-z-]+\.log)$ ]] ||
    bad "a file outside the output directory: $f"
done

echo "test_emit_ansible: $((SECONDS - t0)) s"
[ "$failures" -eq 0 ] || { echo "FAIL: $failures check(s) failed" >&2; exit 1; }
echo "PASS"

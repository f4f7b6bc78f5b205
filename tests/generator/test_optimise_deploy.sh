#!/usr/bin/env bash
# test_optimise_deploy — modak's main job end to end, with the real tools: `modak optimise`
# on a blueprint that trains the MNIST CNN on a Fashion-MNIST slice; the annotated
# blueprint passes modak validate and OpenStack tosca-parser; the job script passes
# shellcheck; the playbooks pass ansible-playbook --syntax-check and ansible-lint
# (production profile); then deploy.yml really runs against localhost: it stages the
# compiled binary, submits the job to a one-node Slurm this test starts, waits for it and
# brings back the metrics of the training run, whose loss must fall. Singularity is not in
# Debian 12: a stand-in on PATH runs the command it is given (the image is the deployment's
# business, tested by test_emit_*). Skips (77) only where this machine refuses the daemons.
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
src=${MODAK_SOURCE_DIR:-$(pwd)}
py=/usr/bin/python3
data_src=/usr/share/datasets/fashion-mnist
die() { echo "FAIL: $*" >&2; exit 1; }
for tool in ansible-playbook ansible-lint shellcheck sbatch slurmd munged "$py"; do
  command -v "$tool" >/dev/null || die "$tool not found: run bash scripts/deps.sh test"
done
[ -f "$data_src/train-images-idx3-ubyte.gz" ] || die "Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the Slurm daemons need root"; exit 77; }

tmp=$(mktemp -d /tmp/modak-deploy.XXXXXX)
chmod 0755 "$tmp"
cleanup() {
  bash "$src/tests/tools/slurm-local.sh" stop "$tmp/slurm" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# a slice of Fashion-MNIST: 1,024 training and 256 test images, gzip'd IDX like the package's
"$py" - "$data_src" "$tmp/data" <<'PY'
import gzip, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
for split, n in (("train", 1024), ("t10k", 256)):
    for kind, item in (("images-idx3", 784), ("labels-idx1", 1)):
        name = f"{split}-{kind}-ubyte.gz"
        with gzip.open(os.path.join(src, name), "rb") as f:
            magic = f.read(4)
            dims = struct.unpack(">I", f.read(4))[0]
            rest = f.read(4 * (magic[3] - 1))
            body = f.read(n * item)
        head = magic + struct.pack(">I", n) + rest
        with gzip.open(os.path.join(dst, name), "wb") as g:
            g.write(head + body)
PY

# the bundled example, trained on the slice for one epoch with a small batch
sed -e "s|dataset: /usr/share/datasets/fashion-mnist|dataset: $tmp/data|" \
    -e "s|location: /usr/share/datasets/fashion-mnist|location: $tmp/data|" \
    -e "s|workspace: ~/fashion-cnn|workspace: $tmp/ws|" \
    "$src/examples/fashion-mnist-slurm.yaml" >"$tmp/fashion.yaml"
"$MODAK" optimise "$tmp/fashion.yaml" -o "$tmp/out" --target host >"$tmp/optimise.log" 2>&1 ||
  { cat "$tmp/optimise.log"; die "modak optimise failed"; }
out=$tmp/out/fashion
for f in blueprint.yaml modak-types.yaml sodalite-hpc.yaml jobs/fashion-cnn.sh bin/fashion-cnn-train \
         containers/fashion-cnn/Dockerfile containers/fashion-cnn/Singularity.def decision.json \
         README.md playbooks/deploy.yml playbooks/vars/fashion-cnn.yml; do
  [ -s "$out/$f" ] || die "$f is missing from the output"
done
[ -x "$out/bin/fashion-cnn-train" ] || die "the binary is not executable"
[ "$(ls -A "$tmp/out")" = fashion ] || die "something was written beside the output: $(ls -A "$tmp/out")"

# the artefacts pass the real tools
"$MODAK" validate "$out/blueprint.yaml" >/dev/null || die "the annotated blueprint fails modak validate"
"$py" "$src/tests/tools/tosca-validate.py" "$out/blueprint.yaml" >"$tmp/tosca.log" 2>&1 ||
  { cat "$tmp/tosca.log"; die "the annotated blueprint fails tosca-parser"; }
shellcheck "$out/jobs/fashion-cnn.sh" || die "the job script fails shellcheck"
bash -n "$out/jobs/fashion-cnn.sh" || die "the job script fails bash -n"
"$py" - "$out/decision.json" <<'PY' || die "decision.json does not record the decision"
import json, sys
d = json.load(open(sys.argv[1]))
n = d["nodes"]["fashion-cnn"]
c = n["candidates"]
assert len(c) > 1 and isinstance(n["winner"], int), n.keys()
w = c[n["winner"]]
assert w["status"] == "won" and all(x["reason"] for x in c), w
PY
export ANSIBLE_HOME=$tmp/ansible ANSIBLE_LOCAL_TEMP=$tmp/ansible/tmp ANSIBLE_REMOTE_TEMP=$tmp/ansible/rtmp
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=$py
export ANSIBLE_CONFIG=$tmp/ansible.cfg
printf '[defaults]\n' >"$ANSIBLE_CONFIG"
(cd "$out/playbooks" && ansible-playbook -i localhost, --syntax-check deploy.yml >/dev/null &&
  ansible-playbook -i localhost, --syntax-check undeploy.yml >/dev/null) || die "syntax-check failed"
(cd "$out" && ansible-lint --offline --profile production --strict playbooks >"$tmp/lint.log" 2>&1) ||
  { cat "$tmp/lint.log"; die "ansible-lint found problems"; }

# a one-node Slurm, and singularity as a stand-in that runs its command
set +e
bash "$src/tests/tools/slurm-local.sh" start "$tmp/slurm" >"$tmp/slurm.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 77 ] || { cat "$tmp/slurm.log"; echo "SKIP: this machine refuses the Slurm daemons"; exit 77; }
[ "$rc" -eq 0 ] || { cat "$tmp/slurm.log"; die "the one-node Slurm did not start"; }
export SLURM_CONF=$tmp/slurm/slurm.conf
mkdir -p "$tmp/bin"
cat >"$tmp/bin/singularity" <<'SH'
#!/bin/sh
# stand-in for `singularity exec [--nv] IMAGE COMMAND...`: runs COMMAND here
[ "$1" = exec ] || { echo "stand-in singularity: only exec" >&2; exit 2; }
shift
[ "$1" = --nv ] && shift
echo "$*" >>"${MODAK_WORKSPACE:-.}/singularity.log"
shift
exec "$@"
SH
chmod +x "$tmp/bin/singularity"
export PATH=$tmp/bin:$PATH

(cd "$out/playbooks" && ansible-playbook -i localhost, -c local deploy.yml \
  -e '{"modak_container_action": "none", "modak_monitor_period": 1, "modak_monitor_retries": 600}') \
  >"$tmp/deploy.log" 2>&1 || { tail -40 "$tmp/deploy.log"; die "deploy.yml failed"; }
metrics=$out/metrics/fashion-cnn.jsonl
[ -s "$metrics" ] || { tail -20 "$tmp/deploy.log"; die "no metrics came back"; }
"$py" - "$metrics" <<'PY' || die "the metrics do not show a training run whose loss falls"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
steps = [r for r in rows if "loss" in r and "step" in r]
assert len(steps) >= 2, rows[:3]
first, last = steps[0]["loss"], steps[-1]["loss"]
assert last < first, (first, last)
print(f"deploy: {len(steps)} steps through Slurm, loss {first:.3f} -> {last:.3f}")
PY
grep -q "fashion-cnn-train train" "$tmp/ws/singularity.log" || die "the job did not run the binary through singularity exec"
echo "ok: optimise -> validate, tosca-parser, shellcheck, ansible checks -> deploy through Slurm"

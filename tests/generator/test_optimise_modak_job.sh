#!/usr/bin/env bash
# test_optimise_modak_job — a blueprint with SODALITE's own MODAK job node
# (sodalite.nodes.modak.job, whose flat MODAK sections strict TOSCA rejects): modak optimise
# decides it (here no prediction is possible on a CPU host for a TensorFlow job, so MODAK's
# mapper choice is deployed, and said so), writes it with modak's corrected type
# modak.nodes.ModakJob (job_script naming the written script), and the result passes
# modak validate and tosca-parser; the job script carries MODAK's XLA block.
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
src=${MODAK_SOURCE_DIR:-$(pwd)}
tmp=$(mktemp -d /tmp/modak-mjob.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp "$src/tests/golden/tosca/modak-job-quirk/modak-job-types.yaml" "$tmp/"
sed -e 's/ai_framework: pytorch}, ai_framework-pytorch: {version: "1.5"}/ai_framework: tensorflow}, ai_framework-tensorflow: {version: "2.1", xla: true}/' \
    -e 's/        optimisation:/        target: {name: host, job_scheduler_type: slurm}\n        optimisation:/' \
    "$src/tests/golden/tosca/modak-job-quirk/input.yaml" >"$tmp/job.yaml"
"$MODAK" optimise "$tmp/job.yaml" -o "$tmp/out" --no-compile >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
out=$tmp/out/job
grep -q '^      type: modak.nodes.ModakJob$' "$out/blueprint.yaml" || { echo "FAIL: the type was not corrected"; exit 1; }
grep -q 'job_script: "jobs/job.sh"' "$out/blueprint.yaml" || { echo "FAIL: job_script"; exit 1; }
grep -q 'decision: {image: "docker://tensorflow/tensorflow:2.1.0-py3", graph_compiler: "xla"' "$out/blueprint.yaml" ||
  { echo "FAIL: decision: $(grep decision "$out/blueprint.yaml")"; exit 1; }
grep -q "MODAK's mapper choice" "$out/decision.json" "$out/README.md" "$out/playbooks/vars/job.yml" ||
  { echo "FAIL: the fallback is not said"; exit 1; }
grep -q 'TF_XLA_FLAGS' "$out/jobs/job.sh" || { echo "FAIL: no XLA block"; exit 1; }
"$MODAK" validate "$out/blueprint.yaml" >/dev/null
/usr/bin/python3 "$src/tests/tools/tosca-validate.py" "$out/blueprint.yaml" >/dev/null ||
  { echo "FAIL: tosca-parser rejects the corrected blueprint"; exit 1; }
shellcheck "$out/jobs/job.sh"
echo "ok: SODALITE's MODAK job optimised, written as modak.nodes.ModakJob, valid for modak and tosca-parser"

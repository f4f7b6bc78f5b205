#!/usr/bin/env bash
# test_optimise_hostile — `modak optimise` on blueprints whose values are hostile: quotes,
# $(...), backticks, {{ }} and {% %}, YAML tags as text, a huge value, and names with ../.
# Each is either refused with a clear error (and no output) or produces artefacts that pass
# the real checkers with the values inert: the annotated blueprint reads back the same
# values (modak and tosca-parser accept it), the job script passes shellcheck and bash -n
# and runs none of the injections, the playbooks pass the Ansible checks. No file is ever
# written outside the output folder.
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
src=${MODAK_SOURCE_DIR:-$(pwd)}
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/modak-hostile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export MODAK_CACHE_DIR=$tmp/cache
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
mkdir -p "$tmp/in" "$tmp/work"
P=$tmp/pwned
# values that would each create a file under $tmp/pwned* if anything ran them
export HOSTILE_TAG="t\$(touch $P-1)\`touch $P-2\`{{ lookup('pipe','touch $P-3') }}{% raw %}x'\"\\"
export HOSTILE_JOB="job \$(touch $P-4);touch $P-5"
export HOSTILE_WS="/tmp/ws \$(touch $P-6)/'q'"
export HOSTILE_DATA="/data/\`touch $P-7\`/{{ x }}"
export HOSTILE_BIG=$(head -c 100000 /dev/zero | tr '\0' 'A')
"$py" - "$src/examples/fashion-mnist-slurm.yaml" "$tmp/in/hostile.yaml" <<'PY'
import json, os, sys
text = open(sys.argv[1]).read()
def q(v):  # a YAML double-quoted scalar (JSON's escapes are YAML's)
    return json.dumps(v)
text = text.replace("app_tag: fashion-cnn", "app_tag: " + q(os.environ["HOSTILE_TAG"]))
text = text.replace("job_name: fashion-cnn", "job_name: " + q(os.environ["HOSTILE_JOB"]))
text = text.replace("workspace: ~/fashion-cnn", "workspace: " + q(os.environ["HOSTILE_WS"]))
text = text.replace("dataset: /usr/share/datasets/fashion-mnist", "dataset: " + q(os.environ["HOSTILE_DATA"]))
text = text.replace('content: "# written by modak optimise"', 'content: "!!python/object:os.system ' + os.environ["HOSTILE_BIG"] + '"')
open(sys.argv[2], "w").write(text)
PY
mkdir -p "$tmp/t" # the test's own files
find "$tmp" -path "$tmp/in" -prune -o -path "$tmp/t" -prune -o -print | sort >"$tmp/t/before"
(cd "$tmp/work" && "$MODAK" optimise "$tmp/in/hostile.yaml" -o "$tmp/out" --target host --no-compile) \
  >"$tmp/t/opt.log" 2>&1 || { cat "$tmp/t/opt.log"; bad "the hostile blueprint was refused"; }
out=$tmp/out/hostile
if [ -d "$out" ]; then
  # nothing outside the output folder (the cache and the output are the only new paths)
  find "$tmp" -path "$tmp/in" -prune -o -path "$tmp/t" -prune -o -path "$tmp/out" -prune \
    -o -path "$tmp/cache" -prune -o -print | grep -vx "$tmp/out\|$tmp/cache" |
    sort | diff "$tmp/t/before" - || bad "files were written outside the output folder"
  "$py" - "$out/blueprint.yaml" <<'PY' || bad "the annotated blueprint does not read back the values"
import os, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
n = d["topology_template"]["node_templates"]
assert n["fashion-cnn"]["properties"]["app_tag"] == os.environ["HOSTILE_TAG"]
j = n["fashion-cnn-job"]["properties"]
assert j["job_name"] == os.environ["HOSTILE_JOB"] and j["workspace"] == os.environ["HOSTILE_WS"]
assert n["fashion-cnn"]["properties"]["dataset"] == os.environ["HOSTILE_DATA"]
assert j["content"].startswith("#!/bin/bash")  # the job script replaced the huge value
PY
  "$MODAK" validate "$out/blueprint.yaml" >/dev/null || bad "modak validate rejects the annotated blueprint"
  "$py" "$src/tests/tools/tosca-validate.py" "$out/blueprint.yaml" >/dev/null || bad "tosca-parser rejects it"
  shellcheck "$out/jobs/fashion-cnn.sh" || bad "the job script fails shellcheck"
  bash -n "$out/jobs/fashion-cnn.sh" || bad "the job script fails bash -n"
  # run the job script with stand-ins: nothing hostile may run
  mkdir -p "$tmp/bin" "$tmp/run"
  printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/singularity"
  chmod +x "$tmp/bin/singularity"
  (cd "$tmp/run" && PATH=$tmp/bin:$PATH SLURM_SUBMIT_DIR=$tmp/run bash "$out/jobs/fashion-cnn.sh") >/dev/null 2>&1 || true
  export ANSIBLE_HOME=$tmp/ansible ANSIBLE_LOCAL_TEMP=$tmp/ansible/tmp ANSIBLE_NOCOLOR=1
  export ANSIBLE_CONFIG=$tmp/ansible.cfg ANSIBLE_PYTHON_INTERPRETER=$py
  printf '[defaults]\n' >"$ANSIBLE_CONFIG"
  (cd "$out/playbooks" && ansible-playbook -i localhost, --syntax-check deploy.yml >/dev/null 2>&1) ||
    bad "deploy.yml fails the syntax check"
  (cd "$out" && ansible-lint --offline --profile production --strict playbooks >"$tmp/lint.log" 2>&1) ||
    { cat "$tmp/lint.log"; bad "ansible-lint finds problems"; }
fi
ls "$tmp"/pwned* >/dev/null 2>&1 && bad "an injection ran: $(ls "$tmp"/pwned*)"

# refused, with a clear error and no output: names that are not file names, a newline in a
# scheduler directive
refuse() { # NAME SED-EXPRESSION EXPECTED-MESSAGE
  sed "$2" "$src/examples/fashion-mnist-slurm.yaml" >"$tmp/in/$1.yaml"
  set +e
  "$MODAK" optimise "$tmp/in/$1.yaml" -o "$tmp/out" --target host --no-compile >"$tmp/$1.log" 2>&1
  local rc=$?
  set -e
  [ "$rc" = 1 ] || bad "$1: exit status $rc"
  grep -q "$3" "$tmp/$1.log" || bad "$1: the error does not say '$3': $(head -3 "$tmp/$1.log")"
  [ ! -e "$tmp/out/$1" ] || bad "$1: an output was written"
}
refuse dotdot 's/^    fashion-cnn:$/    "..\/..\/escape":/; s/application: fashion-cnn$/application: "..\/..\/escape"/' "node name"
refuse newline 's/job_name: fashion-cnn/job_name: "a\\nb"/' "job_name"
[ ! -e "$tmp/escape" ] && [ ! -e "$tmp/out/../escape" ] || bad "something escaped the output folder"
[ "$fails" = 0 ] || exit 1
echo "ok: hostile values inert in every artefact, unsafe names and directives refused, nothing outside OUTDIR"

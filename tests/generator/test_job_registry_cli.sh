#!/usr/bin/env bash
# test_job_registry_cli — `modak registry list|show|add|check` and `modak job`'s command line:
# the bundled registry checks clean; add validates and writes an entry into a user layer,
# which then changes what `modak job` maps to; bad entries and layers are reported with their
# file; usage errors exit 2, invalid input 1.
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
status() { set +e; "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; set -e; }

# check and list on the bundled registry
[ "$(status "$MODAK" registry check)" = 0 ] || bad "the bundled registry does not check: $(cat "$tmp/out")"
grep -q '^registry OK: 34 images, 5 scripts, 4 infrastructures, 3 scaling models in 1 layer; 0 errors$' "$tmp/out" ||
  bad "check summary: $(tail -1 "$tmp/out")"
grep -q "^warning: .*TF_PIP_XLA" "$tmp/out" || bad "check did not warn about TF_PIP_XLA"
[ "$(status "$MODAK" registry list infrastructure)" = 0 ] || bad "list failed"
[ "$(wc -l <"$tmp/out")" -eq 4 ] || bad "list infrastructure: $(cat "$tmp/out")"
grep -q '^infrastructure *daint *scheduler=slurm partitions=2' "$tmp/out" || bad "list: no daint line"
[ "$(status "$MODAK" registry list)" = 0 ] && [ "$(wc -l <"$tmp/out")" -eq 46 ] ||
  bad "list (all) gave $(wc -l <"$tmp/out") lines"
[ "$(status "$MODAK" registry show image modak-tensorflow-2.1-gpu-src)" = 0 ] || bad "show failed"
jq -e '.container_file == "modakopt/modak:tensorflow-2.1-gpu-src" and .build.acc_type == "nvidia"' \
  "$tmp/out" >/dev/null || bad "show printed $(cat "$tmp/out")"
[ "$(status "$MODAK" registry show image nope)" = 1 ] || bad "show of a missing entry did not exit 1"
[ "$(status "$MODAK" registry show gadget x)" = 2 ] || bad "an unknown kind did not exit 2"
[ "$(status "$MODAK" registry frobnicate)" = 2 ] || bad "an unknown subcommand did not exit 2"
[ "$(status "$MODAK" registry add image x.json)" = 2 ] || bad "add without --registry did not exit 2"

# add: MODAK's own /map_container body works as an image entry
layer=$tmp/site
cat >"$tmp/mvapich.json" <<'JSON'
{
  "name": "site_mvapich_2.2", "container_file": "site/mvapich:2.2", "image_type": "docker",
  "image_hub": "docker", "src": "none", "app_name": "mvapich", "version": "2.2",
  "build": {"enable_opt_build": true, "cpu_type": "x86", "acc_type": "none"},
  "optimisation": {"version": "2.2", "mpicc": "true"}, "map_id": 100
}
JSON
[ "$(status "$MODAK" registry add image "$tmp/mvapich.json" --registry "$layer")" = 0 ] ||
  bad "add failed: $(cat "$tmp/err")"
[ -f "$layer/images/site_mvapich_2.2.json" ] || bad "add did not write images/site_mvapich_2.2.json"
[ "$(status "$MODAK" registry add image "$tmp/mvapich.json" --registry "$layer")" = 1 ] &&
  grep -q 'exists; --force replaces it' "$tmp/err" || bad "a second add did not refuse to overwrite"
[ "$(status "$MODAK" registry add image "$tmp/mvapich.json" --registry "$layer" --force)" = 0 ] ||
  bad "add --force failed"
[ "$(status "$MODAK" registry check --registry "$layer")" = 0 ] &&
  grep -q 'in 2 layers; 0 errors' "$tmp/out" || bad "check with the layer: $(tail -1 "$tmp/out")"
[ "$(status "$MODAK" registry list image --registry "$layer")" = 0 ] &&
  grep -q "site_mvapich_2.2 .*\[$layer/images/site_mvapich_2.2.json\]" "$tmp/out" || bad "list does not show the layer's file"

# the new image is what modak job maps an mvapich job to, with --explain saying why
cat >"$tmp/job.json" <<'JSON'
{"job": {"job_options": {"job_name": "osu"}, "target": {"job_scheduler_type": "slurm"},
 "application": {"app_type": "mpi", "executable": "./osu_bw", "mpi_ranks": 2},
 "optimisation": {"enable_opt_build": true, "app_type": "hpc", "opt_build": {"cpu_type": "x86"},
   "app_type-hpc": {"config": {"parallelisation": "mpi"},
     "parallelisation-mpi": {"library": "mvapich", "version": "2.2"}}}}}
JSON
[ "$(status "$MODAK" job "$tmp/job.json" --print --explain --registry "$layer" --timestamp 20240101120000)" = 0 ] ||
  bad "job with the layer failed: $(cat "$tmp/err")"
grep -q 'srun -n 2 singularity exec "$SINGULARITY_DIR/mvapich_2.2.sif" ./osu_bw' "$tmp/out" ||
  bad "the job did not use the added image: $(tail -1 "$tmp/out")"
grep -q 'site_mvapich_2.2 .*matches.*-> taken' "$tmp/err" || bad "--explain did not say the image was taken"
grep -q 'mvapich_ub1804_cuda101_mpi22_osu .*refused: built for acc_type nvidia' "$tmp/err" ||
  bad "--explain did not say why MODAK's mvapich image was refused"
[ "$(status "$MODAK" job "$tmp/job.json" --print --timestamp 20240101120000)" = 0 ] &&
  grep -q '^srun -n 2 ./osu_bw$' "$tmp/out" || bad "without the layer the job should run on the host"

# bad entries are refused with their file, and nothing is written
echo '{"name": "bad one", "app_name": "x", "build": {}, "container_file": "x"}' >"$tmp/bad.json"
[ "$(status "$MODAK" registry add image "$tmp/bad.json" --registry "$layer")" = 1 ] &&
  grep -q "bad.json: image/name: name 'bad one' has the character ' '" "$tmp/err" || bad "add of a bad name: $(cat "$tmp/err")"
echo '[{"opt_dsl_code": "a", "model": {"name": "noop"}}, {"opt_dsl_code": "b", "model": {"name": "amdahl"}}]' >"$tmp/sc.json"
[ "$(status "$MODAK" registry add scaling "$tmp/sc.json" --registry "$layer")" = 1 ] || bad "add of a bad array passed"
[ ! -e "$layer/scaling/a.json" ] || bad "add wrote part of an array that has a bad entry"
mkdir -p "$layer/scripts"
echo '{"id": "x", "conditions": {"application": {"name": "a"}}, "data": {"stage": "pre"}}' >"$layer/scripts/x.json"
[ "$(status "$MODAK" registry check --registry "$layer")" = 1 ] &&
  grep -q "^error: $layer/scripts/x.json: script/data: 'raw' is required" "$tmp/out" ||
  bad "check of a bad layer: $(cat "$tmp/out")"
[ "$(status "$MODAK" job "$tmp/job.json" --registry "$layer" --print)" = 1 ] &&
  grep -q "x.json" "$tmp/err" || bad "job with a bad layer did not name the file: $(cat "$tmp/err")"
[ "$(status "$MODAK" registry check --registry "$tmp/missing")" = 2 ] || bad "a missing layer did not exit 2"

# modak job's own command line
[ "$(status "$MODAK" job)" = 2 ] || bad "job without a document did not exit 2"
[ "$(status "$MODAK" job "$tmp/nothere.json")" = 2 ] || bad "a missing document did not exit 2"
echo '{"job": ' >"$tmp/trunc.json"
[ "$(status "$MODAK" job "$tmp/trunc.json")" = 1 ] && grep -q 'trunc.json:' "$tmp/err" || bad "a broken document did not exit 1"
[ "$(status "$MODAK" job "$tmp/job.json" --bogus)" = 2 ] || bad "an unknown option did not exit 2"
[ "$(status "$MODAK" job "$tmp/job.json" --timestamp 2024)" = 2 ] || bad "a bad --timestamp did not exit 2"
[ "$(status env SOURCE_DATE_EPOCH=soon "$MODAK" job "$tmp/job.json" --print)" = 2 ] || bad "a bad SOURCE_DATE_EPOCH did not exit 2"
[ "$(status "$MODAK" job "$tmp/job.json" --name a/b)" = 2 ] || bad "--name with a slash did not exit 2"
[ "$(status "$MODAK" job "$tmp/job.json" --scheduler lsf)" = 2 ] || bad "--scheduler lsf did not exit 2"
[ "$(status "$MODAK" job --help)" = 0 ] && grep -q 'usage: modak job' "$tmp/out" || bad "job --help"
(cd "$tmp" && "$MODAK" job job.json --timestamp 20240101120000 -o done.json >stdout.txt 2>/dev/null) || bad "-o failed"
[ ! -s "$tmp/stdout.txt" ] || bad "-o still printed to stdout"
jq -e '.job.job_script == "osu_20240101120000.sh" and (.job.job_content | startswith("#!/bin/bash"))' \
  "$tmp/done.json" >/dev/null || bad "-o document: $(head -c 300 "$tmp/done.json")"
[ -x "$tmp/osu_20240101120000.sh" ] || bad "the script was not written executable into the current directory"
cat - "$tmp/job.json" <<<'' | (cd "$tmp" && "$MODAK" job - --print --timestamp 20240101120000 >stdin.sh 2>/dev/null) ||
  bad "reading the document from stdin failed"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "ok: registry list/show/add/check and the job command line"

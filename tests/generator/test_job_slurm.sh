#!/usr/bin/env bash
# test_job_slurm — a generated Slurm script really runs.
#
# Starts a private one-node Slurm (tests/tools/slurm-local.sh: munged, slurmctld, slurmd with their
# own key, socket, ports and state under a temporary directory), generates job scripts with
# `modak job`, submits them with sbatch and waits for them. A stand-in `singularity` on PATH
# records its arguments and runs the command it was given; a stand-in `wget` records the URL.
# Checks: the run line's arguments reach the application as written (command text), srun
# starts the requested ranks, the build step ran in the "container" with BUILD_PARALLELISM,
# the output file holds the output, the exit state is COMPLETED (and FAILED with the exit
# code for a failing application), and hostile values in the job name and the output file
# name stay inert (sbatch takes them literally, no command in them runs). Skips (77) only
# when the daemons cannot run here (not root, or the kernel refuses them).
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/modak-slurm.XXXXXX)
chmod 0755 "$tmp"
state=$tmp/slurm
cleanup() {
  bash "$here/../tools/slurm-local.sh" stop "$state" || true
  rm -rf "$tmp"
}
trap cleanup EXIT

set +e
bash "$here/../tools/slurm-local.sh" start "$state"
rc=$?
set -e
if [ "$rc" -eq 77 ]; then
  echo "SKIP: the one-node Slurm could not start here (see the message above)"
  exit 77
fi
[ "$rc" -eq 0 ] || { echo "FAIL: the one-node Slurm did not start" >&2; exit 1; }
export SLURM_CONF=$state/slurm.conf

failures=0
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# the stand-ins, and the application
mkdir -p "$tmp/bin" "$tmp/work" "$tmp/sif" "$tmp/log"
cat >"$tmp/bin/singularity" <<'STUB'
#!/bin/bash
# stand-in: records its arguments (one per line), then runs the command after the image
log="$MODAK_TEST_LOG/singularity.$$"
printf '%s\n' "$@" >"$log"
[ "$1" = exec ] || { echo "singularity stand-in: only exec is supported" >&2; exit 90; }
shift
while [ "${1:-}" = --nv ]; do shift; done
shift # the image
exec "$@"
STUB
cat >"$tmp/bin/wget" <<'STUB'
#!/bin/bash
printf '%s\n' "$@" >"$MODAK_TEST_LOG/wget.$$"
STUB
cat >"$tmp/work/hello.sh" <<'APP'
#!/bin/bash
# prints its rank and its arguments between | marks; exits with the status in $1
code=$1
shift
printf 'rank %s of %s:' "${SLURM_PROCID:-?}" "${SLURM_NTASKS:-?}"
printf ' |%s|' "$@"
printf '\n'
exit "$code"
APP
chmod +x "$tmp/bin/singularity" "$tmp/bin/wget" "$tmp/work/hello.sh"
export PATH="$tmp/bin:$PATH" MODAK_TEST_LOG="$tmp/log" SINGULARITY_DIR="$tmp/sif"

job_doc() { # job_name output_file exit_code
  jq -n --arg name "$1" --arg out "$2" --arg code "$3" '{job: {
    job_options: {job_name: $name, wall_time_limit: "0:05:00", node_count: 1,
                  process_count_per_node: 2, standard_output_file: $out,
                  copy_environment: true},
    target: {job_scheduler_type: "slurm"},
    application: {app_type: "mpi", container_runtime: "docker://library/hello:1.0",
                  executable: "./hello.sh",
                  arguments: ($code + " plain '\''two words'\'' $((40 + 2))"),
                  mpi_ranks: 2, threads: 1,
                  build: {src: "https://example.org/hello.tar.gz",
                          build_command: "echo built with {{BUILD_PARALLELISM}} > build.log",
                          build_parallelism: 3}}}}'
}

wait_job() { # id -> prints the final "JobState=... ExitCode=..."
  local id=$1 line
  for _ in $(seq 300); do
    line=$(scontrol show job "$id" 2>/dev/null | tr ' ' '\n' | grep -E '^(JobState|ExitCode)=' | paste -sd' ')
    case $line in
      *JobState=COMPLETED* | *JobState=FAILED* | *JobState=CANCELLED* | *JobState=TIMEOUT* | *JobState=NODE_FAIL*)
        echo "$line"; return 0 ;;
    esac
    sleep 0.1
  done
  echo "timeout: $line"
}

cd "$tmp/work"
t0=$SECONDS

# 1. a job that works
job_doc ok ok.out 0 >ok.json
"$MODAK" job ok.json --script-dir scripts --name ok --timestamp 20240101120000 >/dev/null
grep -qF 'srun -n 2 singularity exec "$SINGULARITY_DIR/hello_1.0.sif" ./hello.sh 0 plain '"'two words'"' $((40 + 2))' scripts/ok.sh ||
  bad "unexpected run line: $(grep srun scripts/ok.sh)"
id=$(sbatch --parsable scripts/ok.sh)
state_ok=$(wait_job "$id")
[[ $state_ok == *"JobState=COMPLETED"* && $state_ok == *"ExitCode=0:0"* ]] ||
  bad "job ok ended as '$state_ok'"
[ "$(grep -c "|plain| |two words| |42|" ok.out)" -eq 2 ] ||
  bad "ok.out does not hold both ranks with the arguments as written: $(cat ok.out 2>&1)"
grep -q 'rank 0 of 2' ok.out && grep -q 'rank 1 of 2' ok.out || bad "srun did not start 2 ranks"
[ "$(cat build.log 2>&1)" = "built with 3" ] || bad "the build step did not run: $(cat build.log 2>&1)"
grep -qx 'https://example.org/hello.tar.gz' "$tmp"/log/wget.* || bad "wget was not given the source URL"
runs=$(grep -lx './hello.sh' "$tmp"/log/singularity.* | wc -l)
[ "$runs" -eq 2 ] || bad "singularity ran the application $runs times, not 2"
first=$(grep -lx './hello.sh' "$tmp"/log/singularity.* | head -1)
printf 'exec\n%s/hello_1.0.sif\n./hello.sh\n0\nplain\ntwo words\n42\n' "$tmp/sif" >expected.args
diff -u expected.args "$first" >&2 || bad "singularity's arguments differ"
grep -qx 'echo' "$tmp"/log/singularity.* || bad "the build command did not run in the container"

# 2. a failing application: the job fails with its exit code
rm -f "$tmp"/log/*
job_doc failing failing.out 3 >failing.json
"$MODAK" job failing.json --script-dir scripts --name failing --timestamp 20240101120000 >/dev/null
id=$(sbatch --parsable scripts/failing.sh)
state_fail=$(wait_job "$id")
[[ $state_fail == *"JobState=FAILED"* && $state_fail == *"ExitCode=3:0"* ]] ||
  bad "job failing ended as '$state_fail', not FAILED with exit code 3"

# 3. hostile job name and output file: quoted for sbatch, inert for bash
rm -f "$tmp"/log/*
name='x"; touch pwned-name; echo "$(touch pwned-subst)`touch pwned-tick`'
out='out $(touch pwned-out) ; `id`.txt'
job_doc "$name" "$out" 0 >hostile.json
"$MODAK" job hostile.json --script-dir scripts --name hostile --timestamp 20240101120000 >/dev/null
bash -n scripts/hostile.sh || bad "hostile script: bash -n"
shellcheck scripts/hostile.sh >&2 || bad "hostile script: shellcheck"
id=$(sbatch --parsable scripts/hostile.sh)
state_h=$(wait_job "$id")
[[ $state_h == *"JobState=COMPLETED"* ]] || bad "hostile job ended as '$state_h'"
got=$(scontrol show job "$id" | sed -n 's/^ *JobId=[0-9]* JobName=//p')
[ "$got" = "$name" ] || bad "sbatch took the job name as '$got', not literally"
[ -f "$out" ] || bad "the output file '$out' was not created literally: $(ls)"
ls pwned* >/dev/null 2>&1 && bad "a command in a hostile value ran: $(ls pwned*)"

echo "slurm jobs ran in $((SECONDS - t0))s"
if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "ok: sbatch ran modak's scripts: $state_ok; failing job $state_fail; hostile values inert"

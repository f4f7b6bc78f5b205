#!/usr/bin/env bash
# test_job_hostile — hostile values in a job document end up inert, or are refused clearly.
#
# Every data field that reaches a script (job name, output and error files, e-mail, queue,
# account, partition, qos, constraint, environment variables, dependency, nodes, array,
# defer time, the image name, the build URL, the app tag) gets each hostile payload (quotes,
# $(...), backticks, ';', blanks, a newline) under each scheduler (slurm, torque, bash).
# modak must either refuse it (exit 1, the field's JSON pointer in a one-line message) or
# write a script that passes bash -n and shellcheck and that, run with bash (stand-ins for
# singularity, srun, mpirun, wget, git on PATH), runs no command from the value. A newline in
# a directive value must be refused. `executable` and `arguments` are command text: they run
# as written (a ';' in them does start a second command), a backslash-newline continues the
# line, and a bare newline is refused.
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

mkdir -p "$tmp/bin" "$tmp/sif"
cat >"$tmp/bin/singularity" <<'STUB'
#!/bin/bash
printf '%s\n' "$@" >>"$STUB_LOG"
shift
while [ "${1:-}" = --nv ]; do shift; done
shift
"$@"
STUB
for launcher in srun mpirun; do
  printf '#!/bin/bash\nshift 2\nexec "$@"\n' >"$tmp/bin/$launcher"
done
printf '#!/bin/bash\nprintf "%%s\\n" "$@" >>"$STUB_LOG"\n' >"$tmp/bin/wget"
cp "$tmp/bin/wget" "$tmp/bin/git"
chmod +x "$tmp/bin"/*
export PATH="$tmp/bin:$PATH" SINGULARITY_DIR="$tmp/sif"

base='{"job": {
  "job_options": {"job_name": "base", "wall_time_limit": "0:10:00", "node_count": 1,
                  "process_count_per_node": 1, "standard_output_file": "out.txt",
                  "standard_error_file": "err.txt", "combine_stdout_stderr": false},
  "target": {"job_scheduler_type": "slurm"},
  "application": {"app_tag": "tag", "app_type": "mpi", "container_runtime": "docker://lib/img:1",
                  "executable": "echo", "arguments": "ran", "mpi_ranks": 1,
                  "build": {"src": "https://example.org/src.tar.gz", "build_command": "true"}}}}'

# field -> jq path
fields=(
  'job_name:["job","job_options","job_name"]'
  'standard_output_file:["job","job_options","standard_output_file"]'
  'standard_error_file:["job","job_options","standard_error_file"]'
  'email_address:["job","job_options","email_address"]'
  'queue:["job","job_options","queue"]'
  'account:["job","job_options","account"]'
  'partition:["job","job_options","partition"]'
  'qos:["job","job_options","qos"]'
  'architecture_constraint:["job","job_options","architecture_constraint"]'
  'copy_environment_variable:["job","job_options","copy_environment_variable"]'
  'job_dependency:["job","job_options","job_dependency"]'
  'request_specific_nodes:["job","job_options","request_specific_nodes"]'
  'job_array:["job","job_options","job_array"]'
  'defer_job:["job","job_options","defer_job"]'
  'container_runtime:["job","application","container_runtime"]'
  'build/src:["job","application","build","src"]'
  'app_tag:["job","application","app_tag"]'
)
payloads=(
  'a"b'
  "a'b"
  'x$(touch PWNED)'
  'x`touch PWNED`'
  'x;touch PWNED'
  'a b && touch PWNED'
  $'first\ntouch PWNED'
  'https://h/$(touch PWNED)";touch PWNED;"'
)

# every (scheduler, field, payload) document, made by one jq run
fields_json=$(printf '%s\n' "${fields[@]}" | jq -R 'split(":") | {key: .[0], path: (.[1:] | join(":") | fromjson)}' | jq -s .)
payloads_json=$(jq -n '$ARGS.positional' --args "${payloads[@]}")
# one line per document: scheduler, field, payload index, JSON pointer, compact JSON (tabs and
# newlines inside strings are escaped by jq, so the line splits cleanly)
mapfile -t docs < <(jq -r --argjson f "$fields_json" --argjson p "$payloads_json" '
  . as $base | ["slurm", "torque", "bash"][] as $s | $f[] as $fld | range($p | length) as $i
  | [$s, $fld.key, ($i | tostring), ($fld.path | join("/")),
     ($base | setpath($fld.path; $p[$i]) | .job.target.job_scheduler_type = $s | tojson)]
  | join("\t")' <<<"$base")

accepted=()
n=0 refused=0
for doc in "${docs[@]}"; do
  IFS=$'\t' read -r sched key i ptr json <<<"$doc"
  ptr=/$ptr
  v=${payloads[$i]}
  n=$((n + 1))
  d=$tmp/run/$sched-${key//\//_}-$i
  mkdir -p "$d"
  printf '%s\n' "$json" >"$d/job.json"
  set +e
  "$MODAK" job "$d/job.json" --print --timestamp 20240101120000 >"$d/job.sh" 2>"$d/err"
  rc=$?
  set -e
  if [ "$rc" -eq 1 ]; then
    refused=$((refused + 1))
    msg=$(grep -v '^modak job: warning:' "$d/err" || true)
    [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] && [[ $msg == *"$ptr: "* ]] ||
      bad "$sched $key <$v>: refused without naming $ptr on one line: $msg"
    continue
  fi
  [ "$rc" -eq 0 ] || { bad "$sched $key <$v>: exit $rc: $(cat "$d/err")"; continue; }
  if [[ $v == *$'\n'* && $sched != bash && $key != app_tag ]]; then
    bad "$sched $key: a newline was not refused"
  fi
  accepted+=("$d/job.sh")
  bash -n "$d/job.sh" || bad "$sched $key <$v>: bash -n"
  # run it where a stray command would leave PWNED behind
  (cd "$d" && STUB_LOG="$d/stub.log" PBS_O_WORKDIR="$d" SLURM_SUBMIT_DIR="$d" \
    bash ./job.sh >"$d/run.out" 2>"$d/run.err") ||
    bad "$sched $key <$v>: the script failed: $(cat "$d/run.err" "$d/run.out" 2>/dev/null)"
  if compgen -G "$d/PWNED" >/dev/null || compgen -G "$d/*/PWNED" >/dev/null; then
    bad "$sched $key <$v>: a command in the value ran"
  fi
  # the application ran (under bash its output goes where the value said)
  grep -rqx ran "$d" 2>/dev/null || bad "$sched $key <$v>: the application did not run"
  if [ "$key" = container_runtime ]; then
    last=${v##*/}
    want="$tmp/sif/${last//:/_}.sif"
    grep -qxF -- "$want" "$d/stub.log" || bad "$sched image <$v>: singularity was not given '$want'"
  fi
  if [ "$key" = build/src ]; then
    grep -qxF -- "$v" "$d/stub.log" || bad "$sched src <$v>: wget was not given the URL literally"
  fi
done
if [ "${#accepted[@]}" -gt 0 ]; then
  shellcheck "${accepted[@]}" >"$tmp/shellcheck.txt" 2>&1 ||
    { head -40 "$tmp/shellcheck.txt" >&2; bad "shellcheck found problems in scripts with hostile values"; }
fi

# command text: as written
cmd_doc() { jq --arg e "$1" --arg a "$2" '.job.application.executable = $e | .job.application.arguments = $a
  | .job.target.job_scheduler_type = "bash" | del(.job.job_options.standard_output_file)
  | del(.job.job_options.standard_error_file) | del(.job.job_options.combine_stdout_stderr)' <<<"$base"; }
d=$tmp/cmd && mkdir -p "$d"
cmd_doc 'echo first; echo second' '' >"$d/semi.json"
"$MODAK" job "$d/semi.json" --print --timestamp 20240101120000 >"$d/semi.sh" 2>/dev/null
out=$(cd "$d" && STUB_LOG=$d/log bash ./semi.sh)
[ "$(printf '%s\n' "$out" | tail -2 | paste -sd,)" = "first,second" ] ||
  bad "executable 'echo first; echo second' did not run as written: $out"
cmd_doc 'echo' $'one \\\n two' >"$d/cont.json"
"$MODAK" job "$d/cont.json" --print --timestamp 20240101120000 >"$d/cont.sh" 2>/dev/null ||
  bad "a backslash-newline continuation in arguments was refused"
out=$(cd "$d" && STUB_LOG=$d/log bash ./cont.sh | tail -1)
[ "$out" = "one two" ] || bad "the continued arguments ran as '$out'"
for field in executable arguments; do
  if [ $field = executable ]; then cmd_doc $'echo one\ntouch PWNED' 'x' >"$d/nl.json"
  else cmd_doc 'echo' $'one\ntouch PWNED' >"$d/nl.json"; fi
  set +e
  "$MODAK" job "$d/nl.json" --print --timestamp 20240101120000 >/dev/null 2>"$d/nl.err"
  rc=$?
  set -e
  [ "$rc" -eq 1 ] && grep -q "/job/application/$field: has a newline" "$d/nl.err" ||
    bad "a newline in $field was not refused clearly (exit $rc): $(cat "$d/nl.err")"
done
printf '{"job":{"application":{"executable":"echo a\\u0000b"}}}' >"$d/nul.json"
set +e
"$MODAK" job "$d/nul.json" --print --timestamp 20240101120000 >/dev/null 2>"$d/nul.err"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -qi 'nul\|\\u0000' "$d/nul.err" || bad "a NUL in executable was not refused: $(cat "$d/nul.err")"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s) in $n hostile cases" >&2
  exit 1
fi
echo "ok: $n hostile cases: $refused refused with the field named, $((n - refused)) inert when run; command text runs as written"

#!/usr/bin/env bash
# tests/tools/tosca-validate.py, the project's checker around Debian's tosca-parser: a
# small service template of its own and one mutation per rule the benchmark relies on
# (each must come out INVALID with tosca-parser's error), exit statuses, folder recursion,
# the import cache giving the same verdicts as fresh parses, and SODALITE's reference
# blueprint and types laid out the way the blueprint imports them (skipped when
# $MODAK_REFERENCE_DIR is absent). Skips (77) when tosca-parser cannot be loaded.
set -euo pipefail
cd "${MODAK_SOURCE_DIR:-$(dirname "${BASH_SOURCE[0]}")/../..}"
py=/usr/bin/python3
check=tests/tools/tosca-validate.py
if ! "$py" -c 'import toscaparser, yaml' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks python3-tosca-parser or python3-yaml" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

# A service template and the types it imports, written for this test.
mkdir -p "$tmp/t/types"
cat >"$tmp/t/types/hpc.yaml" <<'EOF'
tosca_definitions_version: tosca_simple_yaml_1_3
node_types:
  test.nodes.Cluster:
    derived_from: tosca.nodes.Compute
    properties:
      scheduler: {type: string, constraints: [{valid_values: [slurm, torque]}]}
  test.nodes.MpiJob:
    derived_from: tosca.nodes.SoftwareComponent
    properties:
      ranks: {type: integer, default: 4, constraints: [{greater_or_equal: 1}]}
      executable: {type: string}
      exclusive: {type: boolean, required: false}
    requirements:
      - host: {node: test.nodes.Cluster, capability: tosca.capabilities.Compute,
               relationship: tosca.relationships.HostedOn}
EOF
cat >"$tmp/t/service.yaml" <<'EOF'
tosca_definitions_version: tosca_simple_yaml_1_3
imports:
  - types/hpc.yaml
topology_template:
  inputs:
    nranks: {type: integer, default: 8}
  node_templates:
    cluster:
      type: test.nodes.Cluster
      properties:
        scheduler: slurm
      capabilities:
        host:
          properties: {num_cpus: 64, mem_size: 256 GB}
    solver:
      type: test.nodes.MpiJob
      properties:
        ranks: {get_input: nranks}
        executable: /opt/app/bin/solver
        exclusive: true
      requirements:
        - host: cluster
  outputs:
    ranks:
      value: {get_property: [solver, ranks]}
EOF

# mutation name | sed expression | a substring of tosca-parser's first error
mutations=(
  "unknown_node_type|s/type: test.nodes.MpiJob/type: test.nodes.MpiJb/|InvalidTypeError"
  "string_for_integer|s/ranks: {get_input: nranks}/ranks: many/|is not an integer"
  "string_for_boolean|s/exclusive: true/exclusive: sometimes/|is not a boolean"
  "missing_required|/executable: /d|MissingRequiredFieldError"
  "valid_values|s/scheduler: slurm/scheduler: lsf/|is not valid"
  "range|s/num_cpus: 64/num_cpus: 0/|num_cpus"
  "missing_node|s/- host: cluster/- host: clustr/|was not found"
  "unknown_input|s/get_input: nranks/get_input: nodes/|UnknownInputError"
  "unknown_property|s/exclusive: true/exclusive: true\n        colour: blue/|UnknownFieldError"
  "missing_import|s#types/hpc.yaml#types/hpc-missing.yaml#|ImportError"
)
for m in "${mutations[@]}"; do
  IFS='|' read -r name expr want <<<"$m"
  sed "$expr" "$tmp/t/service.yaml" >"$tmp/t/m-$name.yaml"
  cmp -s "$tmp/t/service.yaml" "$tmp/t/m-$name.yaml" && bad "$name: the mutation changed nothing"
done

rc=0
"$py" "$check" "$tmp/t" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || bad "folder with invalid files: exit $rc, want 1 ($(cat "$tmp/err"))"
lines=$(wc -l <"$tmp/out")
[ "$lines" = $((${#mutations[@]} + 2)) ] || bad "want one verdict line per file, got $lines"
grep -qx "$tmp/t/service.yaml: VALID" "$tmp/out" || bad "service.yaml: $(grep service "$tmp/out")"
grep -qx "$tmp/t/types/hpc.yaml: VALID" "$tmp/out" || bad "types/hpc.yaml not VALID"
for m in "${mutations[@]}"; do
  IFS='|' read -r name _ want <<<"$m"
  line=$(grep -F "$tmp/t/m-$name.yaml: " "$tmp/out" || true)
  case "$line" in
    *": INVALID: "*"$want"*) ;;
    *) bad "$name: want INVALID with '$want', got '$line'" ;;
  esac
done

# Nothing leaks from one file to the next: one process per file gives the same lines.
while IFS= read -r f; do
  "$py" "$check" "$f" || true
done < <(find "$tmp/t" -name '*.yaml' | sort) >"$tmp/out-single"
sort "$tmp/out" | cmp -s - <(sort "$tmp/out-single") || bad "one process per file differs"

rc=0
"$py" "$check" "$tmp/t/service.yaml" "$tmp/t/types/hpc.yaml" >/dev/null || rc=$?
[ "$rc" = 0 ] || bad "valid files: exit $rc, want 0"
rc=0
"$py" "$check" --no-cache "$tmp/t" >"$tmp/out-nocache" 2>/dev/null || rc=$?
if [ "$rc" != 1 ] || ! cmp -s "$tmp/out" "$tmp/out-nocache"; then bad "--no-cache: other verdicts"; fi
rc=0
"$py" "$check" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || bad "no arguments: exit $rc, want 2"
rc=0
"$py" "$check" "$tmp/empty-$$" >"$tmp/out" || rc=$?
if [ "$rc" != 1 ] || ! grep -q "INVALID" "$tmp/out"; then bad "missing file: $rc $(cat "$tmp/out")"; fi
printf 'key: [unclosed\n' >"$tmp/broken.yaml"
rc=0
"$py" "$check" "$tmp/broken.yaml" >"$tmp/out" || rc=$?
if [ "$rc" != 1 ] || ! grep -q "^$tmp/broken.yaml: INVALID: " "$tmp/out"; then
  bad "malformed YAML: exit $rc, $(cat "$tmp/out")"
fi

# SODALITE's reference blueprint and types, laid out as the blueprint's imports name them.
ref=${MODAK_REFERENCE_DIR:-}
if [ -n "$ref" ] && [ -f "$ref/sodalite-tosca/blueprints/hpc-service.yaml" ]; then
  s=$ref/sodalite-tosca
  mkdir -p "$tmp/ref/iac-modules/hpc/app" "$tmp/ref/iac-modules/hpc/modak/job"
  cp "$s"/types/*.yml "$tmp/ref/iac-modules/hpc/app/"
  cp "$s"/types/modak/*.yml "$tmp/ref/iac-modules/hpc/modak/job/"
  cp "$s/blueprints/hpc-service.yaml" "$tmp/ref/"
  rc=0
  "$py" "$check" "$tmp/ref" >"$tmp/out" || rc=$?
  [ "$rc" = 0 ] || bad "reference blueprint and types: exit $rc: $(grep INVALID "$tmp/out")"
  [ "$(grep -c ': VALID$' "$tmp/out")" = 7 ] || bad "reference: want 7 VALID lines: $(cat "$tmp/out")"
else
  echo "note: reference data not found (\$MODAK_REFERENCE_DIR), reference part skipped" >&2
fi
exit "$fail"

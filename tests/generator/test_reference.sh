#!/usr/bin/env bash
# The real SODALITE types and blueprint, and MODAK's own job documents, must validate with
# no error (read in place from ../shared/reference; skipped with a message where absent).
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
ref=${MODAK_REFERENCE_DIR:-../shared/reference}
if [ ! -d "$ref/sodalite-tosca" ]; then
  echo "SKIP: $ref/sodalite-tosca is absent"
  exit 77
fi
types=$ref/sodalite-tosca/types
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$MODAK" validate --types "$types" "$ref/sodalite-tosca/blueprints/hpc-service.yaml" "$types"
"$MODAK" validate "$ref/modak/input"
# the blueprint's imports are not found without --types
if "$MODAK" validate --format json "$ref/sodalite-tosca/blueprints/hpc-service.yaml" > "$out"; then
  echo "FAIL: the blueprint validated without its types"; exit 1
fi
grep -q '"rule":"tosca.import.missing"' "$out"
# and modak's examples
"$MODAK" validate "${MODAK_SOURCE_DIR:-.}/examples"
echo "reference: ok"

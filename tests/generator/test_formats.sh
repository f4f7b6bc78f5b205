#!/usr/bin/env bash
# The four report formats of `modak validate`, read back with real parsers: JSON and SARIF
# with Python's json (SARIF's required shape), JUnit XML with Python's XML parser; -o writes
# the report atomically; exit codes 0 / 1 / 2.
set -euo pipefail
: "${MODAK:?set MODAK to the modak binary}"
src=${MODAK_SOURCE_DIR:-.}
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=$src/tests/golden/tosca/requirements/input.yaml
good=$src/examples/fashion-mnist-slurm.yaml

set +e
"$MODAK" validate --format json "$bad" "$good" > "$tmp/r.json"; rc_json=$?
"$MODAK" validate --format sarif -o "$tmp/r.sarif" "$bad" "$good"; rc_sarif=$?
"$MODAK" validate --format junit -o "$tmp/r.xml" "$bad" "$good"; rc_junit=$?
"$MODAK" validate --format text --color never "$bad" > "$tmp/r.txt"; rc_text=$?
"$MODAK" validate "$good" > /dev/null; rc_good=$?
"$MODAK" validate --format yaml "$good" 2> /dev/null; rc_usage=$?
"$MODAK" validate /nonexistent/file.yaml > /dev/null 2>&1; rc_io=$?
set -e
[ "$rc_json$rc_sarif$rc_junit$rc_text$rc_good$rc_usage$rc_io" = "1111022" ] || {
  echo "FAIL: exit codes json=$rc_json sarif=$rc_sarif junit=$rc_junit text=$rc_text good=$rc_good usage=$rc_usage io=$rc_io"
  exit 1
}
"$py" - "$tmp" "$bad" <<'PY'
import json, sys, xml.etree.ElementTree as ET
tmp, bad = sys.argv[1], sys.argv[2]
diags = json.load(open(tmp + "/r.json"))
assert isinstance(diags, list) and len(diags) == 6, diags
need = {"file", "line", "column", "severity", "rule", "message", "pointer", "hint"}
for d in diags:
    assert need <= set(d), d
    assert d["file"] == bad and d["line"] > 0 and d["column"] > 0
    assert d["severity"] in ("error", "warning") and d["rule"].startswith("tosca.")
    assert d["pointer"].startswith("/topology_template/node_templates/")
assert sum(d["severity"] == "error" for d in diags) == 5

sarif = json.load(open(tmp + "/r.sarif"))
assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
run = sarif["runs"][0]
assert run["tool"]["driver"]["name"] == "modak"
rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
assert len(run["results"]) == 6
for r in run["results"]:
    assert r["ruleId"] in rules and r["level"] in ("error", "warning")
    loc = r["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == bad and loc["region"]["startLine"] > 0
    assert r["message"]["text"]

root = ET.parse(tmp + "/r.xml").getroot()
suite = root.find("testsuite")
cases = suite.findall("testcase")
assert suite.get("tests") == "2" and suite.get("failures") == "1" and len(cases) == 2
failed = [c for c in cases if c.find("failure") is not None]
assert len(failed) == 1 and failed[0].get("name") == bad
assert "tosca.requirement.type" in failed[0].find("failure").text
print("formats: json, sarif, junit ok")
PY
grep -q "^.*requirements/input.yaml:17:20: error: requirement 'runtime' needs a" "$tmp/r.txt"
grep -q "^          - runtime: wm$" "$tmp/r.txt"
grep -q "^                     ^$" "$tmp/r.txt"
grep -q "1 file checked: 5 errors, 1 warning" "$tmp/r.txt"
echo "formats: text ok"

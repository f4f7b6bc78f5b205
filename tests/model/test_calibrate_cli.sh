#!/usr/bin/env bash
# `modak model calibrate --quick`: writes a profile, and measures with the OpenBLAS core
# type the target asks for (re-executing itself with OPENBLAS_CORETYPE set) — the profile
# says how, and OpenBLAS's reported core matches. No timing is asserted.
set -euo pipefail
: "${MODAK:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
env -u OPENBLAS_CORETYPE "$MODAK" model calibrate --quick --threads 1 -o "$tmp/p.json" > "$tmp/summary"
grep -q '"format": "modak-profile/1"' "$tmp/p.json" || fail "no profile"
grep -q "calibrated host" "$tmp/summary" || fail "no summary"
want=$("$MODAK" target detect --no-tools | sed -n 's/.*"openblas_coretype": "\(.*\)".*/\1/p')
how=$(sed -n 's/.*"how": "\(.*\)".*/\1/p' "$tmp/p.json")
core=$(sed -n 's/.*"corename": "\(.*\)".*/\1/p' "$tmp/p.json")
if [ -n "$want" ]; then
  [ "$how" = "re-executed with OPENBLAS_CORETYPE=$want" ] || fail "how: $how"
  [ "${core,,}" = "${want,,}" ] || fail "OpenBLAS ran $core, not $want"
fi
# already set by the caller: no re-exec
OPENBLAS_CORETYPE=Haswell "$MODAK" model calibrate --quick --threads 1 --target host \
  -o "$tmp/q.json" >/dev/null
grep -q '"corename": "Haswell"' "$tmp/q.json" || fail "caller's core type not kept"
# --no-reexec
env -u OPENBLAS_CORETYPE "$MODAK" model calibrate --quick --threads 1 --no-reexec > "$tmp/r.json" 2>/dev/null
grep -q "OpenBLAS's own detection (--no-reexec)" "$tmp/r.json" || fail "--no-reexec"
# usage errors
set +e
"$MODAK" model calibrate --threads 0 2>/dev/null; [ $? = 2 ] || fail "--threads 0"
"$MODAK" model frob 2>/dev/null; [ $? = 2 ] || fail "unknown subcommand"
"$MODAK" model calibrate --target no_such 2>/dev/null; [ $? = 1 ] || fail "unknown target"
echo "test_calibrate_cli: all passed"

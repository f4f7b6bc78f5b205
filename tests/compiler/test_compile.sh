#!/usr/bin/env bash
# `modak compile` end to end: usage and errors with their exit codes, the C program of every
# zoo network (optimised and --generic, host and named targets), full builds of the zoo with
# a cold then warm cache (the second build of a network is a cache hit, with the same
# bytes), the built binaries' `info`, and an atomic output. Uses a private cache directory.
set -uo pipefail
modak=${MODAK:?set MODAK to the modak binary}
command -v "${CC:-cc}" >/dev/null || { echo "skip: no C compiler"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MODAK_CACHE_DIR=$tmp/cache
fails=0
check() { # check DESCRIPTION WANTED_STATUS COMMAND... (stdout+stderr in $tmp/out)
  local what=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>&1
  local got=$?
  if [[ $got != "$want" ]]; then
    echo "FAIL: $what: exit $got, wanted $want"
    sed 's/^/    /' "$tmp/out" | tail -20
    fails=$((fails + 1))
    return 1
  fi
}
contains() { # contains DESCRIPTION TEXT (in $tmp/out)
  if ! grep -qF -- "$2" "$tmp/out"; then
    echo "FAIL: $1: output lacks '$2'"
    sed 's/^/    /' "$tmp/out" | tail -20
    fails=$((fails + 1))
  fi
}

# usage and errors
check "help" 0 "$modak" compile --help && contains "help" "usage: modak compile NET"
check "listed in modak --help" 0 "$modak" --help && contains "modak --help" "compile"
check "no network" 2 "$modak" compile && contains "no network" "which network?"
check "two networks" 2 "$modak" compile mnist_cnn resnet20 && contains "two" "one network at a time"
check "unknown option" 2 "$modak" compile --frobnicate mnist_cnn && contains "unknown option" "unknown option '--frobnicate'"
check "missing value" 2 "$modak" compile mnist_cnn --batch && contains "missing value" "needs a value"
check "bad batch" 2 "$modak" compile mnist_cnn --batch 0 && contains "bad batch" "--batch must be an integer"
check "unknown target" 2 "$modak" compile mnist_cnn --target pentium9 && contains "unknown target" "unknown target 'pentium9'"
check "unknown network" 1 "$modak" compile vgg19 --emit-c "$tmp/x.c" && contains "unknown network" "neither a network of the zoo"
printf '{"format": "modak-graph", "version": 1, "input": {"shape": [1, 8, 8]}, "layers": [{"op": "dense", "units": 4}]}' >"$tmp/bad.json"
check "bad graph" 1 "$modak" compile "$tmp/bad.json" --emit-c "$tmp/x.c" && contains "bad graph" "bad.json: /layers/0: layer0: dense needs a flat input"
check "unwritable C" 2 "$modak" compile mnist_cnn --emit-c /nonexistent/dir/x.c && contains "unwritable" "/nonexistent/dir/x.c"
check "bad compiler" 2 "$modak" compile mnist_cnn --cc /nonexistent/cc -o "$tmp/x" && contains "bad compiler" "cannot run the C compiler"
check "targets" 0 "$modak" compile --list-targets && contains "targets" "skylake_avx512"

# the programs of the zoo, for the host and for named targets
for net in mnist_cnn resnet20 resnet50; do
  for opt in "" --generic; do
    check "$net $opt C" 0 "$modak" compile $net $opt --emit-c "$tmp/$net$opt.c" && contains "$net C" "program    $tmp/$net$opt.c"
    grep -q 'return kern_main(argc, argv, nn);' "$tmp/$net$opt.c" || { echo "FAIL: $net$opt.c has no main"; fails=$((fails + 1)); }
  done
done
# the zoo as a graph file, compiled back: the same network
check "emit graph" 0 "$modak" compile resnet20 --emit-graph "$tmp/r20.json" && contains "emit graph" "graph      $tmp/r20.json"
check "graph back" 0 "$modak" compile "$tmp/r20.json" --emit-c "$tmp/r20b.c" && contains "graph back" "parameters 269722 trainable"
check "zen4 target" 0 "$modak" compile resnet20 --target zen4 --emit-c "$tmp/z.c" && contains "zen4" "target     zen4"
check "graph file" 0 "$modak" compile "${MODAK_SOURCE_DIR:-.}/tests/compiler/fixtures/keras2_mnist_cnn.json" --emit-c "$tmp/k.c" && contains "keras" "parameters 1199882 trainable"

# full builds: cold cache, then warm (a hit, same bytes); the binaries run
for net in mnist_cnn resnet20 resnet50; do
  batch=32; [[ $net == resnet50 ]] && batch=2
  check "$net build" 0 "$modak" compile $net --batch $batch -o "$tmp/$net-train" && contains "$net build" "cache      miss, stored"
  [[ -x $tmp/$net-train ]] || { echo "FAIL: $net: no executable"; fails=$((fails + 1)); continue; }
  cp "$tmp/$net-train" "$tmp/$net-first"
  check "$net rebuild" 0 "$modak" compile $net --batch $batch -o "$tmp/$net-train" && contains "$net rebuild" "cache      hit"
  cmp -s "$tmp/$net-train" "$tmp/$net-first" || { echo "FAIL: $net: the cached binary differs"; fails=$((fails + 1)); }
  check "$net info" 0 "$tmp/$net-train" info && contains "$net info" "network:     $net" && contains "$net info" "modak 0.1.0; target host"
done
# a generic build is another binary (another key), and says so
check "generic build" 0 "$modak" compile mnist_cnn --batch 32 --generic -o "$tmp/mn-generic" && contains "generic" "cache      miss"
check "generic info" 0 "$tmp/mn-generic" info && contains "generic info" "generic (no fusion, no planning, im2col)"
cmp -s "$tmp/mn-generic" "$tmp/mnist_cnn-train" && { echo "FAIL: the generic binary is the optimised one"; fails=$((fails + 1)); }
# a named target builds too (baseline x86-64-v3 runs on any machine these tests run on)
check "x86_64_v3 build" 0 "$modak" compile mnist_cnn --batch 32 --target x86_64_v3 -o "$tmp/mn-v3" && contains "v3" "-march=x86-64-v3"
check "x86_64_v3 info" 0 "$tmp/mn-v3" info
# a failed build leaves the previous output in place
cp "$tmp/mnist_cnn-train" "$tmp/keep"
check "failing compiler" 2 "$modak" compile mnist_cnn --batch 32 --cc false -o "$tmp/keep"
cmp -s "$tmp/keep" "$tmp/mnist_cnn-train" || { echo "FAIL: a failed build touched the output"; fails=$((fails + 1)); }
ls "$MODAK_CACHE_DIR"/bin | grep -q tmp && { echo "FAIL: temporary directories left in the cache"; fails=$((fails + 1)); }

if ((fails)); then
  echo "$fails failures"
  exit 1
fi
echo "modak compile: all checks passed"

#!/bin/sh
# A stand-in for a training binary (<node>-train), for the emitters' tests: it prints its
# arguments and then the thread and core settings it sees, each NUL-terminated, so a test
# can compare them byte for byte; with `--metrics FILE` it also writes one JSON line of
# metrics to FILE, as the real binary does after an epoch. POSIX sh (busybox's in images).
for a in "$@"; do printf '%s\0' "$a"; done
printf '%s\0' "--env--" "${OPENBLAS_CORETYPE-}" "${OMP_NUM_THREADS-}" "${OPENBLAS_NUM_THREADS-}" "${TF_XLA_FLAGS-}"
metrics=
while [ $# -gt 0 ]; do
  if [ "$1" = --metrics ] && [ $# -gt 1 ]; then
    metrics=$2
    shift
  fi
  shift
done
if [ -n "$metrics" ]; then
  printf '{"epoch": 1, "step": 10, "loss": 0.4321, "accuracy": 0.875, "threads": "%s"}\n' \
    "${OMP_NUM_THREADS-}" >"$metrics"
fi

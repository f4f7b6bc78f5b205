#!/usr/bin/env bash
# slurm-local.sh — a private one-node Slurm (munged, slurmctld, slurmd) for the tests that
# submit real jobs (the playbooks' deploy run).
#
#   slurm-local.sh start DIR   writes DIR/slurm.conf, starts the daemons, waits for the node
#   slurm-local.sh stop DIR    stops the daemons started into DIR (by their PID files)
#
# Everything lives under DIR: munge's key, socket, pid and log; slurm.conf; the state, spool
# and log directories; free TCP ports picked at start. Nothing under /etc, /run or /var is
# touched, so it runs beside any other Slurm on the machine. Clients find it through
# SLURM_CONF=DIR/slurm.conf. The node is "localhost" (slurmd -N localhost: the machine's
# host name need not be localhost). Exit status of start: 0 up, 77 this machine refuses the
# daemons (not root, or the kernel says no; the caller skips), 1 anything else.
set -euo pipefail

die() { echo "slurm-local: $*" >&2; exit 1; }
refused() { echo "slurm-local: $*" >&2; exit 77; }

free_port() {
  # a port nothing listens on, from a range above the usual ephemeral ones' start
  local p used
  used=$(ss -Htln 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)
  for _ in $(seq 200); do
    p=$((21000 + RANDOM % 30000))
    grep -qx "$p" <<<"$used" || { echo "$p"; return; }
  done
  die "no free TCP port"
}

start() {
  local dir=$1 ctld_port d_port
  [ "$(id -u)" -eq 0 ] || refused "slurmd runs jobs as their owner only as root (uid is $(id -u))"
  for tool in munged munge slurmctld slurmd sbatch scontrol sinfo ss; do
    command -v "$tool" >/dev/null || die "$tool not found: install slurm-wlm and munge (bash scripts/deps.sh test)"
  done
  mkdir -p "$dir"/{ctld,spool,log}
  chmod 0700 "$dir"
  ctld_port=$(free_port)
  d_port=$(free_port)
  while [ "$d_port" = "$ctld_port" ]; do d_port=$(free_port); done

  head -c 1024 /dev/urandom >"$dir/munge.key"
  chmod 0400 "$dir/munge.key"
  munged --force --key-file="$dir/munge.key" --socket="$dir/munge.sock" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munged.seed" \
    2>"$dir/log/munged.err" || { cat "$dir/log/munged.err" >&2; refused "munged did not start"; }
  for _ in $(seq 50); do munge -S "$dir/munge.sock" -n >/dev/null 2>&1 && break; sleep 0.1; done
  munge -S "$dir/munge.sock" -n | unmunge -S "$dir/munge.sock" >/dev/null || die "munged does not answer"

  cat >"$dir/slurm.conf" <<CONF
ClusterName=modaktest
# start jobs at once (by default a job waits about 3 s to be scheduled)
SchedulerParameters=batch_sched_delay=0
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.sock
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm.conf
  slurmctld -f "$SLURM_CONF" 2>"$dir/log/slurmctld.err" ||
    { tail -5 "$dir/log/slurmctld.log" >&2 || true; die "slurmctld did not start"; }
  for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
  scontrol ping 2>/dev/null | grep -q UP || { tail -20 "$dir/log/slurmctld.log" >&2; die "slurmctld does not answer"; }
  if ! slurmd -f "$SLURM_CONF" -N localhost 2>"$dir/log/slurmd.err"; then
    if grep -qiE 'operation not permitted|permission denied' "$dir/log/slurmd.err" "$dir/log/slurmd.log" 2>/dev/null; then
      refused "the kernel refused slurmd: $(tail -1 "$dir/log/slurmd.log")"
    fi
    tail -20 "$dir/log/slurmd.log" >&2 || true
    die "slurmd did not start"
  fi
  for _ in $(seq 150); do
    sinfo -h -n localhost -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && return 0
    sleep 0.1
  done
  tail -20 "$dir/log/slurmd.log" >&2 || true
  die "the node did not become idle"
}

stop() {
  local dir=$1 f pid pids=()
  # TERM all three at once (each takes a second or two to exit), then wait, then KILL
  for f in slurmd slurmctld munged; do
    pid=$(cat "$dir/$f.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  done
  rm -f "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid
}

case "${1:-}" in
  start) [ -n "${2:-}" ] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

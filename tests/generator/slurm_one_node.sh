#!/usr/bin/env bash
# slurm_one_node.sh — a private one-node Slurm (munged, slurmctld, slurmd) for the job tests.
#
#   slurm_one_node.sh start DIR   writes DIR/slurm.conf, starts the daemons, waits for the node
#   slurm_one_node.sh stop DIR    stops the daemons started into DIR (by their PID files)
#
# Everything lives under DIR: the munge key and socket, the configuration, the state, spool and
# log directories, and free TCP ports picked at start. Nothing in /etc, /run or /var is touched,
# so it can run beside another Slurm on the same machine. Clients find it through
# SLURM_CONF=DIR/slurm.conf. Exit status of start: 0 up, 77 the kernel or the account refused
# the daemons (the caller skips), 1 anything else.
set -euo pipefail

die() { echo "slurm_one_node: $*" >&2; exit 1; }
refused() { echo "slurm_one_node: $*" >&2; exit 77; }

free_port() {
  local p used
  used=$(ss -Htln 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    grep -qx "$p" <<<"$used" || { echo "$p"; return; }
  done
  die "no free TCP port found"
}

start() {
  local dir=$1 cpus ctld_port d_port
  [ "$(id -u)" -eq 0 ] || refused "slurmd must run as root to start jobs (running as uid $(id -u))"
  for tool in munged munge slurmctld slurmd sbatch scontrol sinfo ss; do
    command -v "$tool" >/dev/null || die "$tool not found: install slurm-wlm and munge (bash scripts/deps.sh test)"
  done
  mkdir -p "$dir"/{ctld,spool,log}
  chmod 0700 "$dir"
  cpus=$(nproc)
  ctld_port=$(free_port)
  d_port=$(free_port)
  while [ "$d_port" = "$ctld_port" ]; do d_port=$(free_port); done

  # munge: own key, socket, pid and log, so that a system munged is neither needed nor disturbed
  head -c 1024 /dev/urandom >"$dir/munge.key"
  chmod 0400 "$dir/munge.key"
  munged --force --key-file="$dir/munge.key" --socket="$dir/munge.sock" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munged.seed" \
    2>"$dir/log/munged.err" || { cat "$dir/log/munged.err" >&2; refused "munged did not start"; }
  for _ in $(seq 50); do munge -S "$dir/munge.sock" -n >/dev/null 2>&1 && break; sleep 0.1; done
  munge -S "$dir/munge.sock" -n >/dev/null || die "munged does not answer"

  cat >"$dir/slurm.conf" <<CONF
ClusterName=modaktest
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
SchedulerParameters=batch_sched_delay=0
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
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm.conf
  slurmctld -f "$SLURM_CONF" 2>"$dir/log/slurmctld.err" || { tail -5 "$dir/log/slurmctld.log" >&2 || true; die "slurmctld did not start"; }
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
    [ -f "$dir/$f.pid" ] || continue
    pid=$(cat "$dir/$f.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid
}

case "${1:-}" in
  start) [ -n "${2:-}" ] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

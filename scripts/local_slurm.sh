#!/usr/bin/env bash
# A single-node Slurm on this machine (munge, slurmctld, slurmd from Debian's slurm-wlm), for
# `marrow sweep --scheduler slurm` without a cluster: the tests use it, and so can anyone who
# wants to try a sweep as a job array before taking it to a real cluster.
#   scripts/local_slurm.sh start    # install what is missing, write the configuration, start
#   scripts/local_slurm.sh stop     # stop the daemons (the configuration stays)
#   scripts/local_slurm.sh status   # sinfo
# Needs root (the daemons, /etc/slurm). It writes /etc/slurm/slurm.conf only when there is none
# or when the one there is its own, so a real cluster's configuration is never replaced.
set -euo pipefail
mode=${1:-start}
conf=/etc/slurm/slurm.conf
marker="# written by marrow scripts/local_slurm.sh"
state=/var/spool/marrow-slurm
log=/var/log/marrow-slurm

need_root() {
  [[ $(id -u) == 0 ]] || {
    echo "local_slurm.sh: needs root (it starts munged, slurmctld and slurmd)" >&2
    exit 2
  }
}

stop() {
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  for _ in $(seq 50); do pgrep -x slurmd >/dev/null || pgrep -x slurmctld >/dev/null || break; sleep 0.1; done
  pkill -x munged 2>/dev/null || true
}

start() {
  need_root
  local missing=()
  for p in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [[ -e $conf ]] && ! grep -qF "$marker" "$conf"; then
    echo "local_slurm.sh: $conf exists and is not ours; a configured Slurm is already here" >&2
    exit 2
  fi
  stop
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
  mkdir -p /etc/slurm "$state/ctld" "$state/d" "$log" /run/munge /var/lib/munge /var/log/munge
  # One node, every core a slot; no cgroups (containers often have none) and no accounting.
  cat >"$conf" <<EOF
$marker
ClusterName=marrow-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=/run/marrow-slurmctld.pid
SlurmdPidFile=/run/marrow-slurmd.pid
SlurmctldLogFile=$log/slurmctld.log
SlurmdLogFile=$log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MaxArraySize=100001
MaxJobCount=200000
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=30
KillWait=10
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  [[ -s /etc/munge/munge.key ]] || {
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
  }
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
  chmod 0700 /etc/munge
  chmod 0400 /etc/munge/munge.key
  if id munge >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged
  else
    /usr/sbin/munged --force
  fi
  /usr/sbin/slurmctld
  /usr/sbin/slurmd
  # Ready when the node accepts work.
  for _ in $(seq 100); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      sinfo
      return 0
    fi
    sleep 0.2
  done
  echo "local_slurm.sh: the node did not come up; see $log/slurmctld.log and $log/slurmd.log" >&2
  sinfo >&2 || true
  exit 1
}

case $mode in
  start) start ;;
  stop) need_root; stop ;;
  status) sinfo ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac

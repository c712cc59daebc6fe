#!/usr/bin/env bash
# Start a single-node SLURM cluster on this machine (Debian/Ubuntu, run as root,
# with or without systemd). Idempotent: running it again with the daemons up only
# checks that the node is idle (after restarting them if it had to rewrite an older
# configuration of its own). Used by .ci/run before the tests marked `slurm`.
#
#   bash scripts/slurm-up.sh            # install if needed, configure, start, wait for the node
#   SLURM_UP_TIMEOUT=60 bash scripts/slurm-up.sh
#
# Stop everything with scripts/slurm-down.sh. The configuration is written to
# /etc/slurm/slurm.conf only if that file is missing or was written by this script.
set -euo pipefail

CONF_DIR=${SLURM_CONF_DIR:-/etc/slurm}
CONF=$CONF_DIR/slurm.conf
STATE_DIR=/var/lib/slurm/slurmctld
SPOOL_DIR=/var/lib/slurm/slurmd
LOG_DIR=/var/log/slurm
RUN_DIR=/run/slurm
TIMEOUT=${SLURM_UP_TIMEOUT:-60}
MARKER="# written by l2l scripts/slurm-up.sh"

die() { echo "slurm-up: error: $*" >&2; exit 1; }
say() { echo "slurm-up: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "run as root (it starts munged, slurmctld and slurmd)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
fi

host=$(hostname -s)
cpus=$(nproc)
# The node offers four job slots per core: the tests' array tasks mostly sleep or wait for files, and on a
# 2-core machine two slots made them queue behind each other (config_overrides below lets slurmd accept it).
slots=$((cpus * 4))
memory_mb=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)

install -d -m 0755 "$CONF_DIR" "$STATE_DIR" "$SPOOL_DIR" "$LOG_DIR" "$RUN_DIR"

if [ ! -f "$CONF" ] || grep -qF "$MARKER" "$CONF"; then
    tmp=$(mktemp "$CONF_DIR/.slurm.conf.XXXXXX")
    cat >"$tmp" <<EOF
$MARKER
ClusterName=l2l
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
StateSaveLocation=$STATE_DIR
SlurmdSpoolDir=$SPOOL_DIR
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# Small limits so that tests of array splitting and of requeueing run fast.
MaxArraySize=1001
KillWait=2
MinJobAge=10
# Start a job as soon as it is submitted or a slot frees (batch_sched_delay=0, sched_min_interval=0) and let
# the backfill pass run every second (its default is 30 s): a job waited about a second for a slot before.
SchedulerParameters=sched_interval=2,bf_interval=1,batch_sched_delay=0,sched_min_interval=0
SlurmdParameters=config_overrides
InactiveLimit=0
Waittime=0
NodeName=$host CPUs=$slots RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
    chmod 0644 "$tmp"
    if [ -f "$CONF" ] && cmp -s "$tmp" "$CONF"; then
        rm -f "$tmp"
    else
        mv -f "$tmp" "$CONF"
        say "wrote $CONF (node $host, $slots CPUs on $cpus cores, $memory_mb MB)"
        rewritten=1
    fi
else
    say "keeping $CONF (not written by this script)"
fi

# munge: a key readable only by its owner, a socket directory, one daemon.
if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null; then mungekey --create --force; else
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none; fi
fi
chown munge:munge /etc/munge/munge.key 2>/dev/null || true
chmod 0400 /etc/munge/munge.key
install -d -m 0755 -o munge -g munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null \
    || install -d -m 0755 /run/munge /var/log/munge /var/lib/munge

running() { pgrep -x "$1" >/dev/null; }

if ! running munged; then
    say "starting munged"
    if id munge >/dev/null 2>&1; then
        su -s /bin/sh munge -c "munged --force" 2>/dev/null || munged --force
    else
        munged --force
    fi
fi
for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
munge -n </dev/null | unmunge >/dev/null 2>&1 || die "munge does not work (see /var/log/munge)"

# Daemons started with an earlier configuration do not read the new one (a node's CPUs are read at start):
# restart them. Queued and running jobs survive (slurmctld keeps its state in $STATE_DIR).
if [ "${rewritten:-0}" = 1 ] && { running slurmctld || running slurmd; }; then
    say "restarting slurmctld and slurmd with the new $CONF"
    scontrol shutdown >/dev/null 2>&1 || true
    for _ in $(seq 100); do running slurmctld || running slurmd || break; sleep 0.1; done
    if running slurmctld || running slurmd; then die "slurmctld or slurmd did not stop for the restart"; fi
fi

if ! running slurmctld; then
    say "starting slurmctld"
    slurmctld || die "slurmctld did not start; see $LOG_DIR/slurmctld.log"
fi
if ! running slurmd; then
    say "starting slurmd"
    slurmd || die "slurmd did not start; see $LOG_DIR/slurmd.log"
fi

# Wait until the node accepts jobs; a node left DOWN/DRAIN by an earlier crash is resumed.
deadline=$((SECONDS + TIMEOUT))
while :; do
    state=$(sinfo --noheader --nodes="$host" --format=%T 2>/dev/null | head -n1 || true)
    case "$state" in
        idle|mixed|allocated|completing) break ;;
        down*|drain*|drained*|fail*)
            scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
        die "node $host is not idle after ${TIMEOUT}s (state: '${state:-unreachable}'); see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd.log"
    fi
    sleep 0.5
done
say "ready: node $host is $state ($(sinfo --noheader --format='%P %D %c' | head -n1))"

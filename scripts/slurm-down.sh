#!/usr/bin/env bash
# Stop the single-node SLURM started by scripts/slurm-up.sh: cancel remaining
# jobs, then stop slurmd, slurmctld and munged. Idempotent; the configuration
# and the state directory stay (start again with scripts/slurm-up.sh).
set -uo pipefail

say() { echo "slurm-down: $*" >&2; }

stop() {  # stop <daemon name> <pid file>: TERM, wait up to 10 s, then KILL
    local name=$1 pidfile=$2 pid=""
    [ -f "$pidfile" ] && pid=$(cat "$pidfile" 2>/dev/null)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || pid=$(pgrep -x "$name" | head -n1)
    [ -n "$pid" ] || return 0
    say "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
}

if pgrep -x slurmctld >/dev/null; then
    scancel --user="$(id -un)" >/dev/null 2>&1 || true
fi
stop slurmd /run/slurm/slurmd.pid
stop slurmctld /run/slurm/slurmctld.pid
stop munged /run/munge/munged.pid
say "stopped"

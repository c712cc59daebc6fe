#!/usr/bin/env bash
# Set up everything the test suite needs on this machine, then run it.
#
#   bash scripts/test.sh              # the whole suite (what CI runs)
#   bash scripts/test.sh -k resume    # extra arguments go to pytest
#
# As root it installs the system packages the tests use (SLURM, munge,
# Chromium for the HTML report test) and starts a single-node SLURM; the
# project itself is installed with its test extra into the current Python.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
    missing=()
    command -v slurmctld >/dev/null || missing+=(slurm-wlm)
    command -v munged >/dev/null || missing+=(munge)
    command -v chromium >/dev/null || missing+=(chromium)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "test.sh: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

python -m pip install -q -e ".[test,nest,brian2,nevergrad,datasets]"
bash scripts/slurm-up.sh
exec python -m pytest "$@"

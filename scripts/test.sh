#!/usr/bin/env bash
# Set up everything the test suite needs on this machine, then run it.
#
#   bash scripts/test.sh              # the whole suite (what CI runs)
#   bash scripts/test.sh -k resume    # extra arguments go to pytest (one pytest process)
#
# Without arguments the suite runs as four pytest processes side by side on the machine's two cores
# (tests/conftest.py: --part 1 holds every SLURM test and the tests that mostly wait); the reports of parts 3, 4 and
# 1 follow part 2's, and the exit status is nonzero if any failed.
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
# Python's bytecode cache: some machines set PYTHONDONTWRITEBYTECODE=1, and then every `python -m l2l` the tests
# start, every Dask worker and SLURM job compiles l2l from source again (~0.6 s of CPU each), and each pytest
# process rewrites the asserts of all ~450 test files (25 s of CPU instead of 10). Write the caches (they are
# ignored by git) and compile l2l once before the four processes start.
unset PYTHONDONTWRITEBYTECODE
python -m compileall -q l2l >/dev/null
if [ $# -gt 0 ]; then
    exec python -m pytest "$@"
fi

# four pytest processes side by side (tests/conftest.py: part 1 holds the SLURM tests and those that mostly wait;
# parts 2 to 4 the others, three CPU-bound processes so that both cores stay busy while one of them waits)
log1="$(mktemp -t l2l-tests-part1.XXXXXX)"
log3="$(mktemp -t l2l-tests-part3.XXXXXX)"
log4="$(mktemp -t l2l-tests-part4.XXXXXX)"
python -m pytest --part 1 >"$log1" 2>&1 &
first=$!
python -m pytest --part 3 >"$log3" 2>&1 &
third=$!
python -m pytest --part 4 >"$log4" 2>&1 &
fourth=$!
# a background job of a script ignores Ctrl-C: end them with the script
trap 'kill -TERM "$first" "$third" "$fourth" 2>/dev/null || true' EXIT
second_status=0
python -m pytest --part 2 || second_status=$?
if [ "$second_status" -eq 2 ]; then  # pytest's status for an interrupted run: stop the others too
    kill -TERM "$first" "$third" "$fourth" 2>/dev/null || true
fi
first_status=0
wait "$first" || first_status=$?
third_status=0
wait "$third" || third_status=$?
fourth_status=0
wait "$fourth" || fourth_status=$?
trap - EXIT
echo
echo "==== part 3 (pytest --part 3; it ran beside part 2 above) ===="
cat "$log3"
echo
echo "==== part 4 (pytest --part 4; it ran beside part 2 above) ===="
cat "$log4"
echo
echo "==== part 1 (pytest --part 1; it ran beside part 2 above) ===="
cat "$log1"
rm -f "$log1" "$log3" "$log4"
echo "test.sh: part 2 exit status $second_status, part 3 exit status $third_status, part 4 exit status" \
     "$fourth_status, part 1 exit status $first_status"
[ "$second_status" -eq 0 ] && [ "$third_status" -eq 0 ] && [ "$fourth_status" -eq 0 ] && [ "$first_status" -eq 0 ]

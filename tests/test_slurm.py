"""Backend 'slurm' (Dask workers as SLURM jobs) and 'l2l submit', against the real single-node SLURM."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest

import l2l
from conftest import comparable, make_config
from l2l.cli import main
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS, signals
from slurm_helpers import (Background, ancestors, executable, job_processes, kill9, l2l_command,
                           no_duplicates, require_slurm, squeue, wait_for, write_toml)

SLEEP_SPACE = {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}}


# -- offline ------------------------------------------------------------------------------------------

def test_dry_run_prints_the_worker_job_script_with_resources_and_staggered_lifetime(tmp_path, capsys):
    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "dry"}, "space": SLEEP_SPACE, "optimizer": {"name": "random"},
        "simulator": {"name": "sphere"},
        "backend": {"name": "slurm", "partition": "debug", "account": "proj42", "cores": 4,
                    "memory": "8GB", "walltime": "02:00:00", "job_extra_directives": ["--qos=long"],
                    "prologue": ["module load python/3.11"]}})
    assert main(["run", str(config), "--dry-run"]) == 0
    script = capsys.readouterr().out
    for expected in ("#SBATCH -p debug", "#SBATCH -A proj42", "#SBATCH --cpus-per-task=4", "#SBATCH --qos=long",
                     "#SBATCH -t 02:00:00", "module load python/3.11", "--nthreads 1", "--lifetime 6600s",
                     "--lifetime-stagger 300s"):
        assert expected in script, expected


def test_bad_slurm_options_are_refused_with_the_value():
    with pytest.raises(ConfigError, match="minimum_jobs=3, maximum_jobs=2"):
        BACKENDS.create("slurm", {"minimum_jobs": 3, "maximum_jobs": 2})
    with pytest.raises(ConfigError, match="lifetime '02:00:00' must be shorter than walltime"):
        BACKENDS.create("slurm", {"walltime": "01:00:00", "lifetime": "02:00:00"})


def test_submit_dry_run_writes_a_requeueable_script_that_quotes_the_paths(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "it's here"
    folder.mkdir()
    config = write_toml(folder / "c.toml", {"run": {"name": "outer"}, "space": SLEEP_SPACE,
                                            "optimizer": {"name": "random"}, "simulator": {"name": "sphere"}})
    # no sbatch on PATH: the dry run's 'sbatch --test-only' of the loop's job is not made (the local SLURM has no
    with monkeypatch.context() as without:  # partition 'long'); the script's text is what this reads
        without.setenv("PATH", str(tmp_path / "no-sbatch"))
        assert main(["submit", str(config), "--dry-run", "--time", "01:00:00", "--signal-seconds", "120",
                     "--partition", "long", "--prologue", "module load python"]) == 0
    script = capsys.readouterr().out
    assert "#SBATCH --signal=B:USR1@120" in script and "#SBATCH --requeue" in script
    assert "#SBATCH --partition=long" in script and "module load python" in script
    assert "'\"'\"'s here" in script  # the single quote of the folder name, quoted for the shell
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)
    assert not list(folder.glob("*.h5*"))


def test_a_stop_signal_only_asks_its_own_run_to_stop():
    import os
    import signal

    from l2l.control import RunControl
    control, other = RunControl(), RunControl()
    previous = signals.install(control, [signal.SIGUSR1])
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        wait_for(lambda: control.stop_requested, 5, "the flag")
        assert control.stop_reason == "signal SIGUSR1"
        assert not other.stop_requested
    finally:
        signals.restore(previous)
    assert signal.getsignal(signal.SIGUSR1) is previous[signal.SIGUSR1]


# -- against SLURM ----------------------------------------------------------------------------------

#: The evaluation of the run whose worker job is cancelled and whose worker is killed: the sphere of ``x`` (``a,b``).
#: In a worker job, until the file ``go`` is in its folder, it first notes the job it runs in and its worker process
#: (``inflight-<job id>`` holds the pid), then waits for ``go`` (at most 300 s), which the test makes once one worker
#: job is cancelled and the other's worker killed: both faults land in the middle of an evaluation whatever the
#: load. Before, the evaluations slept 1 s, and the test cancelled a job 2 s after both ran: under load the
#: generation could be over by then (or not started), and the worker it killed was the first child of the first
#: dask_worker process on the machine: the cancelled job's on its way out, or another session's.
GATED_WORKER_SPHERE = """#!/bin/sh
if [ -n "${{SLURM_JOB_ID:-}}" ] && [ ! -e {folder}/go ]; then
    noted={folder}/inflight-"$SLURM_JOB_ID"
    echo "$PPID" > "$noted.tmp" && mv "$noted.tmp" "$noted"
    for _ in $(seq 3000); do [ -e {folder}/go ] && break; sleep 0.1; done
fi
echo "$1" | awk -F, '{{ print $1 * $1 + $2 * $2 }}'
"""


@pytest.mark.slurm
def test_slurm_workers_survive_a_cancelled_job_and_a_killed_worker_and_match_serial(tmp_path):
    require_slurm()
    program = executable(tmp_path / "sphere.sh", GATED_WORKER_SPHERE.format(folder=shlex.quote(str(tmp_path))))
    name = f"workers{os.getpid()}"  # the worker jobs' name, l2l-<name>: this session's alone
    settings = {"run": {"name": name, "seed": 5, "generations": 2}, "space": SLEEP_SPACE,
                "optimizer": {"name": "ga", "population_size": 6},
                "simulator": {"name": "command", "argv": [str(program), "{x}"]},
                "backend": {"name": "slurm", "minimum_jobs": 2, "maximum_jobs": 2, "walltime": "00:10:00",
                            "memory": "1GB", "chunk_size": 1}}
    go = tmp_path / "go"

    def waiting_jobs() -> list[str]:
        """The run's running worker jobs that have an evaluation waiting for 'go'."""
        running = [r[0] for r in squeue("--format=%i|%T|%j") if r[1] == "RUNNING" and r[2] == f"l2l-{name}"]
        return [job for job in running if (tmp_path / f"inflight-{job}").exists()]

    def inject():
        try:
            cancelled, killed = wait_for(lambda: len(waiting_jobs()) >= 2 and waiting_jobs(), 180,
                                         "an evaluation waiting in each of the two worker jobs")[:2]
            subprocess.run(["scancel", cancelled], check=True, timeout=30)
            # the worker process of the other job, not the cancelled job's, which may still be on its way out: the
            # one running the evaluation that waits there, under the job's nanny (the dask_worker command). Before,
            # the first child of the first dask_worker process on the machine: not even a worker (the nanny's
            # multiprocessing resource tracker; the worker, started by another of its threads, is not listed)
            worker = int((tmp_path / f"inflight-{killed}").read_text())  # the evaluation's parent process
            nanny = wait_for(lambda: job_processes(killed, "distributed.cli.dask_worker"), 30,
                             f"the nanny of worker job {killed}")[0]
            assert ancestors(worker)[:1] == [nanny], (worker, ancestors(worker), nanny)
            kill9(worker)
            wait_for(lambda: not job_processes(cancelled, "distributed.cli.dask_worker"), 60,
                     f"the cancelled job {cancelled}'s worker to end")
        finally:
            go.touch()

    injector = Background(inject)
    injector.start()
    # the serial run it must match, in a thread beside the SLURM run (outside a job its evaluations do not wait)
    serial_run = Background(lambda: l2l.run(make_config(**{**settings, "backend": {"name": "serial"}}),
                                            tmp_path / "serial.h5"))
    serial_run.start()
    before = set(Path.cwd().glob("slurm-*.out"))
    frame = l2l.load(l2l.run(make_config(**settings), tmp_path / f"{name}.h5"))
    injector.check()
    serial_run.check()
    assert len(frame) == 12 and no_duplicates(frame) and (frame["status"] == "ok").all()
    # the worker jobs' logs are the run's, never sbatch's default slurm-<id>.out in the current folder
    assert list((tmp_path / f"{name}.work" / "slurm-logs").glob("l2l-worker-*.out"))
    assert set(Path.cwd().glob("slurm-*.out")) == before
    expected = l2l.load(tmp_path / "serial.h5")
    # the evaluations the cancelled job and the killed worker took along ran again: each run is an attempt
    assert (frame["attempts"] >= 1).all() and (expected["attempts"] == 1).all()
    assert frame["attempts"].sum() >= 12 + 2, frame[["generation", "individual", "attempts"]]
    assert comparable(frame).drop(columns="attempts").equals(comparable(expected).drop(columns="attempts"))


#: The evaluation of the submitted run: the sphere of ``x`` (``a,b``). In the job's first run (restart 0), from
#: generation 2 on, it says it waits (``gated``), then waits until the job's log holds the batch shell's line for
#: the walltime signal: that run cannot end before the signal, whatever the load (it ended first once, its 18
#: evaluations of 0.3 s done before the signal reached it), and it stops on the signal by itself. Elsewhere
#: (the requeued job, the reference run outside SLURM) it answers at once.
GATED_SPHERE = """#!/bin/sh
if [ -n "${{SLURM_JOB_ID:-}}" ] && [ "${{SLURM_RESTART_COUNT:-0}}" = 0 ] && [ "$2" -ge 2 ]; then
    : > {folder}/gated
    for _ in $(seq 6000); do  # 300 s at most
        grep -q 'stop signal; asking the loop' {folder}/outer.h5.slurm-"$SLURM_JOB_ID".log 2>/dev/null && break
        sleep 0.05
    done
fi
echo "$1" | awk -F, '{{ print $1 * $1 + $2 * $2 }}'
"""


@pytest.mark.slurm
def test_submitted_outer_loop_stops_on_the_walltime_signal_requeues_and_resumes(tmp_path):
    require_slurm()
    program = executable(tmp_path / "sphere.sh", GATED_SPHERE.format(folder=shlex.quote(str(tmp_path))))
    settings = {"run": {"name": "outer", "seed": 4, "generations": 6}, "space": SLEEP_SPACE,
                "optimizer": {"name": "ga", "population_size": 3},
                "simulator": {"name": "command", "argv": [str(program), "{x}", "{generation}"]},
                "backend": {"name": "serial"}}
    config = write_toml(tmp_path / "outer.toml", settings)
    out = tmp_path / "outer.h5"
    submitted = subprocess.run(l2l_command("submit", str(config), "--out", str(out), "--time", "00:10:00",
                                           "--signal-seconds", "60", "--stop-grace", "50"),
                               check=True, capture_output=True, text=True).stdout
    job = submitted.split()[2].rstrip(":")
    # the same run outside SLURM, never stopped: what the resumed run must equal (beside the job's waits)
    reference = Background(lambda: l2l.run(settings, tmp_path / "reference.h5"))
    reference.start()

    def rows() -> int:
        try:
            return len(l2l.load(out))
        except Exception:  # noqa: BLE001 - not created yet
            return 0

    wait_for((tmp_path / "gated").exists, 240, "the first evaluation of generation 2 in the job")
    # What SLURM does `--signal` seconds before the walltime:
    subprocess.run(["scancel", "--batch", "--signal=USR1", job], check=True)
    wait_for(lambda: any(r[0] == job and r[1] == "PENDING" for r in squeue("--format=%i|%T", "--states=all")),
             60, "the job to be requeued")
    stopped_at = rows()
    # A requeued job waits about two minutes before it may start again; let it go sooner, but not at once:
    # started within about a second of its requeue, the job lands on a node that still holds its first
    # run's revoked credential and fails ("Job credential revoked"); the two-minute wait exists for that.
    # The release can race with the requeue under load, so repeat it while the job still waits.
    requeued_at = time.monotonic()

    def resumed_and_completed() -> bool:
        states = [r[1] for r in squeue("--format=%i|%T", "--states=all") if r[0] == job]
        if "COMPLETED" in states:
            return True
        assert not {"FAILED", "CANCELLED", "NODE_FAIL", "BOOT_FAIL"} & set(states), f"the job ended as {states}"
        waiting = not {"RUNNING", "COMPLETING", "CONFIGURING"} & set(states)  # pending, requeued or held
        if waiting and time.monotonic() - requeued_at > 5:
            subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now"], capture_output=True)
            subprocess.run(["scontrol", "release", job], capture_output=True)
            time.sleep(0.5)
        return False

    wait_for(resumed_and_completed, 180, "the resumed job to complete")
    frame = l2l.load(out)
    # generations 0 and 1 were committed before the stop, and the run stopped before its end
    assert 6 <= stopped_at < 18, f"{stopped_at} evaluations in the file at the requeue"
    assert len(frame) == 18 and no_duplicates(frame)
    log = out.with_name(f"outer.h5.slurm-{job}.log").read_text()
    # the loop stopped by itself on the signal (not interrupted after --stop-grace), was requeued, then resumed
    assert "stopped (signal SIGUSR1) after committing every finished evaluation" in log, log
    assert "requeueing job" in log and "l2l resume" in log
    reference.join(timeout=300)  # in this process, niced beside the load: it may end after the resumed job
    assert not reference.is_alive(), "the reference run did not end within 300 s"
    reference.check()
    expected = l2l.load(tmp_path / "reference.h5")
    assert (frame["status"] == "ok").all()
    assert comparable(frame).equals(comparable(expected))

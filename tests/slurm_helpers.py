"""Helpers of the tests that run against the single-node SLURM of scripts/slurm-up.sh."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from conftest import write_toml  # noqa: F401 - the shared TOML writer, imported from here by the SLURM tests

ROOT = Path(__file__).resolve().parents[1]


def require_slurm() -> None:
    """Fail (never skip) when SLURM cannot be reached: these tests must run in CI."""
    try:
        done = subprocess.run(["sinfo", "--noheader", "--format=%T"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"SLURM is not reachable ({exc}); start it with: bash scripts/slurm-up.sh")
    states = done.stdout.split()
    # 'planned': up, with CPUs the backfill scheduler has set aside for a job waiting for them (a job of an
    # earlier test, or the walltime run of test_slurm_array.py that holds one CPU while other tests run)
    usable = ("idle", "mixed", "allocated", "completing", "planned")
    if done.returncode != 0 or not any(s in usable for s in states):
        pytest.fail(f"SLURM is not usable (sinfo exit {done.returncode}, states {states}, "
                    f"{done.stderr.strip()}); start it with: bash scripts/slurm-up.sh")


def squeue(*args: str) -> list[list[str]]:
    done = subprocess.run(["squeue", "--noheader", *args], capture_output=True, text=True, timeout=20)
    return [line.split("|") for line in done.stdout.splitlines() if line.strip()]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, pause: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(pause)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def ancestors(pid: int) -> list[int]:
    """``pid``'s parent, its parent, and so on (a process's children that its other threads started are not in
    :func:`children`, which reads its main thread's)."""
    found = []
    while pid > 1:
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            break
        found.append(pid)
    return found


def pids_of(pattern: str) -> list[int]:
    done = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return [int(p) for p in done.stdout.split() if int(p) != os.getpid()]


def job_processes(job_id: str, pattern: str = "", task_id: str | None = None) -> list[int]:
    """The processes of SLURM job ``job_id`` (``SLURM_JOB_ID``, or ``SLURM_ARRAY_JOB_ID`` with ``SLURM_ARRAY_TASK_ID``
    ``task_id`` for an array's task) whose command line holds ``pattern``, by pid: a job's own processes, never
    those of another session's job that runs the same program."""
    wanted = ({"SLURM_ARRAY_JOB_ID": job_id, "SLURM_ARRAY_TASK_ID": task_id} if task_id is not None
              else {"SLURM_JOB_ID": job_id})
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = dict(item.partition("=")[::2] for item in
                           (entry / "environ").read_bytes().decode(errors="replace").split("\0") if item)
        except OSError:  # ended meanwhile
            continue
        if pattern in command and all(environ.get(key) == value for key, value in wanted.items()):
            found.append(int(entry.name))
    return sorted(found)


def kill9(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Background(threading.Thread):
    """Run fault injection beside the run; re-raise its assertion errors in the test."""

    def __init__(self, target: Callable[[], None]):
        super().__init__(daemon=True)
        self.target_function, self.error = target, None

    def run(self) -> None:
        try:
            self.target_function()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc

    def check(self) -> None:
        self.join(timeout=60)
        if self.error is not None:
            raise self.error


def l2l_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "l2l.cli", *args]


def no_duplicates(frame) -> bool:
    return not frame.duplicated(["generation", "individual"]).any()


#: A serial run of three generations of random search on a 1-D sphere, the outer run the job-script tests submit.
OUTER_RUN = {"run": {"name": "outer", "generations": 3},
             "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
             "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"},
             "backend": {"name": "serial"}}


def executable(path: Path, text: str) -> Path:
    """``text`` written to ``path`` made executable (a stand-in program or a job's loop script)."""
    path.write_text(text)
    path.chmod(0o755)
    return path

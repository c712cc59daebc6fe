"""Shared fixtures: small configs and a folder of test models."""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

BASE: dict[str, Any] = {
    "run": {"name": "test", "seed": 5, "generations": 4},
    "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [3]},
              "k": {"type": "int", "low": 1, "high": 4},
              "c": {"type": "categorical", "choices": [0.5, 1.0, 2.0]}},
    "optimizer": {"name": "ga", "population_size": 8},
    "simulator": {"name": "rastrigin"},
    "backend": {"name": "serial"},
}


def make_config(**sections: Any):
    """A validated config: BASE with whole sections or ``run`` keys replaced."""
    from l2l.config import from_mapping

    data = copy.deepcopy(BASE)
    for key, value in sections.items():
        if key in data and isinstance(value, dict) and key == "run":
            data[key].update(value)
        else:
            data[key] = value
    return from_mapping(data, base_dir=TESTS)


# scripts/test.sh runs the whole suite as four pytest processes side by side, ``--part 1`` to ``--part 4``: the
# machine it must finish on in 15 minutes has two cores, and the suite is single-process CPU work but for the tests
# that wait. Part 1 holds every SLURM test (one process alone submits jobs to the local SLURM) and the files
# FIRST_PART names, which mostly wait (on SLURM jobs, on Dask schedulers that go away and come back, on clocks, on
# other processes) and so leave most of a core to the other parts; every other file goes to part 2, 3 or 4 so that
# the three take about the same time: by the seconds tests/data/suite_seconds.json holds for it
# (scripts/suite_times.py writes that table from a quiet run's --durations), the largest file first, each into the
# part with fewer seconds so far. A test passes in any part: every test must pass under load.
FIRST_PART = frozenset(f"test_{name}.py" for name in (
    "dask_external_scheduler_gone", "dask_external_auto", "dask_external_nevergrad", "dask_no_workers_said",
    "dask_resume_more_workers", "dask_rerun_compute", "hang_limits", "max_time_clock", "async",
    "local_async_idle_workers", "lock_real_path", "run_isolation", "startup_barrier", "ctrl_c_policy",
    "command_fidelity_user", "nest", "brian2", "lsm_engines", "dask_address_plainly_bad", "dask_session_address",
    "early_ctrl_c"))
PARTS = ("1", "2", "3", "4")
#: The parts the files outside part 1 are split into: three CPU-bound processes beside part 1 keep both cores busy
#: while one of them waits (a subprocess, a clock, a scheduler); with two, each was busy 79 % of its time (session 42).
OTHER_PARTS = ("2", "3", "4")
_TESTS_FOLDER = Path(__file__).resolve().parent


def _part_of(item) -> str:
    """The part (``--part``) an item's file runs in."""
    if item.get_closest_marker("slurm") is not None or item.path.name in FIRST_PART:
        return "1"
    return _split_of_the_others().get(item.path.name, "2")


@functools.cache
def _split_of_the_others() -> dict[str, str]:
    """Part 2, 3 or 4 for each test file not in FIRST_PART: the largest first (tests/data/suite_seconds.json; a file not
    in the table, 0.1 s a test), each into the part with fewer seconds so far; ties by name. The same in every pytest
    process of a run (the table and the files are read, not the items one process selected)."""
    try:
        table = json.loads((_TESTS_FOLDER / "data" / "suite_seconds.json").read_text())
    except (OSError, ValueError):
        table = {}
    seconds = {}
    for path in sorted(_TESTS_FOLDER.glob("test_*.py")):
        if path.name in FIRST_PART:
            continue
        known = table.get(path.name)
        if not isinstance(known, (int, float)):
            known = 0.1 * len(re.findall(r"^\s*(?:async )?def test_", path.read_text(errors="replace"), re.M))
        seconds[path.name] = float(known)
    parts, totals = {}, dict.fromkeys(OTHER_PARTS, 0.0)
    for name in sorted(seconds, key=lambda name: (-seconds[name], name)):
        part = min(OTHER_PARTS, key=lambda part: (totals[part], part))
        parts[name] = part
        totals[part] += seconds[name]
    return parts


def pytest_configure(config):
    # scripts/test.sh starts --part 1 as a background job of a non-interactive shell, which ignores SIGINT, and
    # every l2l process a test starts inherits that: the Ctrl-C tests need SIGINT as a terminal gives it (they
    # passed only because importing brian2 in an earlier file of part 1 happens to install a handler)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # under nohup (or any parent ignoring SIGHUP) every l2l process a test starts would inherit the ignored SIGHUP
    # and take it for nohup on purpose (l2l run then goes on when its terminal closes): the SIGHUP tests need it
    # as a terminal's session has it
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) == signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


def pytest_addoption(parser):
    parser.addoption("--part", choices=PARTS, default=None,
                     help="run only part 1 (every SLURM test and the files tests/conftest.py FIRST_PART names), "
                          "part 2, 3 or 4 (the other files, split by tests/data/suite_seconds.json); scripts/test.sh "
                          "runs the four side by side")


def pytest_collection_modifyitems(config, items):
    part = config.getoption("--part")
    if part is None:
        return
    kept, left = [], []
    for item in items:
        (kept if _part_of(item) == part else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture
def config_factory():
    return make_config


SPHERE_RUN = """
[run]
name = "{name}"
seed = 1
generations = {generations}
[space]
x = {{ type = "float", low = -1.0, high = 1.0{shape} }}
[optimizer]
name = "random"
population_size = {population}
[simulator]
name = "sphere"
[backend]
name = "serial"
"""


def sphere_run_file(folder: Path, name: str, generations: int, population: int, shape: list[int] | None = None):
    """A small random search on the sphere, run by ``l2l run`` (serial) from a config in ``folder``; its file."""
    from l2l.cli import main

    (folder / f"{name}.toml").write_text(SPHERE_RUN.format(
        name=name, generations=generations, population=population, shape=f", shape = {shape}" if shape else ""))
    assert main(["run", str(folder / f"{name}.toml"), "--no-progress"]) == 0
    return folder / f"{name}.h5"


def on_two_cores(function, calls: list[tuple]) -> list:
    """``[function(*call) for call in calls]``, worked out by two processes: the machine has two cores and the test
    runner uses one. For independent, seeded computations (a claim over several seeds), whose results do not
    depend on the process; ``function`` is a module-level function of a test module (found by name)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return pool.starmap(function, calls, chunksize=1)


def comparable(frame):
    """The columns of an evaluations frame that must not depend on timing or backend."""
    drop = [c for c in ("started", "duration", "error") if c in frame.columns]
    return frame.drop(columns=drop).sort_values(["generation", "individual"]).reset_index(drop=True)


def toml_text(data: dict[str, Any]) -> str:
    """A test config as TOML: a ``[section]`` of scalars, lists and inline tables per key of ``data``, and an
    array of tables (``[[objectives]]``) per key whose value is a list of tables."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(v)

    lines = []
    for section, content in data.items():
        for table, header in ([(t, f"[[{section}]]") for t in content] if isinstance(content, list)
                              else [(content, f"[{section}]")]):
            lines.append(header)
            lines += [f"{json.dumps(k)} = {value(v)}" for k, v in table.items()]
            lines.append("")
    return "\n".join(lines)


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` to ``path`` as a TOML config (:func:`toml_text`); returns ``path``."""
    path.write_text(toml_text(data))
    return path


#: A successive-halving run on the sphere whose low budgets mislead (a budget-1 value looks better than any at
#: the top budget): what the plots of a policy run must not be fooled by.
MISLEAD_POLICY_RUN = {"run": {"seed": 1, "compute": 600, "name": "mislead"},
                      "space": {"x": {"low": -5.0, "high": 5.0, "shape": [3]}},
                      "optimizer": {"name": "random"},
                      "simulator": {"name": "sphere", "multi_fidelity": True, "low_fidelity": "mislead"},
                      "policy": {"name": "successive-halving"}, "backend": {"name": "serial"}}


@pytest.fixture
def bar_texts(monkeypatch) -> list[str]:
    """The texts a run's progress bar shows beside its figures (what the user reads), in order."""
    from l2l.progress import Progress

    texts: list[str] = []
    update = Progress.update

    def noting(self, n, generation, best, failed, extra=""):
        texts.append(extra)
        update(self, n, generation, best, failed, extra)

    monkeypatch.setattr(Progress, "update", noting)
    return texts


@pytest.fixture(scope="session")
def mislead_policy_run(tmp_path_factory) -> Path:
    """The file of :data:`MISLEAD_POLICY_RUN`, run once per session (tests only read it)."""
    import l2l

    return Path(l2l.run(l2l.from_mapping(MISLEAD_POLICY_RUN), tmp_path_factory.mktemp("mislead") / "mislead.h5",
                        progress=False))


@pytest.fixture
def l2l_here():
    """``l2l ARGS`` in ``cwd``, in this process: tests/inprocess_cli.py's ``l2l_main`` (returncode, stdout, stderr),
    for tests of what l2l says and its exit status, not of the process (a ``python -m l2l`` costs some 1.5 s of CPU
    to start)."""
    from inprocess_cli import l2l_main

    return l2l_main


def l2l_cli(*args, cwd: Path, timeout: float = 600):
    """``python -m l2l ARGS`` in ``cwd`` with this checkout (and ``cwd``, for users' modules) importable; the
    completed process, whatever its exit status."""
    import subprocess

    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, str(cwd), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "l2l", *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


# SLURM ends a job that outlives its walltime (one minute at least) at its next time-limit check, every 30 s:
# the walltime test of test_slurm_array.py waits 60 to 90 s whatever it does. Its run therefore starts in the
# background with the session's first SLURM test (when the walltime test is selected) and the walltime test
# collects it; in a full run its wait overlaps minutes of other tests. It holds one of the node's job slots.
WALLTIME_TEST = "test_slurm_array.py::test_an_evaluation_that_outlives_the_walltime_becomes_a_timeout_row"


@pytest.fixture(scope="session")
def walltime_run(tmp_path_factory):
    """A one-evaluation ``l2l run`` on slurm-array whose evaluation outlives its walltime: (process, out, log)."""
    import subprocess

    from slurm_helpers import kill9, l2l_command, require_slurm

    require_slurm()
    folder = tmp_path_factory.mktemp("walltime")
    name = f"walltime-{os.getpid()}"  # its job, l2l-walltime-<pid>, is this session's alone
    config = write_toml(folder / "walltime.toml", {
        "run": {"name": "walltime", "seed": 5, "generations": 1},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}},
        "optimizer": {"name": "random", "population_size": 1}, "simulator": {"name": "sleep", "median": 200.0},
        "backend": {"name": "slurm-array", "walltime": "00:01:00", "retries": 0, "poll_max": 2.0,
                    "result_grace": 1.0}})
    out, log = folder / f"{name}.h5", folder / "run.log"
    with open(log, "w") as output:
        process = subprocess.Popen(l2l_command("run", str(config), "--out", str(out), "--no-progress"),
                                   stdout=output, stderr=subprocess.STDOUT)
    yield process, out, log
    if process.poll() is None:  # the walltime test did not run or gave up: leave no job behind
        kill9(process.pid)
        process.wait()
        subprocess.run(["scancel", f"--name=l2l-{name}"], check=False, capture_output=True)


@pytest.fixture(autouse=True)
def _the_walltime_run_starts_with_the_first_slurm_test(request):
    if request.node.get_closest_marker("slurm") and any(
            item.nodeid.endswith(WALLTIME_TEST) for item in request.session.items):
        request.getfixturevalue("walltime_run")

"""Two runs in one process never see each other; a run's pieces belong to the run.

Also: a Python function as the simulator, provenance, the progress text, and
a Dask worker that dies while the embedded cluster starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import l2l
from l2l.control import RunControl
from l2l.errors import ConfigError
from l2l.progress import progress_text
from conftest import comparable, make_config

TESTS = Path(__file__).resolve().parent


def test_stopping_one_run_from_python_does_not_stop_the_next_run_in_the_process(tmp_path):
    control = RunControl()
    stopped = l2l.run(make_config(run={"generations": 50}), tmp_path / "stopped.h5", control=control,
                      on_generation=lambda info: control.request_stop("enough") if info["generation"] == 1 else None)
    with l2l.Trajectory(stopped) as trajectory:
        assert trajectory.n_generations == 2
        assert trajectory.events()["kind"].iloc[-1] == "stopped"
    later = l2l.run(make_config(run={"generations": 4}), tmp_path / "later.h5")
    with l2l.Trajectory(later) as trajectory:
        assert trajectory.n_generations == 4 and trajectory.finished()


def test_a_stop_requested_from_another_thread_stops_only_that_run(tmp_path):
    control = RunControl()
    config = make_config(run={"generations": 10000}, simulator={"name": "sleep", "median": 0.002})
    thread = threading.Thread(target=l2l.run, args=(config, tmp_path / "long.h5"), kwargs={"control": control})
    thread.start()
    other = l2l.run(make_config(run={"generations": 3}), tmp_path / "other.h5")
    control.request_stop("user")
    thread.join(timeout=120)
    assert not thread.is_alive()
    with l2l.Trajectory(other) as trajectory:
        assert trajectory.finished()
    with l2l.Trajectory(tmp_path / "long.h5") as trajectory:
        assert trajectory.n_generations < 10000
        assert '"reason": "user"' in trajectory.events()["detail"].iloc[-1]


def test_the_command_line_puts_back_the_signal_handlers_it_installed(tmp_path):
    from l2l.cli import main
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGUSR1)
    config = tmp_path / "c.toml"
    config.write_text('[run]\ngenerations = 2\n[space]\nx = { low = -1.0, high = 1.0 }\n'
                      '[optimizer]\nname = "random"\npopulation_size = 4\n[simulator]\nname = "sphere"\n'
                      '[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--no-progress"]) == 0
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGUSR1)) == before


def test_a_python_function_is_the_simulator_and_resume_asks_for_it_again(tmp_path):
    calls = []

    def bowl(params, seed):
        calls.append(seed)
        return float(sum(v * v for v in params["x"]))

    config = l2l.from_mapping({"run": {"generations": 2, "seed": 4},
                               "space": {"x": {"low": -2.0, "high": 2.0, "shape": [2]}},
                               "optimizer": {"name": "random", "population_size": 5},
                               "simulator": {"name": "python"}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "f.h5", simulator=bowl)
    assert len(calls) == 10 and len(l2l.load(path)) == 10
    with pytest.raises(ConfigError, match=r"pass it again: l2l.resume\(\"[^\"]*f\.h5\", simulator=bowl\)"):
        l2l.resume(path, generations=3)
    l2l.resume(path, generations=3, simulator=bowl)
    assert len(l2l.load(path)) == 15
    reference = l2l.run(config.with_overrides(generations=3), tmp_path / "g.h5", simulator=bowl)
    assert comparable(l2l.load(path)).equals(comparable(l2l.load(reference)))
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.run["simulator"]["function"].endswith("bowl")


def test_a_function_defined_in_a_notebook_travels_to_dask_workers(tmp_path):
    namespace: dict = {"__name__": "__main__"}
    exec("def cell_model(params, seed):\n    return float(params['x'] ** 2) + 1.0\n", namespace)  # noqa: S102
    config = l2l.from_mapping({"run": {"generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 4},
                               "simulator": {"name": "python"}, "backend": {"name": "local", "workers": 1}})
    frame = l2l.load(l2l.run(config, tmp_path / "nb.h5", simulator=namespace["cell_model"]))
    assert (frame["status"] == "ok").all() and (frame["value"] >= 1.0).all()


def test_a_function_with_the_wrong_signature_or_another_simulator_is_refused(tmp_path):
    config = make_config()
    with pytest.raises(ConfigError, match="names simulator 'rastrigin'"):
        l2l.run(config, tmp_path / "a.h5", simulator=lambda params, seed: 0.0)
    python = l2l.from_mapping({"space": {"x": {"low": 0.0, "high": 1.0}}, "optimizer": {"name": "random"},
                               "simulator": {"name": "python"}, "backend": {"name": "serial"}})
    with pytest.raises(ConfigError, match="cannot be called as function"):
        l2l.run(python, tmp_path / "b.h5", simulator=lambda params: 0.0)
    assert not list(tmp_path.iterdir())


def test_provenance_records_the_versions_that_decide_ga_and_tpe_results(tmp_path):
    from importlib.metadata import version
    with l2l.Trajectory(l2l.run(make_config(run={"generations": 1}), tmp_path / "p.h5")) as trajectory:
        versions = trajectory.run["versions"]
    assert versions["deap"] == version("deap") and versions["optuna"] == version("optuna")
    assert versions["scipy"] and versions["numpy"]


def test_the_progress_text_shows_no_empty_best():
    assert progress_text(0, {}, 0) == "gen 0"
    assert progress_text(3, {"loss": 0.125}, 2) == "gen 3 best loss=0.125 failed 2"


def test_a_worker_killed_while_the_local_cluster_starts_is_survived(tmp_path, monkeypatch):
    import dask
    mark = tmp_path / "died"
    monkeypatch.setenv("L2L_TEST_DIE_MARK", str(mark))
    config = make_config(run={"generations": 2}, backend={"name": "local", "workers": 2})
    with dask.config.set({"distributed.worker.preload": [str(TESTS / "worker_preload_die_once.py")]}):
        path = l2l.run(config, tmp_path / "survived.h5")
    assert mark.exists()  # a worker did die during start-up
    frame = l2l.load(path)
    assert len(frame) == 16 and (frame["status"] == "ok").all()


def test_a_bad_worker_memory_limit_is_refused_before_any_file(tmp_path, capsys):
    from l2l.cli import main

    config = tmp_path / "c.toml"
    config.write_text('[space]\nx = { low = -1.0, high = 1.0 }\n[optimizer]\nname = "random"\n'
                      '[simulator]\nname = "sphere"\n[backend]\nname = "local"\nmemory_limit = "lots"\n')
    capsys.readouterr()
    assert main(["run", str(config)]) == 2  # in this process: the refusal is not about the process
    stderr = capsys.readouterr().err
    assert stderr.strip().count("\n") == 0
    assert stderr.startswith("l2l: error: backend 'local': memory_limit must be 'auto', a size such as "
                             "'4GB'") and stderr.strip().endswith("got 'lots'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


def _run_local_with_bokeh(tmp_path, version):
    """``l2l run`` on the local backend (in ``tmp_path``, whose name is not printed), where bokeh is ``version``
    (a stand-in package) or the environment's own (None)."""
    config = tmp_path / "c.toml"
    config.write_text('[run]\ngenerations = 1\n[space]\nx = { low = -1.0, high = 1.0 }\n'
                      '[optimizer]\nname = "random"\npopulation_size = 2\n[simulator]\nname = "sphere"\n'
                      '[backend]\nname = "local"\nworkers = 1\n')
    env = {**os.environ, "COLUMNS": "120"}
    if version is not None:  # found before any installed bokeh; the dashboard itself cannot be drawn with it
        fake = tmp_path / "site"
        (fake / "bokeh").mkdir(parents=True)
        (fake / "bokeh" / "__init__.py").write_text(f"__version__ = {version!r}\n")
        (fake / f"bokeh-{version}.dist-info").mkdir()
        (fake / f"bokeh-{version}.dist-info" / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: bokeh\nVersion: {version}\n")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(fake), env.get("PYTHONPATH", "")) if p)
    result = subprocess.run([sys.executable, "-m", "l2l", "run", "c.toml", "--out", "r.h5"],
                            capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # the lines name the output file absolutely (b4b939b), and pytest names tmp_path after the test ('..._bokeh0')
    result.stderr = result.stderr.replace(str(tmp_path.absolute()), "<tmp>")
    return result


def test_the_command_line_prints_the_dask_dashboard_link_at_start_where_bokeh_is_installed(tmp_path):
    result = _run_local_with_bokeh(tmp_path, "3.4.0")
    assert "dask dashboard: http://127.0.0.1:" in result.stderr
    assert "bokeh" not in result.stderr


def test_a_local_run_without_bokeh_says_nothing_of_bokeh_or_a_dashboard(tmp_path):
    # l2l does not depend on bokeh, and without it Dask's page only says to install it: no dashboard is
    # started, and no line about it (bokeh too old for Dask stands in where the environment has it)
    import importlib.util
    result = _run_local_with_bokeh(tmp_path, None if importlib.util.find_spec("bokeh") is None else "2.0.0")
    assert "bokeh" not in result.stderr.lower()
    assert "dashboard" not in result.stderr.lower()
    assert "run: random x sphere on local" in result.stderr


@pytest.mark.parametrize("mode", ["generational", "async"])
def test_an_objective_the_simulator_never_returns_ends_the_run_with_exit_status_2(tmp_path, mode, capsys):
    from l2l.cli import main

    config = tmp_path / "c.toml"
    config.write_text(f'[run]\nmode = "{mode}"\n[space]\nx = {{ low = -1.0, high = 1.0 }}\n'
                      '[optimizer]\nname = "random"\npopulation_size = 4\n'
                      f'[simulator]\nname = "python"\nfunction = "models_for_tests:two_objectives"\npath = "{TESTS}"\n'
                      '[[objectives]]\nname = "miss"\n[backend]\nname = "serial"\n')
    capsys.readouterr()
    assert main(["run", str(config), "--no-progress"]) == 2  # in this process, as the command runs it
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("l2l: error: no evaluation of the first generation returned the run's objectives")
    assert "missing ['miss']" in error
    frame = l2l.load(tmp_path / "run.h5")  # what was computed is kept
    assert len(frame) == 4 and (frame["status"] == "failed").all()


def test_a_run_that_dies_of_an_exception_says_so_in_its_file(tmp_path):
    from l2l.summary import summarize
    config = l2l.from_mapping({"space": {"x": {"low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "enkf", "ensemble_size": 4},
                               "simulator": {"name": "python"}, "backend": {"name": "serial"}})
    with pytest.raises(l2l.TrajectoryError, match="no evaluation of this generation returned outputs"):
        l2l.run(config, tmp_path / "dies.h5", simulator=lambda params, seed: float(params["x"]))
    with l2l.Trajectory(tmp_path / "dies.h5") as trajectory:
        assert trajectory.events()["kind"].iloc[-1] == "failed"
        assert summarize(trajectory).status == "failed"

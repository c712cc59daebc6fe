"""Small things users hit (session 27): each was said wrongly, or left something behind, before.

- ``l2l run CONFIG --target loss=1,loss=2`` took the last value unsaid: refused in one line naming ``loss`` twice
  (a TOML table cannot name a key twice, and a Python mapping holds each key once);
- ``l2l.run(config, ".")`` raised ``ValueError: PosixPath('.') has an empty name``; ``out=""`` did too, and
  ``out="runs/"`` wrote a file named ``runs``: refused in one line, as ``l2l run --out`` refuses them;
- a resume that cancelled a killed ``slurm`` session's worker jobs left the empty ``NAME.work/slurm-jobs/``;
- Ctrl-C as the workers were still starting (the session's ``started`` event written, the loop not begun) wrote no
  ``stopped`` event: ``l2l show`` said "interrupted (no process writes the file ...)", as of a killed process;
- ``l2l resume FILE`` of a run of a Python function was told to pass the function again, not that no command can;
- ``l2l.plot.compare`` of runs with four objectives titled its figure "--objective NAME draws one" from Python.
"""

from __future__ import annotations

import l2l
import pytest

from conftest import write_toml
from l2l.cli import main
from l2l.errors import ConfigError, TrajectoryError

SWEEP = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
         "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
         "backend": {"name": "serial"}}


def _bowl(params, seed):
    return float(params["x"]) ** 2


def _said(capsys) -> str:
    """The one line an l2l command printed on stderr, after checking it is one line."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_a_target_naming_an_objective_twice_is_refused_in_one_line(tmp_path, capsys):
    config = write_toml(tmp_path / "s.toml", {"run": {"generations": 1, "seed": 1},
                                              "space": {"x": {"low": -1.0, "high": 1.0}},
                                              "optimizer": {"name": "random", "population_size": 2},
                                              "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["run", str(config), "--target", "value=1, value=2", "--no-progress"]) == 2
    # before: the run went on until value <= 2, the 1 dropped unsaid
    assert "--target names 'value' twice (value=1, value=2); give one value per objective" in _said(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert main(["run", str(config), "--target", "value=1", "--dry-run"]) == 0  # once: as before


@pytest.mark.parametrize("out", [".", ""])
def test_l2l_run_into_a_folder_or_no_name_is_refused_in_one_line(tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    error = TrajectoryError if out else ConfigError
    with pytest.raises(error) as raised:  # before: ValueError: PosixPath('.') has an empty name
        l2l.run(SWEEP, out, simulator=_bowl)
    text = str(raised.value)
    assert "\n" not in text and ("is a folder; give out= a file name, e.g. run.h5" in text if out else
                                 "out= must name a file, e.g. run.h5, got ''" in text), text
    assert list(tmp_path.iterdir()) == []


def test_l2l_run_into_a_name_ending_in_a_slash_is_refused_not_written_as_a_file(tmp_path):
    with pytest.raises(ConfigError, match=r"out= must name a file, e.g. .*runs/run\.h5, got '.*runs/'"):
        l2l.run(SWEEP, f"{tmp_path}/runs/", simulator=_bowl)  # before: a trajectory file named 'runs'
    assert list(tmp_path.iterdir()) == []
    assert l2l.run(SWEEP, tmp_path / "runs" / "r.h5", simulator=_bowl).is_file()  # a name in it: as before


def test_the_worker_jobs_folder_goes_once_a_resume_cancelled_them(tmp_path, monkeypatch):
    import l2l.jobs.slurm_common as slurm_common
    import l2l.jobs.slurm_left as slurm_left

    def squeue(argv, **kwargs):  # SLURM knows the job no more (it ended), with or without SLURM on this host
        raise slurm_common.SlurmError(argv, 1, "", "slurm_load_jobs error: Invalid job id specified")

    path = l2l.run(SWEEP, tmp_path / "r.h5", simulator=_bowl)
    jobs = tmp_path / "r.work" / slurm_left.WORKER_JOBS
    jobs.mkdir(parents=True)
    (jobs / "4711").write_text("l2l-r\n")  # as a killed session of the slurm backend leaves it
    monkeypatch.setattr(slurm_left, "call", squeue)
    l2l.resume(path, generations=2, simulator=_bowl)
    assert not jobs.exists()  # before: the folder, empty


def _interrupt_as_the_workers_start(monkeypatch):
    from l2l.jobs.serial import SerialExecutor

    def start(self, simulator, settings):  # where a local cluster takes its seconds to come up
        raise KeyboardInterrupt

    monkeypatch.setattr(SerialExecutor, "start", start)


def test_ctrl_c_while_the_workers_start_is_a_stopped_run_in_l2l_show(tmp_path, monkeypatch, capsys):
    path = tmp_path / "r.h5"
    with monkeypatch.context() as patch:
        _interrupt_as_the_workers_start(patch)
        with pytest.raises(KeyboardInterrupt):
            l2l.run(SWEEP, path, simulator=_bowl)
    with l2l.Trajectory(path) as trajectory:
        kinds = list(trajectory.events()["kind"])
    assert kinds == ["started", "stopped"]  # before: ["started"]
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "stopped (interrupted)" in shown and "no process writes" not in shown, shown

    l2l.resume(path, simulator=_bowl)  # the run goes on as after a later Ctrl-C
    with monkeypatch.context() as patch:  # a resumed session too
        _interrupt_as_the_workers_start(patch)
        with pytest.raises(KeyboardInterrupt):
            l2l.resume(path, generations=2, simulator=_bowl)
    with l2l.Trajectory(path) as trajectory:
        kinds = list(trajectory.events()["kind"])
    assert kinds[-2:] == ["resumed", "stopped"] and len(l2l.load(path)) == 2


def test_l2l_resume_of_a_function_run_says_the_command_cannot_pass_it(tmp_path, capsys):
    path = l2l.run(SWEEP, tmp_path / "f.h5", simulator=_bowl)
    capsys.readouterr()
    assert main(["resume", str(path), "--generations", "2", "--no-progress"]) == 2
    # before: "...; resume it from Python and pass it again: ...", to a user who had typed a command
    assert _said(capsys).startswith("l2l: error: l2l resume cannot pass a function, and this run's simulator was "
                                    "the Python function")
    with pytest.raises(ConfigError, match="pass it again: l2l.resume") as raised:  # from Python: as before
        l2l.resume(path, generations=2)
    assert "cannot pass" not in str(raised.value)


def test_compare_names_its_python_argument_for_an_objective_left_out(tmp_path):
    import pandas as pd

    from l2l.objectives import Objective
    from l2l.plot import compare
    from l2l.plot.data import RunData
    from l2l.words import command_line

    frame = pd.DataFrame({"generation": [0, 0, 1], "individual": [0, 1, 0], "x": [0.1, 0.2, 0.3],
                          "a": [1.0, 2.0, 0.5], "b": [2.0, 1.0, 0.7], "c": [0.3, 0.2, 0.1], "d": [4.0, 3.0, 2.0],
                          "status": ["ok"] * 3, "duration": [0.1] * 3,
                          "started": pd.Timestamp("2026-01-01") + pd.to_timedelta([0, 1, 2], unit="s")})
    run = RunData.from_frame(frame, objectives=[Objective(n) for n in "abcd"], name="four")
    title = compare([run]).get_suptitle()
    # before: "(the table has every one; --objective NAME draws one)"
    assert 'not d (l2l.plot.compare_table has every one; objectives=["NAME"] draws one)' in title, title
    with command_line():  # l2l compare: its option, as before
        assert "not d (the table has every one; --objective NAME draws one)" in compare([run]).get_suptitle()

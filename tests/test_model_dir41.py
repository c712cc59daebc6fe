"""``l2l resume FILE --model-dir DIR`` and ``l2l reevaluate FILE --model-dir DIR``: a reviewer's copy of a run's file
and its model, in a folder of their own, while the folder the file names (``[simulator] path``, a command's
``config_dir``) is gone. Before, both commands refused in one line and nothing on the command line said where the
model is now. The model found there must hash as the one the run ran (``--accept-changed-model`` goes on with
another); the stored config is left as it is, the session's ``resumed`` event says where its model came from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import l2l
from l2l.results_schema.reader import Trajectory

MODEL = "def bowl(params, seed):\n    return (params['x'] - 0.3) ** 2\n"
PROGRAM = "import json, sys\nprint(json.dumps({'value': (float(sys.argv[1]) - 0.3) ** 2}))\n"


def _config(simulator: dict, backend: str = "serial") -> dict:
    return {"run": {"name": "bowl", "seed": 1, "generations": 1},
            "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
            "optimizer": {"name": "random", "population_size": 2},
            "simulator": simulator, "backend": {"name": backend}}


def _reviewer_copy(tmp_path: Path, simulator: dict, files: dict[str, str]) -> Path:
    """A run made in ``author/`` (its model ``files`` beside the config), its file and model copied to ``reviewer/``,
    then ``author/`` removed: the reviewer's folder."""
    author, reviewer = tmp_path / "author", tmp_path / "reviewer"
    author.mkdir()
    reviewer.mkdir()
    for name, text in files.items():
        (author / name).write_text(text)
        (reviewer / name).write_text(text)
    run = l2l.run(l2l.from_mapping(_config(simulator), base_dir=author), author / "run.h5")
    shutil.copy(run, reviewer / "run.h5")
    shutil.rmtree(author)
    return reviewer


def _python_copy(tmp_path: Path) -> Path:
    return _reviewer_copy(tmp_path, {"name": "python", "function": "models:bowl"}, {"models.py": MODEL})


def _events(path: Path) -> list[tuple[str, dict]]:
    with Trajectory(path) as trajectory:
        log = trajectory.events()
        return [(kind, json.loads(detail)) for kind, detail in zip(log["kind"], log["detail"])]


def test_a_resume_finds_the_model_in_the_folder_named_and_records_it_without_rewriting_the_config(tmp_path,
                                                                                                l2l_here):
    reviewer = _python_copy(tmp_path)
    file = reviewer / "run.h5"
    gone = l2l_here("resume", file, "--generations", "2", "--no-progress")
    assert gone.returncode == 2 and "--model-dir DIR" in gone.stderr  # the refusal says how to name it
    done = l2l_here("resume", file, "--generations", "2", "--no-progress", "--model-dir", reviewer)
    assert done.returncode == 0, done.stderr
    resumed = [detail for kind, detail in _events(file) if kind == "resumed"]
    assert resumed[-1]["model_dir"] == str(reviewer.resolve())
    assert resumed[-1]["model"][0][0] == str(reviewer.resolve() / "models.py")  # (the full path, when it fits)
    with Trajectory(file) as trajectory:
        assert trajectory.n_generations == 2
        assert trajectory.run["config"]["simulator"]["path"] == str(tmp_path / "author")  # as the run stored it


def test_a_reevaluation_finds_the_model_in_the_folder_named(tmp_path, l2l_here):
    reviewer = _python_copy(tmp_path)
    done = l2l_here("reevaluate", reviewer / "run.h5", "--top", "1", "--seeds", "2", "--no-progress",
                    "--model-dir", reviewer)
    assert done.returncode == 0, done.stderr
    assert len(l2l.load(reviewer / "run.h5", reevaluations=True)) == 2


def test_another_model_in_that_folder_is_refused_unless_accepted(tmp_path, l2l_here):
    reviewer = _python_copy(tmp_path)
    (reviewer / "models.py").write_text(MODEL.replace("0.3", "0.4"))
    for command in (["resume", reviewer / "run.h5", "--generations", "2"], ["reevaluate", reviewer / "run.h5"]):
        refused = l2l_here(*command, "--no-progress", "--model-dir", reviewer)
        assert refused.returncode == 2
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert "is not the one the run ran" in refused.stderr and "--accept-changed-model" in refused.stderr
    assert len(l2l.load(reviewer / "run.h5")) == 2  # nothing ran
    taken = l2l_here("reevaluate", reviewer / "run.h5", "--top", "1", "--seeds", "1", "--no-progress",
                     "--model-dir", reviewer, "--accept-changed-model")
    assert taken.returncode == 0, taken.stderr
    assert "warning: module 'models'" in taken.stderr and "not the one the run ran" in taken.stderr


@pytest.mark.parametrize("where, said", [("nowhere", "no such folder"), ("empty", "no module 'models' there")])
def test_a_folder_that_is_not_there_or_holds_no_such_module_is_one_line_exit_2(tmp_path, l2l_here, where, said):
    reviewer = _python_copy(tmp_path)
    (tmp_path / "empty").mkdir()
    refused = l2l_here("resume", reviewer / "run.h5", "--generations", "2", "--model-dir", tmp_path / where)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and said in refused.stderr, refused.stderr


def test_a_command_simulator_runs_its_program_from_the_folder_named(tmp_path, l2l_here):
    simulator = {"name": "command", "argv": ["python3", "{config_dir}/prog.py", "{x}"]}
    reviewer = _reviewer_copy(tmp_path, simulator, {"prog.py": PROGRAM})
    gone = l2l_here("resume", reviewer / "run.h5", "--generations", "2", "--no-progress")
    assert gone.returncode == 2 and "is gone" in gone.stderr and "--model-dir DIR" in gone.stderr  # (every
    # evaluation failed on a missing program before)
    done = l2l_here("resume", reviewer / "run.h5", "--generations", "2", "--no-progress", "--model-dir", reviewer)
    assert done.returncode == 0, done.stderr
    rows = l2l.load(reviewer / "run.h5")
    assert len(rows) == 4 and rows["status"].eq("ok").all()


def test_nest_and_brian2_models_are_looked_up_in_the_folder_named(tmp_path):
    from l2l.stored_config import relocated_model

    reviewer = _python_copy(tmp_path)
    (reviewer / "net.py").write_text(MODEL)
    with Trajectory(reviewer / "run.h5") as trajectory:
        for engine in ("nest", "brian2"):
            table = {"name": engine, "function": "net:bowl", "path": str(tmp_path / "author")}
            assert relocated_model(trajectory, table, reviewer)["path"] == str(reviewer.resolve())


@pytest.mark.slurm
def test_a_slurm_array_resume_imports_the_model_from_the_folder_named_on_the_node(tmp_path, l2l_here):
    reviewer = _python_copy(tmp_path)
    done = l2l_here("resume", reviewer / "run.h5", "--generations", "2", "--no-progress", "--backend",
                    "slurm-array", "--model-dir", reviewer)
    assert done.returncode == 0, done.stderr
    assert "python on slurm-array" in done.stderr  # (its banner)
    rows = l2l.load(reviewer / "run.h5")
    assert len(rows) == 4 and rows["status"].eq("ok").all()

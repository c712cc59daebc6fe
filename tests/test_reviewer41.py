"""A reviewer's checks of a shipped trajectory (session 41, docs/reproducibility.md).

A file whose stored config names another run seed than the run's own (``/run`` attribute ``seed``, which ``l2l show``
prints and every row's seed derives from) was resumed with the config's seed, its new rows of another run than
its old ones, and re-evaluated with fresh seeds said to derive from a seed they did not: both now refuse it in
one line (exit status 2), the file unchanged.
"""

import json
import shutil

import h5py
import pytest

import l2l
from l2l.cli import main


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A small finished run: a GA on the sphere, two generations of four, seed 5."""
    config = l2l.from_mapping({"run": {"name": "shipped", "seed": 5, "generations": 2},
                               "space": {"x": {"low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "ga", "population_size": 4},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path_factory.mktemp("shipped") / "run.h5", progress=False)


def _config_seed(f, seed):
    stored = json.loads(f["run"].attrs["config"])
    stored["run"]["seed"] = seed
    f["run"].attrs["config"] = json.dumps(stored)


def _run_seed(f, seed):
    f["run"].attrs["seed"] = seed


@pytest.mark.parametrize("edit, stored, made", [(_config_seed, 6, 5), (_run_seed, 5, 6)])
@pytest.mark.parametrize("command", [["resume", "--generations", "3", "--no-progress"],
                                     ["reevaluate", "--top", "1", "--seeds", "2", "--no-progress"]])
def test_a_file_whose_config_names_another_seed_is_refused(finished, tmp_path, capsys, edit, stored, made,
                                                            command):
    path = tmp_path / "run.h5"
    shutil.copyfile(finished, path)
    with h5py.File(path, "r+") as f:  # one value changed inside the shipped file
        edit(f, stored if edit is _config_seed else made)
    before = path.read_bytes()
    capsys.readouterr()
    assert main([command[0], str(path), *command[1:]]) == 2
    err = capsys.readouterr().err
    # before: the resume appended rows of seed 6 to a run show called seed 5; reevaluate printed 'derived from run
    # seed 6' for seeds of seed 5 (or the reverse)
    assert err == (f"l2l: error: {path}: the config stored in the file has run.seed = {stored}, but the run was "
                   f"made with seed {made} (/run attribute 'seed', l2l show's): a damaged or hand-edited file\n")
    assert path.read_bytes() == before


def test_a_file_as_written_resumes_and_reevaluates(finished, tmp_path, capsys):
    path = tmp_path / "run.h5"
    shutil.copyfile(finished, path)
    assert main(["resume", str(path), "--generations", "3", "--no-progress"]) == 0, capsys.readouterr().err
    assert main(["reevaluate", str(path), "--top", "1", "--seeds", "2", "--no-progress"]) == 0
    assert len(l2l.load(path)) == 12 and len(l2l.load(path, reevaluations=True)) == 2


def test_validate_names_a_config_whose_seed_is_not_the_runs(finished, tmp_path):
    # resume and reevaluate refused it, but l2l validate, which the docs give a reviewer, passed the file
    path = tmp_path / "run.h5"
    shutil.copyfile(finished, path)
    assert l2l.validate(path) == []
    with h5py.File(path, "r+") as f:
        _config_seed(f, 6)
    assert l2l.validate(path) == ["/run attribute 'config' has run.seed = 6, /run attribute 'seed' 5 (the seed "
                                  "every row derives from)"]

"""``run.penalty = { NAME = number }`` names objectives: a NAME that is no objective of the run is refused in one
line with exit status 2 before anything is created, also when the config has no [[objectives]] table and the
simulator's own objectives apply (a misspelled key was accepted there, and failed evaluations were silently told
'worst'). A file such a run wrote can still be resumed and re-evaluated."""

import json

import h5py
import pytest

import l2l
from l2l.cli import main
from l2l.errors import ConfigError

CONFIG = """
[run]
name = "pen"
seed = 3
generations = 2
penalty = {penalty}
[space]
x = {{ type = "float", low = -2.0, high = 2.0, shape = [2] }}
[optimizer]
name = "random"
population_size = 4
[simulator]
name = "sphere"
[backend]
name = "serial"
"""


def test_a_misspelled_key_without_objectives_table_is_refused_before_anything_is_created(tmp_path, capsys):
    (tmp_path / "pen.toml").write_text(CONFIG.format(penalty="{ vlaue = 1e6 }"))
    assert main(["run", str(tmp_path / "pen.toml"), "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert captured.err == ("l2l: error: run.penalty names 'vlaue' (did you mean 'value'?), which is no objective of the run; its "
                            "objectives: 'value'\n")
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pen.toml"]
    assert main(["run", str(tmp_path / "pen.toml"), "--out", str(tmp_path / "sub" / "pen.h5"),
                 "--no-progress"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pen.toml"]


def test_the_python_api_refuses_it_too_for_a_function_simulator(tmp_path):
    config = l2l.from_mapping({"run": {"name": "pen", "generations": 1, "penalty": {"vlaue": 5.0}},
                               "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 2},
                               "simulator": {"name": "python"}, "backend": {"name": "serial"}})
    with pytest.raises(ConfigError, match=r"^run.penalty names 'vlaue' \(did you mean 'value'\?\), which is no objective of the run; its "
                                          r"objectives: 'value'$"):
        l2l.run(config, tmp_path / "out" / "pen.h5", simulator=lambda params, seed: params["x"] ** 2)
    assert not (tmp_path / "out").exists()


def test_a_key_that_names_the_simulators_objective_is_accepted(tmp_path, capsys):
    (tmp_path / "pen.toml").write_text(CONFIG.format(penalty="{ value = 1e6 }"))
    assert main(["run", str(tmp_path / "pen.toml"), "--no-progress"]) == 0
    assert len(l2l.load(tmp_path / "pen.h5")) == 8


def test_a_file_that_stored_a_misspelled_key_is_still_resumed_and_reevaluated(tmp_path, capsys):
    (tmp_path / "pen.toml").write_text(CONFIG.format(penalty="{ value = 1e6 }"))
    assert main(["run", str(tmp_path / "pen.toml"), "--no-progress"]) == 0
    path = tmp_path / "pen.h5"
    with h5py.File(path, "r+") as file:  # as l2l wrote it before the key was checked
        config = json.loads(file["run"].attrs["config"])
        config["run"]["penalty"] = {"vlaue": 1e6}
        file["run"].attrs["config"] = json.dumps(config)
    capsys.readouterr()
    assert main(["resume", str(path), "--generations", "3", "--no-progress"]) == 0, capsys.readouterr().err
    assert len(l2l.load(path)) == 12
    assert main(["reevaluate", str(path), "--top", "1", "--seeds", "2"]) == 0, capsys.readouterr().err
    assert "re-evaluated on fresh seeds: 1 candidate," in capsys.readouterr().out

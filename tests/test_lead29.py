"""The lead's own checks of session 29's changes."""
from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError

BASE = {"run": {"name": "q", "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
        "optimizer": {"name": "tpe"}, "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}


@pytest.mark.parametrize("key,library", [("points_to_evaluate", "Ray Tune's points_to_evaluate"),
                                         ("enqueue_trial", "Optuna's enqueue_trial")])
def test_another_librarys_word_for_known_points_names_run_initial_points(key, library):
    data = {**BASE, "run": {**BASE["run"], key: [{"x": 0.5}]}}
    with pytest.raises(ConfigError, match=f"; {library} is run.initial_points = "):
        l2l.from_mapping(data, user_file=True)


def test_a_file_of_the_same_config_but_another_side_of_an_objective_says_which(tmp_path):
    """A run onto a file whose objective went the other way (a spore run of before 6 December minimized `reward`
    named alone; today it is maximized) was refused as 'holds a run of another config', with nothing to see in the
    config: the refusal names the objectives' sides."""
    minimized = {**BASE, "objectives": [{"name": "value", "direction": "minimize"}],
                 "optimizer": {"name": "random", "population_size": 2}}
    path = l2l.run(l2l.from_mapping(minimized), tmp_path / "r.h5", progress=False)
    maximized = {**minimized, "objectives": [{"name": "value", "direction": "maximize"}]}
    with pytest.raises(l2l.TrajectoryError, match=r"holds a run of another config \(its objectives: value \(minimize\) "
                                                  r"there, value \(maximize\) here\); choose another out=$"):
        l2l.run(l2l.from_mapping(maximized), path, progress=False)
    other = {**minimized, "space": {"x": {"low": -2.0, "high": 1.0}}, "optimizer": {"name": "tpe"}}
    with pytest.raises(l2l.TrajectoryError, match=r"\(another space, optimizer\); choose another out=$"):
        l2l.run(l2l.from_mapping(other), path, progress=False)

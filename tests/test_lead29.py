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

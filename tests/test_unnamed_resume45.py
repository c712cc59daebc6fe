"""A first generation whose every evaluation returned unnamed values (a tuple or array for two objectives) ends the run
in one line; it said to fix the function "then continue with l2l resume", which keeps those failures as the first
generation's results: a run of one generation then evaluates nothing more (l2l.resume returned at once, every row
failed). It now says to run the config again into a new file, as the NEST-name refusal does (helper-371, session 45)."""

from __future__ import annotations

import pytest

import l2l


def two_values(params, seed):
    return abs(params["x"]), (params["x"] - 1) ** 2


def test_unnamed_values_of_a_first_generation_send_the_user_to_a_new_file_not_to_resume(tmp_path):
    config = {"space": {"x": {"low": -2.0, "high": 2.0}}, "simulator": "python",
              "objectives": [{"name": "b"}, {"name": "a"}],
              "optimizer": {"name": "nsga2", "population_size": 4}, "run": {"generations": 1, "seed": 1},
              "backend": {"name": "serial"}}
    with pytest.raises(l2l.ConfigError) as refused:
        l2l.run(config, tmp_path / "run.h5", simulator=two_values, progress=False)
    message = str(refused.value)
    assert "fix what the simulator returns (prints), then run the config again into a new file" in message
    assert "l2l resume would keep these failures as the first generation's results" in message

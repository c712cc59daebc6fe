"""A class of beginners follows the Quick start and the tutorial (session 35, helper-300)."""
import pytest

import l2l
from l2l.errors import ConfigError


def _config(run):
    return {"run": run, "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
            "optimizer": {"name": "random", "population_size": 2},
            "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}


@pytest.mark.parametrize("typed, meant", [("generation", "generations"), ("evaluation", "evaluations"),
                                          ("Generations", "generations"), ("max-time", "max_time")])
def test_a_misspelt_run_key_names_the_key_meant(typed, meant):
    # a student's `generation = 15` was refused with the 18 allowed keys only, unlike a misspelt section,
    # optimizer option or simulator, which say "did you mean"
    with pytest.raises(ConfigError) as caught:
        l2l.from_mapping(_config({"name": "t", typed: 3}))
    assert f"(did you mean {meant!r}?)" in str(caught.value)


def test_another_librarys_run_key_keeps_its_own_hint():
    with pytest.raises(ConfigError) as caught:
        l2l.from_mapping(_config({"name": "t", "n_trials": 3}))
    assert "did you mean" not in str(caught.value) and "n_trials" in str(caught.value)

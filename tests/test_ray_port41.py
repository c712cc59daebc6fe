"""A Ray Tune user porting an ASHA and a PBT project (docs/coming_from_ray_tune.md), session 41: Ray Tune's names
that were refused with l2l's list alone now say what l2l calls them, in one line, before any file is made:
a [hyperparam_mutations] table, [run] checkpoint_frequency / checkpoint_at_end (CheckpointConfig's keys), a
loguniform's base and a grid_search key in a parameter, and an asha config's max_candidates carried over to pbt."""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError


def _train(params, seed, budget, checkpoint=None):
    return l2l.SimulationResult(objectives={"loss": float(params["x"] ** 2 + 1.0 / budget)},
                                checkpoint={"budget": float(budget)})


def _config() -> dict:
    return {"run": {"seed": 1}, "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
            "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
            "optimizer": {"name": "random"}, "policy": {"name": "asha", "max_candidates": 4},
            "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


def _pbt(config):
    config["policy"] = {"name": "pbt", "population": 4, "interval": 3}


REFUSED = [
    ("hyperparam_mutations table",
     lambda c: (_pbt(c), c.update(hyperparam_mutations={"x": [0.1, 0.2]})),
     "unknown section 'hyperparam_mutations' (Ray Tune's hyperparam_mutations are the [space]: pbt explores every "
     "parameter there; [policy] keep = [...] takes some from the donor as they are)"),
    ("checkpoint_frequency", lambda c: c["run"].update(checkpoint_frequency=1),
     "every segment's checkpoint is kept (no frequency to set;"),
    ("checkpoint_at_end", lambda c: c["run"].update(checkpoint_at_end=True),
     "l2l prune FILE deletes all but each trial's latest"),
    ("loguniform base", lambda c: c["space"]["x"].update(low=1e-3, log=True, base=10),
     "unknown key 'base' for type 'float'; allowed: default, high, log, low, scale, shape, type (Ray Tune's "
     "loguniform base: the base of a log scale changes nothing here; log = true alone)"),
    ("grid_search key", lambda c: c["space"].update(x={"grid_search": [0.1, 0.2]}),
     "(Ray Tune's grid_search is { type = \"categorical\", choices = [...] } with [optimizer] name = \"grid\")"),
    ("max_candidates under pbt", lambda c: (_pbt(c), c["policy"].update(max_candidates=8)),
     "policy 'pbt': unknown option 'max_candidates'; allowed: "),
    ("max_candidates under pbt says population", lambda c: (_pbt(c), c["policy"].update(max_candidates=8)),
     "; the halving policies' max_candidates (Ray Tune's num_samples) is population under pbt"),
]


@pytest.mark.parametrize("change, said", [(c, s) for _, c, s in REFUSED], ids=[i for i, _, _ in REFUSED])
def test_ray_tunes_names_are_refused_in_one_line_that_names_l2ls(tmp_path, change, said):
    config = _config()
    change(config)
    with pytest.raises(ConfigError) as error:
        l2l.run(config, tmp_path / "run.h5", simulator=_train, progress=False)
    assert said in str(error.value), error.value
    assert "\n" not in str(error.value)
    assert not (tmp_path / "run.h5").exists()


def test_max_candidates_of_another_policy_keeps_its_own_words():
    """The pbt hint is pbt's alone: a halving policy has max_candidates, an optimizer's unknown one says nothing
    of pbt."""
    from l2l.foreign import option_hint

    assert option_hint("max_candidates", ["population_size", "sigma"]) == ""
    assert "population under pbt" in option_hint("max_candidates", ["population", "interval", "fraction"])


def test_what_the_refusals_name_is_accepted(tmp_path):
    """population under pbt, a loguniform without base, a categorical grid: each runs."""
    config = _config()
    _pbt(config)
    config["policy"]["population"] = 2
    config["space"] = {"x": {"type": "float", "low": 1e-3, "high": 1.0, "log": True}}
    assert l2l.load(l2l.run(config, tmp_path / "p.h5", simulator=_train, progress=False)).trial.nunique() >= 2
    config = _config()
    config["space"] = {"x": {"type": "categorical", "choices": [0.1, 0.2]}}
    config["optimizer"] = {"name": "grid"}
    assert len(l2l.load(l2l.run(config, tmp_path / "g.h5", simulator=_train, progress=False))) >= 2

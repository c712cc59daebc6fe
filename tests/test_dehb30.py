"""A user coming from DEHB, SMAC3 or HpBandSter's BOHB with a ConfigSpace space (docs/coming_from_dehb_smac.md):
their names of searches, options, run budgets and hyperparameter types are refused in one line that says what l2l
calls them (before: l2l's list alone for DEHB, MultiFidelityFacade, min_fidelity, top_n_percent, fevals,
total_cost, walltime_limit, n_workers, UniformFloatHyperparameter, Constant, ordinal, conditions, ...), nothing is
created, and what that line names is accepted where it says."""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS
from l2l.policies import POLICIES


def _train(params, seed, budget, checkpoint=None):
    return l2l.SimulationResult(objectives={"loss": float(params["x"] ** 2 + 1.0 / budget)},
                                checkpoint={"budget": float(budget)})


def _config(**tables) -> dict:
    config = {"run": {"seed": 1, "compute": 60}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "optimizer": {"name": "random"}, "policy": {"name": "model-based"},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    for table, value in tables.items():
        config[table] = {**config[table], **value} if table == "run" else value
    return config


REFUSED = [
    ({"policy": {"name": "DEHB"}}, "unknown policy 'DEHB' (DEHB's nearest is 'model-based' here"),
    ({"policy": {"name": "MultiFidelityFacade"}}, "(SMAC's MultiFidelityFacade is 'model-based' here)"),
    ({"policy": {"name": "HyperbandFacade"}}, "(SMAC's HyperbandFacade (random candidates) is 'hyperband' here)"),
    ({"policy": {"name": "HpBandSter"}}, "(HpBandSter's BOHB is 'model-based' here)"),
    ({"optimizer": {"name": "DEHB"}}, 'proposes its own candidates is [policy] name = "model-based"'),
    ({"optimizer": {"name": "BlackBoxFacade"}}, "(SMAC's BlackBoxFacade (a Gaussian process) is 'gp' here)"),
    ({"policy": {"name": "model-based", "min_fidelity": 1}}, "; DEHB's min_fidelity is min_budget here"),
    ({"policy": {"name": "model-based", "max_fidelity": 9}}, "; DEHB's max_fidelity is max_budget here"),
    ({"policy": {"name": "model-based", "top_n_percent": 15}}, "; BOHB's top_n_percent is top_fraction here (a "
                                                               "fraction: 15 percent is 0.15"),
    ({"policy": {"name": "model-based", "num_samples": 64}}, "; BOHB's num_samples is samples here"),
    ({"policy": {"name": "model-based", "min_points_in_model": 8}}, "min_points_in_model has no twin"),
    ({"policy": {"name": "model-based", "bandwidth_factor": 3}}, "bandwidth_factor and min_bandwidth have no twin"),
    ({"policy": {"name": "model-based", "n_iterations": 4}}, "n_iterations and DEHB's brackets are [policy] brackets"),
    ({"policy": {"name": "model-based", "n_trials": 40}}, "run.evaluations ends it after that many segments"),
    ({"policy": {"name": "model-based", "n_workers": 2}}, "; DEHB's and SMAC's n_workers is [backend] workers"),
    ({"backend": {"name": "local", "n_workers": 2}}, "; DEHB's and SMAC's n_workers is workers here"),
    ({"run": {"fevals": 40}}, "; DEHB's fevals is run.evaluations (segments"),
    ({"run": {"total_cost": 60}}, "; DEHB's total_cost (seconds) is run.max_time; run.compute is a budget in "
                                  "fidelity units"),
    ({"run": {"walltime_limit": 60}}, "; SMAC's walltime_limit is run.max_time (seconds)"),
    ({"run": {"n_trials": 40}}, "SMAC's n_trials counts evaluations at every budget: run.evaluations"),
    ({"run": {"trial_walltime_limit": 60}}, "; SMAC's trial_walltime_limit is run.timeout"),
    ({"run": {"crash_cost": 10.0}}, "; SMAC's crash_cost is run.penalty"),
    ({"run": {"min_fidelity": 1}}, "the lowest budget is [policy] min_budget"),
    ({"run": {"eta": 3}}, "eta is an option of the [policy] table"),
    ({"run": {"output_path": "dehb_out"}}, "output_path and SMAC's output_directory are the run's file: run.out"),
    ({"scenario": {"n_trials": 40}}, "unknown section 'scenario' (SMAC's Scenario is spread here"),
    ({"configspace": {"x": {}}}, "unknown section 'configspace' (a configspace's table is [space] here)"),
    ({"conditions": [{"child": "x", "parent": "y"}]}, "l2l's space has no conditions or forbidden clauses"),
    ({"forbiddens": [{"x": 1}]}, "l2l's space has no conditions or forbidden clauses"),
    ({"space": {"x": {"type": "UniformFloatHyperparameter", "low": 1e-4, "high": 1.0}}},
     "got 'UniformFloatHyperparameter'; write type = \"float\" with low and high (ConfigSpace's log=True is log"),
    ({"space": {"x": {"type": "UniformInteger", "low": 1, "high": 8}}}, 'write type = "int" with low and high'),
    ({"space": {"x": {"type": "OrdinalHyperparameter", "sequence": [1, 2]}}}, "l2l has no ordinal"),
    ({"space": {"x": {"type": "Constant", "value": 3}}}, "a Constant is no parameter"),
    ({"space": {"x": {"type": "NormalFloat", "mu": 0, "sigma": 1}}}, "no normal or beta prior"),
    ({"space": {"x": {"low": 1e-4, "high": 1.0, "log": "True"}}}, "got 'True' (TOML's true or false, without quotes)"),
    ({"space": {"x": {"low": 0.0, "high": 1.0, "default_value": 0.5}}}, "(ConfigSpace's default_value is default)"),
    ({"space": {"x": {"type": "categorical", "choices": ["a", "b"], "weights": [1, 2]}}}, "it has no weights"),
    ({"space": {"x": {"low": 0.0, "high": 1.0, "parent": "y"}}}, "l2l's space has no conditions"),
]


@pytest.mark.parametrize("tables, said", REFUSED, ids=[str(t)[:60] for t, _ in REFUSED])
def test_dehb_smac_and_bohb_names_are_refused_in_one_line_that_names_l2ls(tmp_path, tables, said):
    with pytest.raises(ConfigError) as error:
        l2l.run(_config(**tables), tmp_path / "run.h5", simulator=_train, progress=False)
    assert said in str(error.value), error.value
    assert "\n" not in str(error.value)
    assert not (tmp_path / "run.h5").exists()


@pytest.mark.parametrize("name, theirs, value, ours, given", [
    ("model-based", "min_fidelity", 3, "min_budget", 3),
    ("model-based", "max_fidelity", 9, "max_budget", 9),
    ("model-based", "top_n_percent", 15, "top_fraction", 0.15),
    ("model-based", "num_samples", 32, "samples", 32),
    ("hyperband", "n_iterations", 2, "brackets", 2),
])
def test_the_policy_option_a_refusal_names_takes_the_value(name, theirs, value, ours, given):
    with pytest.raises(ConfigError, match=rf"{theirs} (is|and DEHB's brackets are \[policy\]) {ours}\b"):
        POLICIES.create(name, {theirs: value})
    assert getattr(POLICIES.create(name, {ours: given}), ours) == given


def test_n_workers_is_the_backends_workers():
    with pytest.raises(ConfigError, match="n_workers is workers here"):
        BACKENDS.create("local", {"n_workers": 2})
    assert BACKENDS.create("local", {"workers": 2}).workers == 2


@pytest.mark.parametrize("theirs, value, ours", [("walltime_limit", 60, "max_time"), ("total_cost", 60, "max_time"),
                                                 ("trial_walltime_limit", 30, "timeout"), ("fevals", 7, "evaluations"),
                                                 ("crash_cost", 10.0, "penalty")])
def test_the_run_key_a_refusal_names_takes_the_value(theirs, value, ours):
    with pytest.raises(ConfigError, match=rf"run\.{ours}\b"):
        l2l.from_mapping(_config(run={theirs: value}))
    assert getattr(l2l.from_mapping(_config(run={ours: value})), ours) == value


def test_dehbs_fevals_is_run_evaluations_counted_in_segments(tmp_path):
    """DEHB's fevals counts calls of the objective, each at one fidelity: run.evaluations = 7 is 7 segments."""
    with pytest.raises(ConfigError, match=r"fevals is run\.evaluations"):
        l2l.run(_config(run={"compute": 1000, "fevals": 7}), tmp_path / "run.h5", simulator=_train, progress=False)
    l2l.run(_config(run={"compute": 1000, "evaluations": 7}), tmp_path / "run.h5", simulator=_train, progress=False)
    assert len(l2l.load(tmp_path / "run.h5", segments=True)) == 7


@pytest.mark.parametrize("theirs, said, ours", [
    ({"type": "UniformFloatHyperparameter", "low": 1e-4, "high": 1.0, "log": "True"}, 'type = "float"',
     {"type": "float", "low": 1e-4, "high": 1.0, "log": True}),
    ({"type": "float", "low": 0.0, "high": 1.0, "default_value": 0.5}, "default_value is default",
     {"type": "float", "low": 0.0, "high": 1.0, "default": 0.5}),
    ({"type": "OrdinalHyperparameter", "sequence": [1, 2, 4]}, 'type = "categorical" with choices',
     {"type": "categorical", "choices": [1, 2, 4]}),
])
def test_the_space_a_refusal_names_is_accepted(theirs, said, ours):
    with pytest.raises(ConfigError, match=said):
        l2l.from_mapping(_config(space={"x": theirs}))
    space = l2l.from_mapping(_config(space={"x": ours})).space
    assert space is not None

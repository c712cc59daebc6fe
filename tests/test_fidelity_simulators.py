"""Every built-in inner loop with a fidelity: declared, continued exactly from a stored checkpoint, curves,
quality that grows with the budget, and the synthetic benchmark variants that agree or mislead."""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest
from scipy.stats import spearmanr

from l2l.errors import ConfigError
from l2l.results_schema import codec
from l2l.simulators import SIMULATORS
from l2l.simulators.base import EvaluationContext, Fidelity

#: name -> (options small enough to be fast, params, (b1, b2) with b2 the maximum, objective)
CASES = {
    "sphere": ({"multi_fidelity": True}, {"x": np.array([1.0, -2.0])}, (9, 81), "value"),
    "hartmann3": ({"multi_fidelity": True, "low_fidelity": "mislead", "max_budget": 27}, {"x": np.array([0.2, 0.5, 0.8])},
                  (3, 27), "value"),
    "sleep": ({"median": 0.01}, {"x": np.array([0.5])}, (10, 81), "value"),
    "lsnn": ({"training_steps": 12, "batch_size": 8, "test_trials": 32, "curve_every": 4}, {}, (5, 12),
             "recall_error"),
    "egru": ({"trials": 24, "test_trials": 32, "curve_every": 8, "min_budget": 4}, {}, (11, 24), "test_error"),
    "lsm": ({"tasks": 2, "train_examples": 10, "test_examples": 12}, {}, (4, 10), "test_error"),
    "spore": ({"duration": 12.0, "curve_points": 4, "min_budget": 1.0}, {}, (5.37, 12.0), "reward"),
}


def stored(checkpoint):
    """What the loop does with a checkpoint: encode it into the trajectory, read it back."""
    return codec.decode(codec.encode(checkpoint))


def same_result(a, b) -> None:
    assert a.objectives == b.objectives
    assert a.metrics == b.metrics
    assert sorted(a.traces) == sorted(b.traces)
    for key in a.traces:
        np.testing.assert_array_equal(a.traces[key], b.traces[key])


_SCRATCH: dict = {}


def scratch_run(name: str):
    """``CASES[name]``'s run to its maximum budget b2 from scratch with seed 7, made once per module: the tests of
    continuation, of the curve and of the refused checkpoints read it (and change nothing in it)."""
    if name not in _SCRATCH:
        options, params, (_, b2), _ = CASES[name]
        _SCRATCH[name] = SIMULATORS.create(name, options).run_to(params, 7, b2, None)
    return _SCRATCH[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_continuing_from_a_stored_checkpoint_equals_running_from_scratch(name):
    options, params, (b1, b2), objective = CASES[name]
    simulator = SIMULATORS.create(name, options)
    fidelity = simulator.fidelity()
    assert isinstance(fidelity, Fidelity) and fidelity.minimum <= b1 < b2 == fidelity.maximum
    Fidelity(**fidelity.to_json())  # a valid declaration

    scratch = scratch_run(name)
    first = simulator.run_to(params, 7, b1, None)
    continued = simulator.run_to(params, 7, b2, stored(first.checkpoint))
    same_result(scratch, continued)
    # the checkpoints agree too (what a third segment would continue from)
    assert codec.encode(scratch.checkpoint) == codec.encode(continued.checkpoint)
    # the curve: rows [fidelity, value] in (start, budget], ending at the budget's objective
    for result, start, stop in ((scratch, 0, b2), (first, 0, b1), (continued, b1, b2)):
        curve = np.asarray(result.curve[objective], dtype=float)
        assert curve.ndim == 2 and curve.shape[1] == 2
        assert start < curve[0, 0] and curve[-1, 0] == stop and np.all(np.diff(curve[:, 0]) > 0)
        assert curve[-1, 1] == result.objectives[objective]
    # a continued curve has the points of the scratch curve past b1, with the same values
    scratch_curve = {row[0]: row[1] for row in scratch.curve[objective]}
    for point, value in continued.curve[objective]:
        assert scratch_curve[point] == value
    # and the single-fidelity run is the run at the maximum budget
    same_result(simulator.run(params, 7), scratch)


@pytest.mark.parametrize("name", ["lsnn", "egru", "spore"])
def test_a_curve_point_is_what_a_run_to_that_budget_returns(name):
    options, params, (b1, b2), objective = CASES[name]
    simulator = SIMULATORS.create(name, options)
    curve = scratch_run(name).curve[objective]
    point, value = curve[0]
    assert simulator.run_to(params, 7, point, None).objectives[objective] == value


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_checkpoint_from_another_simulator_or_a_budget_behind_it_is_refused(name):
    options, params, (b1, b2), _ = CASES[name]
    simulator = SIMULATORS.create(name, options)
    checkpoint = scratch_run(name).checkpoint
    with pytest.raises(ValueError, match="cannot go back"):
        simulator.run_to(params, 7, b1, checkpoint)
    with pytest.raises(ValueError, match="not written by this simulator"):
        simulator.run_to(params, 1, b2, {"simulator": "other", "budget": 1})
    with pytest.raises(ValueError, match="budget must be"):
        simulator.run_to(params, 1, b2 * 2, None)


def test_whole_number_fidelities_refuse_a_fractional_budget():
    with pytest.raises(ValueError, match="whole number"):
        SIMULATORS.create("lsnn", CASES["lsnn"][0]).run_to({}, 1, 2.5, None)


def test_the_default_evaluation_is_unchanged_and_a_budget_in_the_context_uses_run_to():
    sphere = SIMULATORS.create("sphere", {})
    assert sphere.fidelity() is None
    assert sphere.run({"x": np.array([3.0, 4.0])}, 0).objectives == {"value": 25.0}
    mf = SIMULATORS.create("sphere", {"multi_fidelity": True})
    context = EvaluationContext(0, 0, budget=81)
    assert mf.evaluate({"x": np.array([3.0, 4.0])}, 0, context).objectives == {"value": 25.0}
    low = mf.evaluate({"x": np.array([3.0, 4.0])}, 0, EvaluationContext(0, 0, budget=1))
    assert low.objectives["value"] != 25.0


def test_zdt1_has_no_multi_fidelity_variant():
    with pytest.raises(ConfigError, match="zdt1"):
        SIMULATORS.create("zdt1", {"multi_fidelity": True})


def test_hartmann_functions_have_their_known_minima():
    h3, h6 = SIMULATORS.create("hartmann3", {}), SIMULATORS.create("hartmann6", {})
    assert h3.run({"x": np.array([0.114614, 0.555649, 0.852547])}, 0).objectives["value"] == pytest.approx(-3.86278, abs=1e-5)
    x6 = np.array([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573])
    assert h6.run({"x": x6}, 0).objectives["value"] == pytest.approx(-3.32237, abs=1e-5)
    rng = np.random.default_rng(0)
    assert min(h3.f(x) for x in rng.random((500, 3))) > -3.86278


def _rank_agreement(name: str, low_fidelity: str, dimension: int, low: float, high: float, seed: int):
    simulator = SIMULATORS.create(name, {"multi_fidelity": True, "low_fidelity": low_fidelity})
    rng = np.random.default_rng(seed)
    points = rng.uniform(low, high, (150, dimension))
    at_low = np.array([simulator.run_to({"x": x}, seed * 1000 + i, 1, None).objectives["value"]
                       for i, x in enumerate(points)])
    exact = np.array([simulator.f(x) for x in points])
    best_by_low = np.argsort(at_low)[:15]
    return spearmanr(at_low, exact).correlation, float(np.mean(exact[best_by_low] < np.median(exact)))


@pytest.mark.parametrize("name,dimension,low,high", [
    ("sphere", 4, -5, 5), ("rastrigin", 3, -5.12, 5.12), ("rosenbrock", 3, -2, 2), ("ackley", 3, -32, 32),
    ("griewank", 3, -600, 600), ("styblinski-tang", 3, -5, 5), ("hartmann3", 3, 0, 1), ("hartmann6", 6, 0, 1)])
def test_low_fidelities_agree_or_mislead_as_configured(name, dimension, low, high):
    agree = [_rank_agreement(name, "agree", dimension, low, high, seed) for seed in range(3)]
    mislead = [_rank_agreement(name, "mislead", dimension, low, high, seed) for seed in range(3)]
    assert np.mean([r for r, _ in agree]) > 0.75
    assert np.mean([good for _, good in agree]) > 0.9  # the low-fidelity best are truly good
    assert np.mean([r for r, _ in mislead]) < 0.45
    assert np.mean([good for _, good in mislead]) < 0.75  # the low-fidelity best are often truly bad


def test_the_error_of_the_synthetic_fidelity_shrinks_with_the_budget():
    simulator = SIMULATORS.create("rastrigin", {"multi_fidelity": True, "low_fidelity": "mislead"})
    rng = np.random.default_rng(1)
    errors = np.zeros(81)
    for i, x in enumerate(rng.uniform(-5, 5, (40, 3))):
        curve = np.asarray(simulator.run_to({"x": x}, i, 81, None).curve["value"])
        errors += np.abs(curve[:, 1] - simulator.f(x))
    assert errors[-1] == 0 and errors[0] > errors[26] > errors[60] > 0


@pytest.mark.parametrize("name,options,objective,sign,seeds", [
    ("lsnn", {"training_steps": 40, "batch_size": 8, "test_trials": 64}, "recall_error", 1, 5),
    ("egru", {"trials": 200, "test_trials": 64, "min_budget": 8}, "test_error", 1, 5),
    ("spore", {"duration": 60.0, "min_budget": 4.0}, "reward", -1, 4),
])
def test_quality_improves_with_the_budget_on_average_over_seeds(name, options, objective, sign, seeds):
    simulator = SIMULATORS.create(name, options)
    fidelity = simulator.fidelity()
    low = [simulator.run_to({}, seed, fidelity.minimum, None) for seed in range(seeds)]
    high = [simulator.run_to({}, seed, fidelity.maximum, stored(r.checkpoint)) for seed, r in enumerate(low)]
    low_loss = sign * np.mean([r.objectives[objective] for r in low])
    high_loss = sign * np.mean([r.objectives[objective] for r in high])
    assert high_loss < low_loss - 0.05


def test_lsm_error_falls_with_more_training_examples():
    simulator = SIMULATORS.create("lsm", {"tasks": 2, "train_examples": 24, "test_examples": 20})
    curves = [np.asarray(simulator.run_to({}, seed, 24, None).curve["test_error"]) for seed in range(3)]
    mean = np.mean([c[:, 1] for c in curves], axis=0)
    assert mean[-1] < mean[0] - 0.1


def test_sleep_sleeps_only_the_difference_when_continued(monkeypatch):
    import l2l.simulators.functions as functions

    slept = []
    monkeypatch.setattr(functions.time, "sleep", slept.append)
    simulator = SIMULATORS.create("sleep", {"seconds_per_unit": 1e-3})
    first = simulator.run_to({"x": np.zeros(1)}, 0, 10, None)
    second = simulator.run_to({"x": np.zeros(1)}, 0, 30, stored(first.checkpoint))
    assert slept == pytest.approx([0.010, 0.020])
    assert second.metrics["slept"] == pytest.approx(0.030)
    assert second.objectives["value"] < first.objectives["value"]


# -- python and command -------------------------------------------------------------------------------------
TRAINING = textwrap.dedent('''
    import numpy as np
    from l2l.simulators import SimulationResult

    def train(params, seed, budget, checkpoint=None):
        if checkpoint is None:
            epoch, weight = 0, np.zeros(1)
        else:
            epoch, weight = int(checkpoint["epoch"]), checkpoint["weight"]
        points = []
        for epoch in range(epoch + 1, budget + 1):
            rng = np.random.default_rng([seed, epoch])
            weight = weight + params["lr"] * (1.0 - weight) + 0.01 * rng.standard_normal(1)
            points.append([epoch, float(abs(1.0 - weight[0]))])
        return SimulationResult(objectives={"loss": points[-1][1]}, curve={"loss": points},
                                checkpoint={"epoch": budget, "weight": weight})

    def restart(params, seed, budget):
        return {"loss": 1.0 / budget}

    def plain(params, seed):
        return 0.0
''')

FIDELITY = {"name": "epochs", "unit": "training epochs", "minimum": 1, "maximum": 27}


@pytest.fixture
def models(tmp_path):
    (tmp_path / "mf_models.py").write_text(TRAINING)
    return str(tmp_path)


def test_a_python_function_with_budget_and_checkpoint_continues_exactly(models):
    simulator = SIMULATORS.create("python", {"function": "mf_models:train", "path": models,
                                             "multi_fidelity": FIDELITY})
    assert simulator.fidelity() == Fidelity("epochs", "training epochs", 1, 27, True)
    scratch = simulator.run_to({"lr": 0.1}, 5, 27, None)
    first = simulator.run_to({"lr": 0.1}, 5, 9, None)
    continued = simulator.run_to({"lr": 0.1}, 5, 27, stored(first.checkpoint))
    assert scratch.objectives == continued.objectives
    assert len(continued.curve["loss"]) == 18


def test_a_python_function_without_checkpoint_restarts_and_one_without_budget_is_refused(models):
    simulator = SIMULATORS.create("python", {"function": "mf_models:restart", "path": models,
                                             "multi_fidelity": FIDELITY})
    result = simulator.run_to({}, 0, 3, None)
    assert result.checkpoint is None
    with pytest.raises(ConfigError, match="must accept a keyword argument 'budget'"):
        SIMULATORS.create("python", {"function": "mf_models:plain", "path": models, "multi_fidelity": FIDELITY})
    with pytest.raises(ConfigError, match="fidelity needs 'maximum'"):
        SIMULATORS.create("python", {"function": "mf_models:train", "path": models,
                                     "multi_fidelity": {"name": "epochs", "minimum": 1}})
    with pytest.raises(ConfigError, match="unknown key 'max'"):
        SIMULATORS.create("python", {"function": "mf_models:train", "path": models,
                                     "multi_fidelity": {"name": "epochs", "minimum": 1, "max": 3}})


def test_a_callable_takes_its_fidelity_from_the_simulator_options():
    from l2l.simulators.python import CallableSimulator

    def train(params, seed, budget):
        return {"loss": 1.0 / budget}

    simulator = CallableSimulator(train, {}, FIDELITY)
    assert simulator.fidelity().maximum == 27
    assert simulator.run_to({}, 0, 4, None).objectives == {"loss": 0.25}
    with pytest.raises(ConfigError, match="budget"):
        CallableSimulator(lambda params, seed: 0.0, {}, FIDELITY)


COMMAND = textwrap.dedent('''
    import json, os, sys
    budget, folder = int(sys.argv[1]), sys.argv[2]
    state = os.path.join(folder, "sub", "state.json")
    epoch, weight = (json.load(open(state))["epoch"], json.load(open(state))["weight"]) if os.path.exists(state) else (0, 0.0)
    curve = []
    for epoch in range(epoch + 1, budget + 1):
        weight += 0.2 * (1.0 - weight)
        curve.append([epoch, 1.0 - weight])
    os.makedirs(os.path.dirname(state), exist_ok=True)
    json.dump({"epoch": budget, "weight": weight}, open(state, "w"))
    print(json.dumps({"objectives": {"loss": 1.0 - weight}, "curve": {"loss": curve}}))
''')


def test_a_command_continues_from_the_files_it_left_in_its_checkpoint_dir(tmp_path):
    (tmp_path / "train.py").write_text(COMMAND)
    options = {"argv": [sys.executable, str(tmp_path / "train.py"), "{budget}", "{checkpoint_dir}"],
               "workdir": str(tmp_path / "work"), "multi_fidelity": FIDELITY}
    simulator = SIMULATORS.create("command", options)
    first = simulator.run_to({}, 0, 3, None)
    assert sorted(first.checkpoint["files"]) == ["sub/state.json"]
    assert first.checkpoint["files"]["sub/state.json"].dtype == np.uint8
    continued = simulator.run_to({}, 0, 9, stored(first.checkpoint))
    scratch = simulator.run_to({}, 0, 9, None)
    assert continued.objectives == scratch.objectives
    assert [p[0] for p in continued.curve["loss"]] == list(range(4, 10))
    tiny = SIMULATORS.create("command", {**options, "checkpoint_limit_mb": 1e-6})
    with pytest.raises(Exception, match="checkpoint_limit_mb"):
        tiny.run_to({}, 0, 3, None)


def test_command_fidelity_placeholders_need_a_declared_fidelity():
    with pytest.raises(ConfigError, match="needs the option multi_fidelity"):
        SIMULATORS.create("command", {"argv": ["prog", "{budget}"]})


def test_a_command_checkpoint_naming_a_file_outside_its_folder_is_refused(tmp_path):
    simulator = SIMULATORS.create("command", {"argv": [sys.executable, "-c", "print(1)"],
                                              "workdir": str(tmp_path), "multi_fidelity": FIDELITY})
    bad = {"simulator": "command", "budget": 1, "files": {"../escape": np.zeros(1, np.uint8)}}
    with pytest.raises(Exception, match="outside its folder"):
        simulator.run_to({}, 0, 2, bad)
    assert not (tmp_path / "escape").exists()

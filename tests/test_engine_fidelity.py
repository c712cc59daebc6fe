"""A NEST or Brian2 model with a fidelity (e.g. milliseconds of biological time): the 'nest' and 'brian2' simulators
take the option multi_fidelity, as 'python' does, and call the model with budget= and checkpoint= inside their fresh
kernel or scope. Before, they refused the option, and the only way to a fidelity was the 'python' simulator, where
every segment of a Brian2 model failed on a worker ('ValueError: signal only works in main thread of the main
interpreter': Brian2 imported in a Dask worker's thread) and a NEST model got no kernel reset."""

from __future__ import annotations

import textwrap

import pytest

import l2l
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS

MODELS = textwrap.dedent('''
    from l2l.simulators import SimulationResult

    def neuron(brian2, params, seed, budget, checkpoint=None):
        """One leaky unit driven towards x, continued from its potential at the checkpoint's time."""
        b = brian2
        group = b.NeuronGroup(1, "dv/dt = (drive - v) / (10*ms) : 1\\ndrive : 1", method="exact")
        group.drive = params["x"]
        t = start = 0.0 if checkpoint is None else float(checkpoint["t_ms"])
        group.v = 0.0 if checkpoint is None else float(checkpoint["v"])
        b.run((budget - t) * b.ms)
        t = float(budget)
        curve = [[t, abs(float(group.v[0]) - 0.3)]]
        return SimulationResult(objectives={"value": curve[-1][1]}, curve={"value": curve},
                                checkpoint={"t_ms": t, "v": float(group.v[0])},
                                metrics={"start_ms": start, "simulated_ms": float(b.defaultclock.t / b.ms)})

    def kernel(nest, params, seed, budget, checkpoint=None):
        """What the kernel held when the model started, and the budget and checkpoint it was given."""
        nodes = float(nest.GetKernelStatus("network_size"))
        nest.Create("iaf_psc_alpha", 3)
        start = 0.0 if checkpoint is None else float(checkpoint["budget"])
        return SimulationResult(objectives={"value": float(budget) * params["x"]}, checkpoint={"budget": budget},
                                curve={"value": [[float(budget), float(budget) * params["x"]]]},
                                metrics={"nodes_at_start": nodes, "start": start})

    def no_budget(nest, params, seed):
        return 1.0

    def takes_budget(nest, params, seed, budget):
        return float(budget)
''')

FIDELITY = {"name": "ms", "unit": "ms of biological time", "minimum": 5, "maximum": 45}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("engine_fidelity")
    (path / "fid_models.py").write_text(MODELS)
    return path


def test_a_brian2_model_with_a_fidelity_runs_under_asha_continuing_from_its_checkpoints(folder):
    pytest.importorskip("brian2")
    config = l2l.from_mapping({
        "run": {"name": "b2fid", "seed": 3, "generations": 1},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 3},
        "simulator": {"name": "brian2", "function": "fid_models:neuron", "path": str(folder),
                      "multi_fidelity": {**FIDELITY, "maximum": 15}},
        "policy": {"name": "asha", "eta": 3},
        "backend": {"name": "serial"}})
    path = l2l.run(config, folder / "b2fid.h5", progress=False)
    segments = l2l.load(path, segments=True)
    assert (segments["status"] == "ok").all() and len(segments) > 3
    # each segment's network started at 0 and ran from its checkpoint's time to its budget, no further
    assert (segments["simulated_ms"] == segments["budget"] - segments["start_ms"]).all()
    assert (segments["start_ms"] == 5).sum() >= 1  # a promoted candidate continued from its checkpoint
    assert set(segments["budget"]) == {5, 15}
    top = l2l.load(path).query("budget == 15")
    assert len(top) >= 1 and (top["state"] == "completed").all()


def test_a_nest_model_gets_its_budget_and_checkpoint_in_a_fresh_kernel(folder):
    pytest.importorskip("nest")
    model = SIMULATORS.create("nest", {"function": "fid_models:kernel", "path": str(folder),
                                       "multi_fidelity": FIDELITY})
    assert model.fidelity().maximum == 45 and model.fidelity().unit == "ms of biological time"
    first = model.run_to({"x": 2.0}, 1, 15, None)
    second = model.run_to({"x": 2.0}, 1, 45, first.checkpoint)
    assert first.metrics["nodes_at_start"] == 0 and second.metrics["nodes_at_start"] == 0
    assert second.metrics["start"] == 15 and second.objectives["value"] == 90.0
    assert model.run({"x": 1.0}, 1).objectives["value"] == 45.0  # without a policy: the top budget at once


def test_engine_fidelity_mistakes_are_refused_in_one_line(folder):
    pytest.importorskip("nest")
    with pytest.raises(ConfigError, match="must accept a keyword argument 'budget'"):
        SIMULATORS.create("nest", {"function": "fid_models:no_budget", "path": str(folder),
                                   "multi_fidelity": FIDELITY})
    with pytest.raises(ConfigError, match="declares no fidelity: add multi_fidelity"):
        SIMULATORS.create("nest", {"function": "fid_models:takes_budget", "path": str(folder)})


def test_the_restart_line_of_an_engine_model_names_neither_the_engine_nor_a_setting_as_a_misnamed_checkpoint(tmp_path):
    """'nfid:train takes no checkpoint: it has no parameter named 'checkpoint' ('n_exc' is not one) ... rename that
    parameter checkpoint=None' was said of def train(nest, params, seed, budget, n_exc=160): neither the engine
    module nor a setting with a default is a checkpoint under another name; a ckpt=None still is."""
    from l2l.summary.multi_fidelity import _takes_checkpoint

    (tmp_path / "m.py").write_text("def train(nest, params, seed, budget, n_exc=160):\n    return 1.0\n\n"
                                   "def fit(params, seed, budget, ckpt=None, *, width=4):\n    return 1.0\n")
    assert _takes_checkpoint({"name": "nest", "function": "m:train", "path": str(tmp_path)}) == []
    assert _takes_checkpoint({"name": "python", "function": "m:fit", "path": str(tmp_path)}) == ["ckpt"]

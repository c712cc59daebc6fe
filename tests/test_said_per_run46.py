"""The nest and brian2 simulators' warnings of a model seeding with a number of its own were said once per *process*
(module globals): a second run in the same notebook or process was not told again, and what the first run's
evaluations had seen counted in the second's. They are now said once per run: what they remember is kept with the
run's simulator instance (l2l/simulators/said_once.py)."""

from __future__ import annotations

import pytest

NEST_MODELS = '''
def noisy(nest, params, seed):
    nest.SetKernelStatus({"rng_seed": 42})          # copied from a script
    neuron = nest.Create("iaf_psc_delta", 2)
    noise = nest.Create("poisson_generator", params={"rate": 16000.0})
    recorder = nest.Create("spike_recorder")
    nest.Connect(noise, neuron, syn_spec={"weight": 0.1})
    nest.Connect(neuron, recorder)
    nest.Simulate(20.0)
    return {"spikes": float(recorder.get("n_events"))}
'''

BRIAN2_MODELS = '''
def noisy(b, params, seed):
    b.seed(42)                                      # copied from a script
    group = b.NeuronGroup(5, "v : 1")
    group.v = "rand()"
    return {"v": float(group.v[:].sum())}
'''


def _warnings(capfd, word):
    return [line for line in capfd.readouterr().err.splitlines() if line.startswith("l2l: warning") and word in line]


def test_a_second_nest_run_in_one_process_is_told_again(tmp_path, capfd):
    pytest.importorskip("nest")
    from l2l.simulators.nest_sim import NestModel

    (tmp_path / "said46_nest.py").write_text(NEST_MODELS)
    for run in range(2):  # two runs in one notebook: each builds its simulator
        simulator = NestModel(function="said46_nest:noisy", path=str(tmp_path), threads=1)
        for seed in (1, 2, 3):
            simulator.run({}, seed)
        assert len(_warnings(capfd, "rng_seed to 42")) == 1, f"run {run + 1}"


def test_a_second_brian2_run_in_one_process_is_told_again(tmp_path, capfd):
    pytest.importorskip("brian2")
    from l2l.simulators.brian2_sim import Brian2Model

    (tmp_path / "said46_brian2.py").write_text(BRIAN2_MODELS)
    for run in range(2):
        simulator = Brian2Model(function="said46_brian2:noisy", path=str(tmp_path))
        for seed in (1, 2, 3):
            simulator.run({}, seed)
        assert len(_warnings(capfd, "brian2.seed(42)")) == 1, f"run {run + 1}"


def test_one_runs_seeds_do_not_count_in_the_next(tmp_path, capfd):
    """A first run's evaluation of seed 1 and a second run's of seed 2 are one evaluation each: nothing to tell."""
    pytest.importorskip("nest")
    from l2l.simulators.nest_sim import NestModel

    (tmp_path / "said46_nest_b.py").write_text(NEST_MODELS)
    for seed in (1, 2):
        NestModel(function="said46_nest_b:noisy", path=str(tmp_path), threads=1).run({}, seed)
    assert _warnings(capfd, "rng_seed") == []

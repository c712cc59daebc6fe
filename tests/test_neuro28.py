"""A neuroscientist's NEST or Brian2 network tuned by biological time (helper-184, session 28).

What went wrong before: a NEST or Brian2 model without a 'checkpoint' parameter (each segment simulates again from
0) was not known to restart, so 'pbt' started it, created the run's file and stopped after the first segment (the
'python' simulator refuses that when the config is read); a NEST NodeCollection kept in a checkpoint failed every
segment with NEST's 'NESTErrors.UnknownNode: UnknownNode'; a Brian2 model that called set_device('cpp_standalone')
left that device set for the worker's next evaluations, which then built nothing and returned what their empty
monitors held; a Brian2 quantity in a checkpoint reached a continued segment as a quantity in memory but as plain
numbers in SI units from the run's file (after l2l resume, on slurm-array)."""

from __future__ import annotations

import textwrap

import pytest

import l2l
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS

MODELS = textwrap.dedent('''
    import numpy as np
    from l2l.simulators import SimulationResult

    def nest_restarts(nest, params, seed, budget):
        return float(budget)

    def nest_keeps_nodes(nest, params, seed, budget, checkpoint=None):
        neurons = nest.Create("iaf_psc_delta", 3)
        nest.Simulate(float(budget))
        return SimulationResult(objectives={"value": 1.0}, curve={"value": [[float(budget), 1.0]]},
                                checkpoint={"t": float(budget), "neurons": neurons})

    def nest_empty_kernel(nest, params, seed, budget, checkpoint=None):
        nodes = float(nest.GetKernelStatus("network_size"))
        return SimulationResult(objectives={"value": nodes}, curve={"value": [[float(budget), nodes]]},
                                checkpoint={"t": float(budget)})

    def brian2_restarts(brian2, params, seed, budget):
        return float(budget)

    def brian2_volts(brian2, params, seed, budget, checkpoint=None):
        b = brian2
        group = b.NeuronGroup(2, "dv/dt = -v / (10*ms) : volt", method="exact")
        group.v = 1 * b.mV
        b.run(0.1 * b.ms)
        return SimulationResult(objectives={"value": 1.0}, curve={"value": [[float(budget), 1.0]]},
                                checkpoint={"t": float(budget), "v": group.v[:]})

    def brian2_standalone(brian2, params, seed):
        brian2.set_device("cpp_standalone", build_on_run=False)
        return 1.0

    def brian2_bad_units(brian2, params, seed):
        group = brian2.NeuronGroup(1, "dv/dt = -v / (10*ms) : volt", threshold="v > 1", method="exact")
        brian2.run(0.1 * brian2.ms)
        return 1.0

    def brian2_bad_equation(brian2, params, seed):
        group = brian2.NeuronGroup(1, "dv/dt = -v / (10*ms) + : 1", method="exact")
        return 1.0

    def brian2_device(brian2, params, seed):
        return float(type(brian2.get_device()).__name__ == "RuntimeDevice")
''')

TOP_OF_MODULE_DEVICE = 'import brian2\nbrian2.set_device("cpp_standalone", build_on_run=False)\n\n' \
                       'def model(brian2, params, seed):\n    return 1.0\n'

FIDELITY = {"name": "ms", "unit": "ms of biological time", "minimum": 5, "maximum": 45}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("neuro28")
    (path / "neuro28_models.py").write_text(MODELS)
    (path / "neuro28_top_device.py").write_text(TOP_OF_MODULE_DEVICE)
    return path


@pytest.fixture(scope="module")
def nest_module():
    return pytest.importorskip("nest")  # imported once for the module: NEST's import takes seconds


@pytest.fixture(scope="module")
def brian2_module():
    return pytest.importorskip("brian2")


def model(engine: str, function: str, folder, fidelity: bool = True):
    options = {"function": f"neuro28_models:{function}", "path": str(folder)}
    return SIMULATORS.create(engine, {**options, **({"multi_fidelity": FIDELITY} if fidelity else {})})


@pytest.mark.parametrize("engine", ["nest", "brian2"])
def test_pbt_refuses_an_engine_model_without_a_checkpoint_before_the_run_file_exists(engine, folder, tmp_path):
    pytest.importorskip(engine)
    assert model(engine, f"{engine}_restarts", folder).restarts()
    assert not model(engine, "nest_empty_kernel" if engine == "nest" else "brian2_volts", folder).restarts()
    config = l2l.from_mapping({
        "run": {"name": "pbt-restarts", "seed": 1, "policy": "pbt", "generations": 1},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 4},
        "simulator": {"name": engine, "function": f"neuro28_models:{engine}_restarts", "path": str(folder),
                      "multi_fidelity": FIDELITY},
        "backend": {"name": "serial"}})
    with pytest.raises(ConfigError, match=f"neuro28_models:{engine}_restarts takes no 'checkpoint' argument"):
        l2l.run(config, tmp_path / "run.h5", progress=False)
    assert not (tmp_path / "run.h5").exists()


def test_a_nest_node_collection_in_the_checkpoint_fails_in_one_line_naming_its_key(nest_module, folder):
    keeps = model("nest", "nest_keeps_nodes", folder)
    with pytest.raises(ValueError) as failure:
        keeps.run_to({}, 1, 5, None)
    message = str(failure.value)
    assert "\n" not in message and "checkpoint key 'neurons' is a NEST NodeCollection" in message
    assert "UnknownNode" not in message
    # the kernel was reset all the same: the next evaluation of the worker starts empty
    assert model("nest", "nest_empty_kernel", folder).run_to({}, 1, 5, None).objectives["value"] == 0.0


def test_a_brian2_model_that_switches_to_standalone_fails_and_leaves_the_runtime_device(brian2_module, folder):
    from brian2.devices.device import runtime_device

    with pytest.raises(RuntimeError, match="device was switched to 'cpp_standalone'.*'command' simulator"):
        model("brian2", "brian2_standalone", folder, fidelity=False).run({}, 1)
    assert brian2_module.get_device() is runtime_device
    assert model("brian2", "brian2_device", folder, fidelity=False).run({}, 2).objectives == 1.0


def test_a_brian2_module_that_sets_a_device_at_its_top_is_refused_when_the_config_is_read(brian2_module, folder):
    from brian2.devices.device import reset_device, runtime_device

    try:
        with pytest.raises(ConfigError, match="after importing 'neuro28_top_device', Brian2's device is set to "
                                              "'cpp_standalone'"):
            SIMULATORS.create("brian2", {"function": "neuro28_top_device:model", "path": str(folder)})
    finally:  # the module's import switched this process's device
        brian2_module.get_device().reinit()
        reset_device(runtime_device)
    assert brian2_module.get_device() is runtime_device


def test_a_brian2_quantity_with_a_unit_in_the_checkpoint_is_refused_naming_the_key_and_the_unit(brian2_module,
                                                                                                 folder):
    with pytest.raises(ValueError, match=r"checkpoint key 'v' is a Brian2 quantity in mV.*group\.v\[:\] / b\.mV"):
        model("brian2", "brian2_volts", folder).run_to({}, 1, 5, None)


def test_the_nest_example_continues_a_candidate_from_numbers_past_its_checkpoint_only(nest_module):
    from pathlib import Path

    examples = Path(__file__).resolve().parent.parent / "examples"
    network = SIMULATORS.create("nest", {"function": "nest_fidelity:train", "path": str(examples),
                                         "kwargs": {"n_exc": 80},
                                         "multi_fidelity": {"name": "seconds", "minimum": 0.1, "maximum": 0.3,
                                                            "integer": False}})
    params = {"g": 5.0, "eta": 2.0}
    first = network.run_to(params, 4, 0.1, None)
    continued = network.run_to(params, 4, 0.3, first.checkpoint)
    assert [point[0] for point in continued.curve["distance"]] == [0.2, 0.3]
    assert continued.checkpoint["spikes"] > first.checkpoint["spikes"] > 0
    assert all(isinstance(value, (float, int)) or hasattr(value, "dtype") for value in continued.checkpoint.values())
    again = network.run_to(params, 4, 0.3, first.checkpoint)
    assert again.objectives == continued.objectives  # same network and noise for the same seed and checkpoint


def test_a_new_brian2_worker_removes_the_compiled_code_caches_its_ended_predecessors_left(tmp_path):
    """The local backend's Dask workers are terminated without atexit, so every run with target = 'cython' left
    its workers' cache folders (<host>-<pid>, 8 MB each for a small network) in the temp folder for good."""
    import os
    import socket
    import subprocess
    import sys

    from l2l.simulators.brian2_sim import worker_cache

    host = socket.gethostname()
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, alive = tmp_path / f"{host}-{int(ended.stdout)}", tmp_path / f"{host}-{os.getppid()}"
    elsewhere = tmp_path / f"other-node-{int(ended.stdout)}"
    for folder in (dead, alive, elsewhere):
        (folder / "_cython_magic").mkdir(parents=True)
    own = worker_cache(str(tmp_path))
    assert os.path.isdir(own) and own.endswith(f"{host}-{os.getpid()}")
    assert not dead.exists() and alive.exists() and elsewhere.exists()


def test_an_error_in_brian2_fails_the_evaluation_with_the_original_error_and_the_models_line(brian2_module,
                                                                                                folder):
    """Brian2 raises BrianObjectException 'An error occurred when preparing an object. (See above for original error
    message and traceback.)', which was all the failed evaluation's line said: the original was its __cause__."""
    with pytest.raises(RuntimeError) as failure:
        model("brian2", "brian2_bad_units", folder, fidelity=False).run({}, 1)
    message = str(failure.value)
    assert message.startswith("simulator 'brian2': DimensionMismatchError: Comparison of expressions with different "
                              "units") and "\n" not in message and "See above" not in message
    line = MODELS.splitlines().index(next(text for text in MODELS.splitlines() if '"v > 1"' in text)) + 1
    assert message.endswith(f"(the object created at '{folder / 'neuro28_models.py'}', line {line})")
    with pytest.raises(RuntimeError, match=r"^simulator 'brian2': SyntaxError: invalid syntax in the expression "
                                           r"'-v / \(10\*ms\) \+'$"):  # was 'SyntaxError: invalid syntax'
        model("brian2", "brian2_bad_equation", folder, fidelity=False).run({}, 1)

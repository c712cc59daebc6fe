"""Options of the wrong simulator and seeds out of range, for SPORE and the analog classifier (session 46).

* A ``spore`` config with an option of ``spore-arm`` (``n_place``), or of ``emulated-hardware`` (``mismatch``), was
  refused with the list of spore's options and no word of where the option belongs; now the line says it.
* ``analog-classifier``'s ``task_seed = -1`` was accepted and every evaluation failed ("expected non-negative
  integer", exit 1): refused before the run, exit 2.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from l2l.cli import main
from l2l.simulators.spore import ARM_ONLY, SPORE_ONLY, Spore
from l2l.simulators.spore_arm import SporeArm


def _refused(tmp_path, capsys, simulator: str, space: str) -> str:
    path = tmp_path / "c.toml"
    path.write_text(f'[run]\nname = "t"\ngenerations = 1\n[space]\n{space}\n[optimizer]\nname = "random"\n'
                    f'population_size = 2\n[simulator]\n{simulator}\n[backend]\nname = "serial"\n')
    assert main(["run", str(path), "--out", str(tmp_path / "o.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("l2l: error: "), err
    assert not list(tmp_path.glob("*.h5*"))
    return err


TEMPERATURE = 'temperature = { type = "float", low = 0.1, high = 1.0 }'


@pytest.mark.parametrize("simulator,option,words", [
    ("spore", "n_place = 4", "'n_place' is an option of simulator 'spore-arm'"),
    ("spore-arm", 'task = "lane"', "'task' is an option of simulator 'spore' "),
    ("spore", "mismatch = 0.2", "'mismatch' is an option of simulator 'emulated-hardware': to run spore on emulated "
                                "chips give name = \"emulated-hardware\", simulator = \"spore\""),
])
def test_an_option_of_the_other_spore_or_of_the_chip_says_whose_it_is(tmp_path, capsys, simulator, option, words):
    err = _refused(tmp_path, capsys, f'name = "{simulator}"\nduration = 2.0\nmin_budget = 1.0\n{option}', TEMPERATURE)
    assert f"simulator '{simulator}': unknown option" in err and words in err, err


def test_the_lists_of_each_spores_own_options_are_true():
    def names(cls):
        return {f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")}
    assert set(ARM_ONLY) == names(SporeArm) - names(Spore) and set(SPORE_ONLY) == names(Spore) - names(SporeArm)


def test_a_negative_task_seed_of_the_classifier_is_refused_before_the_run(tmp_path, capsys):
    err = _refused(tmp_path, capsys, 'name = "emulated-hardware"\nsimulator = "analog-classifier"\n'
                                     'simulator_options = { task_seed = -1 }',
                   'weights = { type = "float", low = -1.0, high = 1.0, shape = [4, 12] }')
    assert err == "l2l: error: simulator 'analog-classifier': task_seed must be >= 0, got -1\n", err


@pytest.mark.parametrize("space,words", [
    ('temperature = { type = "float", low = 0.1, high = 1.0, shape = [2] }',
     "parameter 'temperature' has shape = [2]; it must be one value"),
    ('bias = { type = "float", low = -4.0, high = -2.0, shape = [3] }',
     "parameter 'bias' has shape = [3]; it must be one value or shape = [8], one per motor neuron"),
])
def test_a_spore_parameter_of_a_shape_every_evaluation_would_refuse_is_refused_before_the_run(tmp_path, capsys,
                                                                                            space, words):
    err = _refused(tmp_path, capsys, 'name = "spore"\nduration = 2.0\nmin_budget = 1.0', space)
    assert f"simulator 'spore': {words}" in err, err


@pytest.mark.parametrize("cls,neurons", [(Spore, 8), (SporeArm, 24)])
def test_a_bias_per_motor_neuron_runs_and_one_alike_is_the_one_value(cls, neurons):
    simulator = cls(duration=2.0, min_budget=1.0)
    same = simulator.run({"bias": np.full(neurons, simulator.bias)}, 3).objectives
    assert same == simulator.run({}, 3).objectives == simulator.run({"bias": [simulator.bias]}, 3).objectives
    assert simulator.run({"bias": np.linspace(-4.0, 0.0, neurons)}, 3).objectives != same

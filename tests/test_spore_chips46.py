"""SPORE on emulated chips, and the SPORE options that silently learned nothing (session 46).

* ``emulated-hardware`` over ``spore`` or ``spore-arm`` ran every chip as the ideal model: neither declared a device
  parameter, so ``mismatch``, ``noise`` and the chips changed nothing (each chip's reward the same number, their
  spread 0). Each motor neuron's ``bias`` is now realised per chip; a wrapped simulator with no device parameter at
  all (none declared, no explored parameter matching the patterns) is refused in one line, exit 2.
* ``theta_max <= 0`` clipped every synapse to retracted for the whole run (weights 0): refused.
* ``spore-arm`` links of very different lengths put most targets where the hand can never come: refused.
"""

from __future__ import annotations

import numpy as np
import pytest

from l2l.cli import main
from l2l.simulators import SIMULATORS
from l2l.simulators.spore import Spore
from l2l.simulators.spore_arm import SporeArm

SHORT = {"duration": 2.0, "min_budget": 1.0}


@pytest.mark.parametrize("inner", ["spore", "spore-arm"])
def test_spore_on_several_emulated_chips_differs_from_chip_to_chip(inner):
    chips = SIMULATORS.create("emulated-hardware", {"simulator": inner, "simulator_options": SHORT,
                                                    "chips": [0, 1, 2], "mismatch": 0.3})
    result = chips.run({"temperature": 0.3}, 5)
    rewards = [result.metrics[f"chip{c}_reward"] for c in (0, 1, 2)]
    assert len(set(rewards)) == 3 and result.metrics["reward_chip_std"] > 0, rewards
    # a perfect chip (no mismatch, no noise) runs the ideal model exactly
    ideal = SIMULATORS.create("emulated-hardware", {"simulator": inner, "simulator_options": SHORT, "chips": [4],
                                                    "mismatch": 0.0, "noise": 0.0})
    plain = SIMULATORS.create(inner, SHORT)
    inner_seed = int(np.random.SeedSequence(5).spawn(2)[0].generate_state(1, np.uint64)[0] >> np.uint64(1))
    assert ideal.run({"temperature": 0.3}, 5).objectives == plain.run({"temperature": 0.3}, inner_seed).objectives


def test_a_bias_of_another_shape_is_refused_naming_it():
    with pytest.raises(ValueError, match="'bias' must be one number or one per motor neuron \\(8\\)"):
        Spore(**SHORT).run({"bias": np.zeros(3)}, 0)


def _config(tmp_path, simulator: str, space: str = "x") -> str:
    path = tmp_path / "c.toml"
    path.write_text(f'[run]\nname = "t"\ngenerations = 1\n[space]\n{space} = {{ type = "float", low = 0.1, high = 1.0 }}'
                    f'\n[optimizer]\nname = "random"\npopulation_size = 2\n[simulator]\n{simulator}\n'
                    f'[backend]\nname = "serial"\n')
    return str(path)


def _refused(tmp_path, capsys, config: str) -> str:
    assert main(["run", config, "--out", str(tmp_path / "o.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("l2l: error: "), err
    assert not list(tmp_path.glob("*.h5*"))
    return err


def test_a_wrapped_simulator_with_no_device_parameter_is_refused(tmp_path, capsys):
    config = _config(tmp_path, 'name = "emulated-hardware"\nsimulator = "sphere"\nchips = [0, 1]\nmismatch = 0.3')
    err = _refused(tmp_path, capsys, config)
    assert "no value of 'sphere' is a device parameter" in err, err
    config = _config(tmp_path, 'name = "emulated-hardware"\nsimulator = "sphere"\nchips = [0, 1]\nmismatch = 0.3\n'
                               'weight_patterns = ["w*"]')
    err = _refused(tmp_path, capsys, config)
    assert "weight_patterns 'w*' matches no explored parameter (x)" in err, err
    matching = _config(tmp_path, 'name = "emulated-hardware"\nsimulator = "sphere"\nchips = [0, 1]\n'
                                 'analog_patterns = ["x"]')
    assert main(["run", matching, "--out", str(tmp_path / "p.h5"), "--no-progress"]) == 0


@pytest.mark.parametrize("name", ["spore", "spore-arm"])
def test_a_theta_max_that_retracts_every_synapse_is_refused(tmp_path, capsys, name):
    err = _refused(tmp_path, capsys, _config(tmp_path, f'name = "{name}"\nduration = 2.0\nmin_budget = 1.0\n'
                                                       f'theta_max = -1.0', "temperature"))
    assert f"simulator '{name}': theta_max must be > 0, got -1.0" in err, err


def test_arm_links_that_leave_targets_out_of_reach_are_refused(tmp_path, capsys):
    err = _refused(tmp_path, capsys, _config(tmp_path, 'name = "spore-arm"\nduration = 2.0\nmin_budget = 1.0\n'
                                                       'upper_arm = 1.0\nforearm = 0.1', "temperature"))
    assert "85% of them could never be reached" in err, err
    SporeArm(upper_arm=0.5, forearm=0.3, **SHORT)  # a shorter forearm whose hand reaches every target: accepted


def test_patterns_add_to_what_spore_declares_and_one_matching_nothing_is_refused(tmp_path, capsys):
    """A pattern selected explored parameters beside a declaration no more (the declaration alone counted): spore's
    temperature on a chip with analog_patterns = ["temperature"] was perturbed before spore declared its bias, and
    then silently not; and a pattern with a typo selected nothing."""
    chips = SIMULATORS.create("emulated-hardware", {"simulator": "spore", "simulator_options": SHORT,
                                                    "analog_patterns": ["temperature"], "mismatch": 0.3})
    realised = chips.realise({"temperature": 0.3}, 1, np.random.default_rng(0))
    assert realised["temperature"] != 0.3 and np.shape(realised["bias"]) == (8,), realised
    err = _refused(tmp_path, capsys, _config(tmp_path, 'name = "emulated-hardware"\nsimulator = "spore"\n'
                                                       'simulator_options = { duration = 2.0, min_budget = 1.0 }\n'
                                                       'analog_patterns = ["temprature"]', "temperature"))
    assert "analog_patterns 'temprature' matches no explored parameter (temperature)" in err, err

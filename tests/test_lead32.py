"""Compute figures of many fidelity units read in full where the user reads them: a sweep of a function trained for
up to 1,234,567 steps said '1.23457e+06 steps of compute' in ``l2l show``'s progress line and the closing line of
``l2l run``, a figure that had lost its last digits and that no other place of the run wrote that way."""

from __future__ import annotations

import textwrap

import l2l
from l2l.cli import main
from l2l.summary.text import finished_text

TRAIN = '''
def train(params, seed, budget, checkpoint=None):
    return {"loss": (params["x"] - 0.3) ** 2 + 1.0 / budget}
'''


def test_a_sweep_of_a_million_steps_says_its_compute_to_the_last_step(tmp_path, capsys):
    (tmp_path / "train_lead32.py").write_text(textwrap.dedent(TRAIN))
    config = l2l.from_mapping({
        "run": {"name": "sweep", "seed": 1, "generations": 1},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "grid", "points": 3},
        "simulator": {"name": "python", "function": "train_lead32:train",
                      "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 1234567}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}},
        base_dir=tmp_path)
    path = l2l.run(config, tmp_path / "sweep.h5")
    said = "3703701 steps of compute"  # 3 x 1,234,567; before: '3.7037e+06 steps of compute'
    assert said in finished_text(path, 1.0).splitlines()[0]
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    assert said in capsys.readouterr().out


def test_compute_amounts_keep_whole_numbers_whole_and_fractions_short():
    from l2l.summary.progress import amount

    assert amount(1500000.0) == "1500000"
    assert amount(243) == "243"
    assert amount(0.1 + 0.2) == "0.3"
    assert amount(10 / 9) == "1.11111"

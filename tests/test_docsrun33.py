"""What a new user running the docs met (session 33's docs run, helper-263).

docs/pbt.md names ``examples/digits_train.py`` as a function whose width (``hidden``) shapes the checkpoint. Run
under PBT with ``hidden`` explored and no ``[policy] keep``, its continued members failed (its weights are one flat
vector unpacked by ``params["hidden"]``: a broadcast ``ValueError``, 16 of 72 segments at 9 epochs), and nothing
but the error said why: the warning for an explored width applies to a checkpoint whose arrays show the width, and
a failed segment returns none. Now the first such failure is named in one warning line with ``keep`` to give.
"""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.simulators import SimulationResult


def flat_width(params, seed, budget, checkpoint=None):
    """digits_train.py's way: one flat weight vector, unpacked by the width in ``params`` in every segment."""
    hidden = int(params["hidden"])
    if checkpoint is None:
        done, weights = 0, np.random.default_rng(seed).normal(size=3 * hidden + 1)
    else:
        done, weights = int(checkpoint["epoch"]), np.array(checkpoint["weights"])
    w, b = weights[:3 * hidden].reshape(3, hidden), weights[3 * hidden:]  # another width: a ValueError here
    bias = float(b @ np.ones(1))  # or here, where the donor's width was the larger
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        w = w * (1 - params["lr"])
        curve.append([epoch, float(np.mean(w ** 2)) + 0.0 * bias])
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget), "weights": np.concatenate([w.ravel(), b])})


def always_fails_when_continued(params, seed, budget, checkpoint=None):
    """A failure that has nothing to do with a width: every continued segment raises."""
    if checkpoint is not None:
        raise RuntimeError("this model cannot continue")
    curve = [[epoch, float(params["lr"]) / epoch] for epoch in range(1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget), "weights": np.zeros(3)})


def pbt_run(seed, space=None, **policy):
    return {"run": {"name": "flat", "seed": seed, "policy": "pbt", "generations": 1},
            "space": space or {"lr": {"type": "float", "low": 0.01, "high": 0.5, "log": True},
                               "hidden": {"type": "int", "low": 2, "high": 64}},
            "optimizer": {"name": "random", "population_size": 4},
            "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 4}},
            "objectives": [{"name": "loss", "direction": "minimize"}],
            **({"policy": policy} if policy else {}),
            "backend": {"name": "serial"}}


def warnings(capsys):
    return [line for line in capsys.readouterr().err.splitlines() if "l2l: warning: pbt" in line]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pbt_names_keep_in_one_line_when_a_member_fails_with_a_width_its_donor_did_not_have(tmp_path, capsys, seed):
    path = l2l.run(pbt_run(seed), tmp_path / "p.h5", simulator=flat_width)
    segments = l2l.load(path, segments=True)
    failed = segments[(segments["status"] != "ok") & (segments["parent"] >= 0)]
    assert len(failed), "no exploit failed: the test is about nothing"
    lines = warnings(capsys)
    assert len(lines) == 1, lines
    assert "failed" in lines[0] and "hidden = " in lines[0] and 'keep = ["hidden"]' in lines[0], lines[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pbt_with_the_width_kept_neither_fails_nor_warns(tmp_path, capsys, seed):
    path = l2l.run(pbt_run(seed, keep=["hidden"]), tmp_path / "p.h5", simulator=flat_width)
    assert (l2l.load(path, segments=True)["status"] == "ok").all()
    assert warnings(capsys) == []


def test_pbt_names_no_width_where_the_space_has_no_integer_parameter(tmp_path, capsys):
    space = {"lr": {"type": "float", "low": 0.01, "high": 0.5, "log": True}}
    path = l2l.run(pbt_run(1, space=space), tmp_path / "p.h5", simulator=always_fails_when_continued)
    assert (l2l.load(path, segments=True)["status"] != "ok").any()
    assert warnings(capsys) == []

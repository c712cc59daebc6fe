"""The progress bar of a multi-fidelity run gives its rate in the fidelity's unit ('epochs/s'), not 'budget/s'.

Before, every run with a ``[policy]`` and ``run.compute`` showed ``budget/s`` whatever its simulator trained in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import l2l
from l2l.progress import rate_unit
from l2l.simulators.base import Fidelity

TESTS = Path(__file__).resolve().parent


def _rate_words(err: str) -> set[str]:
    """The units tqdm put in the bar's rates: 'epochs' from '12.3epochs/s', '?epochs/s' or '4.5s/epochs'."""
    import re

    return {m.group(1) or m.group(2) for m in re.finditer(r"[\d?]([A-Za-z_]+)/s\b|s/([A-Za-z_]+)\b", err)}


@pytest.mark.parametrize("fidelity, word", [
    ({"name": "epochs", "unit": "training epochs"}, "epochs"),  # the unit a phrase: the name
    ({"name": "ep", "unit": "epochs"}, "epochs"),                # the unit one word: the unit
    ({"name": "steps"}, "steps"),                                # no unit declared: the name
])
def test_a_policy_runs_bar_counts_its_compute_in_the_fidelitys_unit(tmp_path, capsys, fidelity, word):
    config = l2l.from_mapping({
        "run": {"seed": 1, "compute": 27}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "python", "function": "models_compute_limit:curve",
                      "multi_fidelity": {**fidelity, "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}}, base_dir=TESTS)
    capsys.readouterr()
    l2l.run(config, tmp_path / "run.h5", progress=True)
    err = capsys.readouterr().err
    assert _rate_words(err) == {word}, err  # before: {'budget'}


def test_the_rate_word_falls_back_to_budget_without_a_name_or_unit():
    assert rate_unit(Fidelity("iterations", "training iterations (Adam steps)", 1, 80)) == "iterations"
    assert rate_unit(None) == "budget"

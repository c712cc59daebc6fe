"""The learning-curve panel of a multi-fidelity run whose every candidate failed at its first segment says so
(before: an empty panel and matplotlib's 'No artists with labels found to put in legend' on the terminal)."""

from __future__ import annotations

import warnings

import l2l
from l2l.plot.curves import curves_figure

MODEL = """
def train(params, seed, budget, checkpoint=None):
    raise RuntimeError("boom")
"""


def test_every_candidate_failed_at_once_is_said_in_the_panel_without_a_warning(tmp_path):
    (tmp_path / "failing_model.py").write_text(MODEL)
    config = l2l.from_mapping({
        "run": {"name": "failing", "seed": 0, "compute": 12},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": "failing_model:train", "path": str(tmp_path),
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "failing.h5", progress=False)
    candidates = l2l.load(path)["trial"].nunique()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = curves_figure(path)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts == [f"no learning curve to draw:\n{candidates} candidates failed\nat their first segment"]
    assert figure.axes[0].get_legend() is None

"""The learning-curves plot of a run where some candidates diverged or failed at once."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import l2l  # noqa: E402
from conftest import TESTS  # noqa: E402


def test_diverged_candidates_do_not_flatten_the_others_and_failed_ones_are_counted(tmp_path):
    from l2l.plot.curves import curves_figure

    config = l2l.from_mapping({
        "run": {"seed": 3, "compute": 27 * 10}, "space": {"x": {"low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": "models_agreement:diverging",
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 27}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}, base_dir=TESTS)
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    frame = l2l.load(path)
    diverged = (frame["loss"] > 1e40).sum()
    failed = int((frame["status"] != "ok").sum())
    assert diverged >= 3 and failed >= 1
    ax = curves_figure(str(path)).axes[0]
    low, high = ax.get_ylim()
    assert high < 10 and low > -1  # the losses of the others lie in [0, 2]; before: the axis ran to 1e50
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(f"{failed} more without a curve (failed at once)" in t for t in legend), legend

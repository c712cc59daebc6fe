"""The status panel (``l2l plot``, the report) of a policy run with more than 30 budgets labels its ticks with budgets.

Its bars stand side by side, one per budget reached. Up to 30 budgets each bar is labelled with its budget; of more,
the ticks were labelled by the bars' positions (-5, 0, 5, ... 45 under budgets 5 to 200), read as budgets the run
never had. Now every few bars get their budget.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import l2l  # noqa: E402
from l2l.plot import panels  # noqa: E402
from l2l.plot.data import load_run  # noqa: E402


def _pbt_run(tmp_path, interval: int):
    """A PBT run to budget 200 in steps of ``interval`` (200 / interval budgets), two candidates."""
    config = {"run": {"name": "ticks"}, "space": {"learning_rate": {"low": 0.001, "high": 0.3, "log": True}},
              "simulator": {"name": "noisy-sgd", "max_budget": 200},
              "objectives": [{"name": "loss", "direction": "minimize"}],
              "policy": {"name": "pbt", "population": 2, "interval": interval}, "backend": {"name": "serial"}}
    tmp_path.mkdir(exist_ok=True)
    return load_run(l2l.run(l2l.from_mapping(config), tmp_path / "ticks.h5", progress=False))


def _ticks(run) -> list[tuple[float, str]]:
    fig, ax = plt.subplots()
    try:
        panels.draw_status(ax, run)
        fig.canvas.draw()
        return [(float(at), label.get_text()) for at, label in zip(ax.get_xticks(), ax.get_xticklabels())]
    finally:
        plt.close(fig)


def test_the_ticks_of_more_than_30_budgets_name_the_budgets_of_the_bars_above_them(tmp_path):
    run = _pbt_run(tmp_path, interval=5)
    budgets = sorted(set(run.segments["budget"]))
    assert len(budgets) == 40
    ticks = _ticks(run)
    # before: '-5', '0', '5', ... '45': the bars' positions
    assert 4 <= len(ticks) <= 12, ticks
    for at, label in ticks:  # each bar stands at its position among the budgets
        assert at == int(at) and 0 <= at < len(budgets), ticks
        assert label == f"{budgets[int(at)]:g}", ticks
    assert ticks[0] == (0.0, "5")

    # 20 budgets: each bar labelled ran the labels together in this figure (90100110120); now every other one,
    # and every bar keeps a tick (the others minor ones)
    fewer = _pbt_run(tmp_path / "fewer", interval=10)
    budgets = sorted(set(fewer.segments["budget"]))
    assert len(budgets) == 20
    assert _ticks(fewer) == [(float(i), f"{budget:g}") for i, budget in enumerate(budgets) if i % 2 == 0]

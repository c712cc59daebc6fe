"""Two outputs that told a reader something false (session 41).

- ``l2l compare``'s table put the selection's ``best candidate`` in one row with a ``re-evaluated`` mean that is
  the re-evaluation's first place, often another candidate, without saying whose mean it was.
- The Pareto figure of a run of three objectives drew blue, as on "the front of the two drawn objectives", a
  candidate that ties a front member on both drawn objectives but is worse on the third: off the front the title
  counts, so blue plus open circles came to more than the title's count."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from l2l.objectives import Objective
from l2l.plot.data import RunData


def _ga_frame(objectives: dict[str, list[float]]) -> pd.DataFrame:
    count = len(next(iter(objectives.values())))
    return pd.DataFrame({"generation": np.zeros(count, dtype=int), "individual": np.arange(count),
                         "x": np.linspace(0.0, 1.0, count), "status": "ok", "duration": 0.1,
                         "started": pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(count), unit="s"),
                         **objectives})


def test_compare_names_the_candidate_whose_reevaluated_mean_it_shows(tmp_path, monkeypatch):
    # the selection's best (individual 0) came in third on the fresh seeds; individual 2 came in first
    import importlib

    table_module = importlib.import_module("l2l.plot.comparison_table")  # where _table reads reevaluated
    run = RunData.from_frame(_ga_frame({"value": [0.1, 0.3, 0.2, 0.9]}), objectives=[Objective("value")],
                             name="noisy")
    run.path = str(tmp_path / "noisy.h5")  # reevaluated() reads a file only where the run has a path
    fresh = {"mean": 0.276, "ci95": 0.05, "seeds": 5, "candidates": 3, "where": "generation 0, individual 2",
             "candidate": "gen 0 ind 2 (selection rank 2)", "among": "", "picked": ""}
    monkeypatch.setattr(table_module, "reevaluated", lambda r, objective: dict(fresh) if r is run else None)
    row = table_module._table([run], [Objective("value")]).iloc[0]
    assert row["best candidate"].startswith("gen 0 ind 0:")
    assert row["re-evaluated value"] == 0.276
    assert row["re-evaluated candidate"] == "gen 0 ind 2 (selection rank 2)", row.to_dict()
    columns = list(row.index)  # read beside the mean, not three columns away
    assert columns.index("re-evaluated candidate") + 1 == columns.index("re-evaluated value")


def test_reevaluated_names_its_first_place_with_its_selection_rank(tmp_path):
    # the real file: the re-evaluation's first place is named as the table names candidates, with its rank by the
    # values selection saw; of several objectives, the column says whose first place
    import l2l
    from l2l.plot.compare import reevaluated
    from l2l.plot.data import load_run
    from l2l.reevaluate import ranking, reevaluate

    config = {"run": {"name": "noisy", "seed": 5, "generations": 1},
              "space": {"x": {"type": "float", "low": -2.0, "high": 2.0}},
              "optimizer": {"name": "ga", "population_size": 6},
              "simulator": {"name": "sphere", "noise": 1.0},
              "backend": {"name": "serial"}}
    path = l2l.run(l2l.from_mapping(config), tmp_path / "noisy.h5")
    reevaluate(path, top=3, seeds=3)
    run = load_run(str(path))
    first = ranking(path).iloc[0]
    fresh = reevaluated(run, run.objectives[0])
    assert fresh["candidate"] == (f"gen {int(first['generation'])} ind {int(first['individual'])} "
                                  f"(selection rank {int(first['selection rank'])})"), (fresh, first)
    assert fresh["mean"] == float(first["mean"])


def _legend_counts(ax) -> dict[str, int]:
    out = {}
    for text in ax.get_legend().get_texts():
        words = text.get_text()
        out[words.split(" (")[0]] = int(re.search(r"\((\d+)", words).group(1))
    return out


def test_pareto_of_three_objectives_counts_add_up_to_the_title(monkeypatch):
    # a and b tie on err and acc; b has more spikes, so it is dominated (by a) and off the front over all three
    from l2l.plot import figures, panels

    err, spikes, acc = Objective("err"), Objective("spikes"), Objective("acc", "maximize")
    #                  a    b    c     d    e
    frame = _ga_frame({"err": [0.1, 0.1, 0.2, 0.3, 0.4],
                       "spikes": [1.0, 2.0, 3.0, 0.0, 5.0],
                       "acc": [0.9, 0.9, 0.95, 0.5, 0.4]})
    run = RunData.from_frame(frame, objectives=[err, spikes, acc], name="three")
    ax = Figure().subplots()
    size, _, whole = panels.draw_pareto(ax, run, err, acc)
    counts = _legend_counts(ax)
    assert whole == 3  # a, c, d: l2l show's front over all three
    assert counts["Pareto front of err and acc"] == 2, counts  # a and c (b was drawn blue: 3)
    assert counts["on the front through spikes"] == 1  # d
    assert counts["Pareto front of err and acc"] + counts["on the front through spikes"] == whole == size + 1
    assert counts["dominated"] == 2  # b (under a, where a is drawn) and e
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "dominated (2; 1 under a front point: tied on err and acc, worse on spikes)" in labels, labels
    # each blue mark is a member of the title's front
    blue = [c for c in ax.collections if c.get_label().startswith("Pareto front")][0]
    assert sorted(map(tuple, np.round(blue.get_offsets().data, 6))) == [(0.1, 0.9), (0.2, 0.95)]
    title = figures.pareto(run, ["err", "acc"])._suptitle.get_text()
    assert title.startswith("three: 3 non-dominated over all 3 objectives"), title

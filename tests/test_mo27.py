"""A multi-objective user's run: what l2l show and l2l plot --kind pareto say about its front.

* ``l2l show`` cut a Pareto front to its first 20 rows without a word ("Pareto front (81 evaluations):" over 20
  rows), and ``--top N`` did not show more; it now says how many it shows and how to see all, and ``--top`` shows
  more of a long front.
* ``l2l plot --kind pareto`` of a run of three objectives drew and counted the front of the two objectives drawn
  ("3 non-dominated candidates ... objectives not shown: time") while l2l show's front over all three had 9; the
  title now gives both counts and the other members of show's front are drawn as open circles.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

import l2l
from l2l.config import from_mapping
from l2l.results_schema.reader import Trajectory
from l2l.summary.text import show_text


def trade_off(params, seed):
    """Three objectives every point trades off: each evaluation is on the front of all three."""
    x, y = params["x"], params["y"]
    return {"err": x, "spikes": 1.0 - x + 0.1 * y, "time": 1.0 - y}


def two_of_three(params, seed):
    """err and spikes fight over x; time over y alone, so the front of all three is wider than err and spikes'."""
    x, y = params["x"], params["y"]
    return {"err": (x - 0.2) ** 2 + (y - 0.5) ** 2, "spikes": 100 * (x + 0.1), "time": 1 + 3 * y}


def _run(folder, function, evaluations: int):
    config = {"run": {"name": "mo", "seed": 3, "generations": 1},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0},
                        "y": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": evaluations},
              "simulator": "python",
              "objectives": [{"name": "err"}, {"name": "spikes"}, {"name": "time"}],
              "backend": {"name": "serial"}}
    path = folder / "mo.h5"
    l2l.run(from_mapping(config), path, simulator=function, progress=False)
    return path


def _front_rows(text: str) -> int:
    """How many rows the front table under the 'Pareto front' title of ``text`` has."""
    rows = 0
    for line in text.split("Pareto front", 1)[1].splitlines()[2:]:
        if not line.split() or not line.split()[0].isdigit():
            break
        rows += 1
    return rows


@pytest.fixture(scope="module")
def long_front(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("mo27_long"), trade_off, 30)


def test_show_says_it_cuts_a_long_front_and_top_shows_more_of_it(long_front):
    assert len(l2l.front(long_front)) == 30
    with Trajectory(long_front) as trajectory:
        cut, whole = show_text(trajectory, top=10), show_text(trajectory, top=30)
    title = next(line for line in cut.splitlines() if line.startswith("Pareto front"))
    assert title.startswith("Pareto front (30 evaluations); the first 20 shown")
    assert "--top 30" in title and "l2l.front(FILE)" in title
    assert _front_rows(cut) == 20
    assert _front_rows(whole) == 30  # before: 20, whatever --top said
    assert "first 20 shown" not in whole


def test_pareto_plot_of_three_objectives_counts_the_front_show_lists(tmp_path):
    from l2l import plot

    path = _run(tmp_path, two_of_three, 40)
    members = len(l2l.front(path))
    figure = plot.pareto(path)
    title = figure._suptitle.get_text()
    assert f"{members} non-dominated" in title and "over all 3 objectives of 40 successful" in title
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    drawn_two = next(label for label in labels if label.startswith("Pareto front of err and spikes"))
    through = next(label for label in labels if label.startswith("on the front through time"))
    count = lambda label: int(label.rsplit("(", 1)[1].split()[0].rstrip(")"))  # noqa: E731
    assert count(drawn_two) < members  # the run is made so that time widens the front
    assert count(drawn_two) + count(through) == members
    import matplotlib.pyplot as pyplot

    pyplot.close(figure)


def noisy_trade_off(params, seed):
    """Two noisy objectives: a weighted GA evaluates its elite again every generation on a new seed."""
    import numpy as np

    noise = np.random.default_rng(seed).standard_normal(2)
    x, y = params["x"], params["y"]
    return {"err": (x - 0.2) ** 2 + (y - 0.5) ** 2 + 0.05 * noise[0], "spikes": 100 * (x + 0.1) + 5 * noise[1]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_report_names_each_objectives_best_candidate_of_the_front_not_a_lucky_repeat(tmp_path, seed):
    # seed 1 before: 'best spikes (minimize) 20.9898 (generation 6, individual 3)', one of 29 results of a candidate
    # whose mean is 29.5; the front's candidate with the fewest spikes has 24.86 (generation 0, individual 8)
    from l2l.analysis.report import _summary
    from l2l.plot import RunData
    from l2l.summary import summarize

    config = {"run": {"name": "elite", "seed": seed, "generations": 8},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0},
                        "y": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "ga", "population_size": 10, "weights": [1.0, 0.01]},
              "simulator": "python", "objectives": [{"name": "err"}, {"name": "spikes"}],
              "backend": {"name": "serial"}}
    path = tmp_path / "elite.h5"
    l2l.run(from_mapping(config), path, simulator=noisy_trade_off, progress=False)
    front = l2l.front(path)
    with Trajectory(path) as trajectory:
        items = dict(_summary(RunData.from_trajectory(trajectory, errors=True), summarize(trajectory)))
    lucky = 0
    for name in ("err", "spikes"):
        best = min(front, key=lambda candidate: candidate.objectives[name])
        said = items[f"best {name} (minimize)"]
        if best.n == 1:
            assert said == f"{best.objectives[name]:.6g} (generation {best.generation}, individual {best.individual})"
        else:
            assert said.startswith(f"{best.objectives[name]:.6g} (mean of n = {best.n} results of one candidate")
        lucky += float(l2l.load(path)[name].min()) < best.objectives[name]
    assert lucky  # the run has a lucky row better than every candidate's mean: the case the report got wrong


def test_show_gives_the_front_on_fresh_seeds_of_the_candidates_reevaluated(tmp_path):
    # before: l2l show's re-evaluation table ranked the candidates by err alone; spikes on the fresh seeds, and which
    # candidates stay non-dominated there, were not said anywhere but in the rows
    import numpy as np

    from l2l.reevaluate import reevaluate

    config = {"run": {"name": "fresh", "seed": 5, "generations": 3},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0},
                        "y": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "nsga2", "population_size": 8},
              "simulator": "python", "objectives": [{"name": "err"}, {"name": "spikes"}],
              "backend": {"name": "serial"}}
    path = tmp_path / "fresh.h5"
    l2l.run(from_mapping(config), path, simulator=noisy_trade_off, progress=False)
    reevaluate(path, top=6, seeds=3, simulator=noisy_trade_off, objective="err")
    rows = l2l.load(path, reevaluations=True)
    means = rows[rows["status"] == "ok"].groupby(["generation", "individual"])[["err", "spikes"]].mean()
    values = means.to_numpy()
    expected = {key for key, (e, s) in zip(means.index, values)
                if not np.any((values[:, 0] <= e) & (values[:, 1] <= s) & ((values[:, 0] < e) | (values[:, 1] < s)))}
    with Trajectory(path) as trajectory:
        text = show_text(trajectory)
    lines = text.split("on the fresh seeds, every objective: ", 1)[1].splitlines()
    assert lines[0].startswith(f"{len(expected)} of the 6 re-evaluated candidates non-dominated among them")
    starred = {(int(line.split()[0]), int(line.split()[1])) for line in lines[2:8] if line.split()[2] == "*"}
    assert starred == expected

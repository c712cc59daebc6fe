"""The Pareto plot's title fits the figure: with three or more objectives it ran past both edges and lost
"objectives not shown: c" (the names of the objectives the front leaves out)."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import l2l
from l2l.cli import main
from l2l.plot import figures
from l2l.plot.data import RunData


def three(params, seed):
    x = params["x"]
    return {"a": float(x[0] ** 2), "b": float((x[0] - 1) ** 2 + x[1] ** 2), "c": float(x[1] ** 2 + 0.1)}


@pytest.fixture(scope="module")
def three_file(tmp_path_factory):
    config = l2l.from_mapping({"run": {"name": "three", "generations": 2, "seed": 1},
                               "space": {"x": {"low": -1.0, "high": 1.0, "shape": [2]}},
                               "objectives": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                               "optimizer": {"name": "nsga3", "population_size": 12},
                               "simulator": {"name": "python"}, "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path_factory.mktemp("three") / "three.h5", simulator=three)


def _drawn_title(fig):
    """The title's text, and whether its extent (and each line's) lies within the figure once drawn."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    title = fig._suptitle
    box, figure = title.get_window_extent(renderer), fig.bbox
    inside = figure.x0 <= box.x0 and box.x1 <= figure.x1 and figure.y0 <= box.y0 and box.y1 <= figure.y1
    axes_title = fig.axes[0].title.get_window_extent(renderer)
    return title.get_text(), inside, box.y0 >= axes_title.y1


def test_the_title_of_a_three_objective_front_fits_and_names_the_objective_not_shown(three_file):
    text, inside, above = _drawn_title(figures.pareto(three_file))
    assert inside, text
    assert above, text  # on lines of its own, not over the panel's title
    assert "three: nsga3 on python: " in text and text.endswith("objectives not shown: c")


def test_objectives_chosen_by_name_leave_the_others_named(three_file):
    text, inside, _ = _drawn_title(figures.pareto(three_file, ["a", "c"]))
    assert inside and text.endswith("objectives not shown: b")
    text, inside, _ = _drawn_title(figures.pareto(three_file, ["a", "b"]))
    assert inside and text.endswith("objectives not shown: c")


def test_a_long_run_name_and_many_objectives_still_fit():
    rng = np.random.default_rng(0)
    names = [f"objective_with_a_long_name_{i}" for i in range(12)]
    frame = pd.DataFrame({"generation": np.repeat(np.arange(3), 10), "individual": np.tile(np.arange(10), 3),
                          "status": pd.Categorical(["ok"] * 30, categories=["ok", "failed", "timeout"]),
                          "x": rng.random(30), **{n: rng.random(30) for n in names}})
    run = RunData.from_frame(frame, objectives=names, name="W" * 100)
    text, inside, above = _drawn_title(figures.pareto(run))
    assert inside and above, text
    flat = text.replace("\n", "").replace(" ", "")
    assert "W" * 100 in flat and ("objectivesnotshown:" + ",".join(names[2:])) in flat


def test_l2l_plot_writes_the_pareto_figure(three_file, tmp_path, capsys):
    out = tmp_path / "front.svg"
    assert main(["plot", str(three_file), "--kind", "pareto", "--out", str(out)]) == 0
    assert "objectives not shown: c" in out.read_text()

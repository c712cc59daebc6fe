"""What a reader of a paper's figures and results section sees in l2l's plots, report and comparison.

Found in a new-user trial (helper-123): durations of sub-millisecond evaluations were drawn in seconds, with ticks
"0.000000 0.00005 0.00010" running into each other; ...
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

import l2l  # noqa: E402
from l2l.analysis import report  # noqa: E402
from l2l import plot  # noqa: E402
from l2l.plot import panels  # noqa: E402
from l2l.plot.data import RunData, load_run  # noqa: E402

SPHERE = {
    "run": {"name": "sphere-ga", "seed": 1, "generations": 3},
    "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [4]}},
    "optimizer": {"name": "ga", "population_size": 8},
    "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}
ASHA = {
    "run": {"name": "sphere-asha", "seed": 1, "compute": 810},
    "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [4]}},
    "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
    "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}
PBT = {
    "run": {"name": "pbt", "seed": 0}, "space": {"learning_rate": {"low": 0.001, "high": 0.3, "log": True},
                                              "momentum": {"low": 0.05, "high": 0.95, "log": True}},
    "simulator": {"name": "noisy-sgd", "max_budget": 200},
    "objectives": [{"name": "loss", "direction": "minimize"}],
    "policy": {"name": "pbt", "population": 4, "interval": 50}, "backend": {"name": "serial"}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    return {"sphere": l2l.run(l2l.from_mapping(SPHERE), folder / "sphere-ga.h5", progress=False),
            "asha": l2l.run(l2l.from_mapping(ASHA), folder / "sphere-asha.h5", progress=False),
            "pbt": l2l.run(l2l.from_mapping(PBT), folder / "pbt.h5", progress=False)}


def _report_parts(path):
    from l2l.analysis.report import _summary, best_individuals
    from l2l.summary import summarize

    with l2l.Trajectory(path) as trajectory:
        run = RunData.from_trajectory(trajectory, errors=True)
        summary = summarize(trajectory)
    return dict(_summary(run, summary)), best_individuals(run)[1]


def test_fast_evaluations_durations_are_drawn_in_microseconds(runs):
    run = load_run(runs["sphere"])
    assert run.frame["duration"].median() < 1e-3  # the sphere takes microseconds
    fig, (histogram, per_generation) = plt.subplots(1, 2)
    try:
        panels.draw_duration_histogram(histogram, run)
        panels.draw_duration_per_generation(per_generation, run)
        fig.canvas.draw()
        assert histogram.get_xlabel() == "duration of one evaluation (µs)"
        assert per_generation.get_ylabel() == "duration of one evaluation (µs)"
        for ticks in (histogram.get_xticklabels(), per_generation.get_yticklabels()):
            texts = [t.get_text().replace("\u2212", "-") for t in ticks if t.get_text()]
            assert texts and not any("0.000" in t or "e-" in t for t in texts), texts  # '20', not '0.00002'
    finally:
        plt.close(fig)


def test_the_report_gives_times_and_rates_in_units_not_exponents(runs):
    items, table = _report_parts(runs["sphere"])
    for key in ("wall time", "evaluation time"):
        assert "e-0" not in items[key] and "e+0" not in items[key], items[key]
    assert items["evaluation time"].endswith(" µs per evaluation"), items["evaluation time"]  # was '4.16e-05 s'
    assert "duration (µs)" in table.columns and "duration" not in table.columns  # cells were '3.7732e-05'
    durations = table["duration (µs)"]  # in µs, not seconds (2e-05); one evaluation the OS paused may take 12 ms
    assert (durations > 0).all() and 1 <= durations.median() <= 1e4, durations


def test_the_report_of_a_multi_fidelity_run_times_every_segment(runs):
    items, _ = _report_parts(runs["asha"])
    segments = l2l.load(runs["asha"], segments=True)
    candidates = l2l.load(runs["asha"])
    assert len(segments) > len(candidates)
    # the total was the candidates' last segments' time, beside a rate of segments per second
    assert "segments per second" in items["wall time"]
    total = items["segment time"].split(" in total")[0]
    assert total == report.duration_text(float(segments["duration"].sum())), (total, items)


def test_pbt_schedules_label_log_axes_with_plain_numbers(runs):
    fig = plot.figure(str(runs["pbt"]), "schedules")
    fig.canvas.draw()  # Agg: the tick labels are set when drawn
    for ax in fig.axes:
        assert ax.get_yscale() == "log"
        texts = [t.get_text() for t in ax.get_yticklabels(minor=False) + ax.get_yticklabels(minor=True)
                 if t.get_text()]
        assert texts, ax.get_ylabel()
        assert all(float(t) > 0 for t in texts), texts  # '0.02', was '$2\\times10^{-2}$'


@pytest.mark.parametrize("kind, options", [("scatter", {"top": 2}), ("parameters", {"top": 1}), ("lineage", {})])
def test_a_long_title_is_broken_to_fit_the_figure(runs, kind, options):
    fig = plot.figure(str(runs["pbt" if kind == "lineage" else "sphere"]), kind, **options)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    extent = fig._suptitle.get_window_extent(renderer)
    assert extent.x0 >= 0 and extent.x1 <= fig.bbox.width, (extent, fig.bbox.width)  # was cut at both edges
    if kind == "lineage":  # its thick blue lines were not explained
        assert "blue: the final learners" in fig._suptitle.get_text().replace("\n", " ")


RASTRIGIN = {**SPHERE, "run": {"name": "rastrigin", "seed": 1, "generations": 3},
             "simulator": {"name": "rastrigin"}}


@pytest.fixture(scope="module")
def more_runs(runs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("more")
    wide = {**SPHERE, "run": {"name": "sphere-wide", "seed": 2, "generations": 3},
            "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [6]}}}
    return {"rastrigin": l2l.run(l2l.from_mapping(RASTRIGIN), folder / "rastrigin.h5", progress=False),
            "wide": l2l.run(l2l.from_mapping(wide), folder / "sphere-wide.h5", progress=False)}


@pytest.mark.parametrize("other, says", [("rastrigin", "rastrigin, x[0..3]"), ("wide", "sphere, x[0..5]")])
def test_compare_says_runs_of_different_problems_in_one_line(runs, more_runs, other, says, tmp_path, capsys):
    """Drawn without a word before, as if one had won; a warning line now (not a refusal: a search over a subset
    of a model's parameters beside one over all of them is a comparison users mean to make)."""
    from l2l.cli import main

    out = tmp_path / "cmp.png"
    assert main(["compare", str(runs["sphere"]), str(more_runs[other]), "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("l2l: warning: the runs are of different problems"), err
    assert "sphere-ga: sphere, x[0..3]" in err and says in err, err
    assert out.exists()
    assert main(["compare", str(runs["sphere"]), str(runs["sphere"]), "-o", str(tmp_path / "same.png")]) == 0
    assert "different problems" not in capsys.readouterr().err


def test_an_empty_file_is_refused_by_plot_and_compare_in_one_line(runs, tmp_path, capsys):
    from l2l.cli import main
    from l2l.objectives import Objective
    from l2l.results_schema.files import create
    from l2l.space import Space

    empty = tmp_path / "empty.h5"  # as a run killed before its first result leaves it
    create(empty, run={"name": "empty", "seed": 1, "config": {}, "versions": {}, "host": "h", "user": "u",
                       "created": "", "optimizer": {"name": "ga"}, "simulator": {"name": "sphere"},
                       "backend": {"name": "serial"}},
           space=Space.from_json(SPHERE["space"]), objectives=[Objective("value")])
    for args in (["plot", str(empty), "-o", str(tmp_path / "a.png")],
                 ["plot", str(empty), "--kind", "failures", "-o", str(tmp_path / "b.png")],
                 ["compare", str(runs["sphere"]), str(empty), "-o", str(tmp_path / "c.png")]):
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "holds no result yet" in err and str(empty) in err, err
    assert not list(tmp_path.glob("*.png"))


def test_the_compare_legend_sits_below_the_curves_and_a_best_spanning_two_decades_is_on_a_log_axis(runs):
    from l2l.plot.compare import compare

    fig = compare([runs["sphere"], runs["asha"]])
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    left = fig.axes[0]
    texts = [t.get_text() for t in left.get_legend().get_texts()]
    assert any("mean of its repeats" in t for t in texts), texts  # the long entry that covered the y label
    legend, axes = left.get_legend().get_window_extent(renderer), left.get_window_extent(renderer)
    assert legend.y1 <= axes.y0 and legend.y0 >= 0, (legend, axes)  # below the axes, inside the figure
    values = np.concatenate([line.get_ydata() for line in left.get_lines()]).astype(float)
    values = values[np.isfinite(values)]
    assert 100 < values.max() / values.min() < 1000  # the case at hand: linear before, the ends on the zero line
    assert left.get_yscale() == "log"


def test_the_best_so_far_of_a_policy_run_whose_values_span_two_decades_is_on_a_log_axis(runs):
    run = load_run(runs["asha"])
    values = run.segments.loc[run.segments["status"] == "ok", "value"].to_numpy(dtype=float)
    assert 100 < values.max() / values.min() < 1000
    fig, ax = plt.subplots()
    try:
        panels.draw_best_by_compute(ax, run, run.objectives[0])
        assert ax.get_yscale() == "log"
    finally:
        plt.close(fig)


def test_a_title_too_wide_breaks_between_clauses_not_inside_best_value(runs):
    title = plot.fitness(str(runs["asha"]))._suptitle.get_text()
    assert any(line.startswith("best value = ") or "; best value = " in line for line in title.split("\n")), title


def noisy(params, seed):
    """A quadratic with noise that only makes the value worse: a lucky seed is a low value that repeats undo."""
    rng = np.random.default_rng(seed)
    return {"loss": (params["x"] - 0.5) ** 2 + 0.05 * abs(float(rng.standard_normal()))}


NOISY = {
    "run": {"name": "noisy", "seed": 3, "generations": 10},
    "space": {"x": {"type": "float", "low": -5.0, "high": 5.0}, "y": {"type": "float", "low": -5.0, "high": 5.0}},
    "optimizer": {"name": "ga", "population_size": 16},
    "simulator": {"name": "python", "function": "test_results_section_trial123:noisy"},
    "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


def test_a_ga_s_best_so_far_with_repeats_ends_at_the_best_show_names_not_at_a_lucky_seed(tmp_path):
    from l2l.plot.compare import averages_repeats, curves

    run = load_run(l2l.run(l2l.from_mapping(NOISY), tmp_path / "noisy.h5", progress=False))
    objective = run.objectives[0]
    assert averages_repeats(run, objective)  # the GA evaluated some candidate again, on another seed
    named = float(curves(run, objective)["best_by_evaluations"][-1])  # as l2l show, compare and the title name it
    lucky = float(run.ok["loss"].min())
    assert lucky < named  # the case at hand: the lowest single result was a seed's luck
    fig, ax = plt.subplots()
    try:
        panels.draw_fitness(ax, run, objective)
        line = [l for l in ax.get_lines() if l.get_label().startswith("best so far")]
        assert len(line) == 1 and "mean of its repeats" in line[0].get_label(), [l.get_label() for l in line]
        assert float(line[0].get_ydata()[-1]) == pytest.approx(named)  # was the lucky single result
    finally:
        plt.close(fig)


def test_the_report_of_a_file_without_a_result_draws_no_empty_figure(tmp_path):
    from l2l.objectives import Objective
    from l2l.results_schema.files import create
    from l2l.space import Space

    empty = tmp_path / "empty.h5"
    create(empty, run={"name": "empty", "seed": 1, "config": {}, "versions": {}, "host": "h", "user": "u",
                       "created": "", "optimizer": {"name": "ga"}, "simulator": {"name": "sphere"},
                       "backend": {"name": "serial"}},
           space=Space.from_json(SPHERE["space"]), objectives=[Objective("value")])
    page = report.report(empty, tmp_path / "empty.html").read_text()
    assert "<img" not in page and "No figure: the file holds no result yet." in page


def test_the_parameters_figure_of_a_policy_run_does_not_speak_of_generations(runs):
    title = plot.parameters(str(runs["asha"]))._suptitle.get_text().replace("\n", " ")
    assert "generations" not in title and "against the highest budget reached" in title, title


def test_the_scatter_title_of_a_policy_run_counts_candidates(runs):
    candidates = len(l2l.load(runs["asha"]))
    title = plot.scatter(str(runs["asha"]))._suptitle.get_text().replace("\n", " ")
    assert f"of {candidates:,} successful candidates shown" in title, title  # one point each, not evaluations


def test_the_scatter_stars_the_best_show_names_in_the_row_of_the_objective_it_is_best_by(tmp_path):
    import warnings

    from l2l.plot.compare import curves

    path = l2l.run(l2l.from_mapping(NOISY), tmp_path / "noisy.h5", progress=False)
    run = load_run(path)
    named = float(curves(run, run.objectives[0])["best_by_evaluations"][-1])
    assert float(run.ok["loss"].min()) < named  # a lucky single result lies below it
    stars = [c.get_offsets()[0][1] for ax in plot.scatter(str(path)).axes for c in ax.collections
             if c.get_label() == "best"]
    assert stars and all(y == pytest.approx(named) for y in stars), (stars, named)  # was the lucky one
    zdt = l2l.run(l2l.from_mapping({
        "run": {"name": "zdt", "seed": 2, "generations": 2},
        "space": {"x": {"type": "float", "low": 0, "high": 1, "shape": [3]}},
        "optimizer": {"name": "nsga2", "population_size": 8}, "simulator": {"name": "zdt1"},
        "objectives": [{"name": "f1"}, {"name": "f2"}], "backend": {"name": "serial"}}), tmp_path / "zdt.h5",
        progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'No artists with labels found to put in legend' on l2l plot's stderr
        fig = plot.scatter(str(zdt), objective="f2")
    f2_row = [ax for ax in fig.axes if ax.get_legend() is not None]
    assert len(f2_row) == 1 and f2_row[0].get_ylabel().startswith("f2"), [ax.get_ylabel() for ax in f2_row]


def test_a_parameter_axis_is_labelled_by_the_parameter_not_by_the_objective_s_name(runs):
    fig = plot.parameters(str(runs["sphere"]), top=1)
    ax = fig.axes[0]
    assert ax.get_ylabel() == ax.get_title() and "value" not in ax.get_ylabel(), ax.get_ylabel()  # was 'x[2] (value)'
    pbt = plot.parameters(str(runs["pbt"]), top=2)
    assert {ax.get_ylabel() for ax in pbt.axes[:2]} == {"learning_rate (log scale)", "momentum (log scale)"}


def choice(params, seed):
    return {"loss": {"a": 1.0, "b": 2.0, "c": 3.0}[params["c"]]}


def test_a_choice_without_failures_draws_its_panel_without_a_legend_warning(tmp_path):
    import warnings

    path = l2l.run(l2l.from_mapping({
        "run": {"name": "choice", "seed": 1, "generations": 2},
        "space": {"c": {"type": "categorical", "choices": ["a", "b", "c"]}},
        "optimizer": {"name": "random", "population_size": 6},
        "simulator": {"name": "python", "function": "test_results_section_trial123:choice"},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}),
        tmp_path / "choice.h5", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'No artists with labels found to put in legend' on l2l plot's stderr
        fig = plot.parameters(str(path))
    assert fig.axes[0].get_ylabel() == "c (choice)" and fig.axes[0].get_legend() is None


def test_a_pbt_parameters_panel_draws_a_median_only_where_a_budget_has_candidates_enough(runs):
    run = load_run(runs["pbt"])  # 3: the fewest candidates a median is drawn of (panels.MEDIAN_AT_LEAST)
    counts = run.frame.groupby("generation").size()
    assert (counts < 3).any() and (counts >= 3).any(), counts
    fig = plot.parameters(str(runs["pbt"]), top=1)
    line = next(line for line in fig.axes[0].get_lines() if line.get_label() == "median at that budget")
    drawn = np.isfinite(np.asarray(line.get_ydata(), dtype=float))
    assert int(drawn.sum()) == int((counts >= 3).sum())  # was one per budget: a zigzag of pairs


def test_the_policy_fitness_legend_counts_with_thousands_separators_as_its_title_does(runs, tmp_path):
    config = {**ASHA, "run": {"name": "sphere-asha", "seed": 1, "compute": 4050}}
    run = load_run(l2l.run(l2l.from_mapping(config), tmp_path / "asha.h5", progress=False))
    fig, ax = plt.subplots()
    try:
        panels.draw_best_by_compute(ax, run, run.objectives[0])
        below = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text().startswith("below")]
        assert len(below) == 1, below
        count = below[0].removeprefix("below the top budget (").removesuffix(")")
        assert int(count.replace(",", "")) >= 1000 and "," in count, below  # '1,394' as the title's '1,413', was '1394'
    finally:
        plt.close(fig)

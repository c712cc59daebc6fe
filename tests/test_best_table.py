"""The best candidates that show, run and the report list: repeats averaged, multi-fidelity at the top budget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import l2l
from l2l.analysis.best import REPEAT_COUNT, REPEAT_SD, average_repeats
from l2l.analysis.report import best_individuals
from l2l.cli import main
from l2l.plot.data import RunData
from l2l.results_schema.reader import Trajectory
from l2l.summary import best_frame, best_table

NOISY_SPACE = {"learning_rate": {"type": "float", "low": 0.001, "high": 0.3, "log": True},
               "momentum": {"type": "float", "low": 0.05, "high": 0.95, "log": True}}


def _model_based(folder: Path, seed: int) -> Path:
    """A model-based run on a learner whose top budget is noisy: the policy trains its choice again."""
    config = l2l.from_mapping({"run": {"name": f"mb-{seed}", "seed": seed, "compute": 6000},
                               "space": NOISY_SPACE, "policy": {"name": "model-based"},
                               "simulator": {"name": "noisy-sgd", "max_budget": 200},
                               "backend": {"name": "serial"}})
    return Path(l2l.run(config, folder / f"mb-{seed}.h5", progress=False))


@pytest.fixture(scope="module")
def repeated(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("best")
    return [_model_based(folder, seed) for seed in (0, 1, 2)]


def _run_data(path: Path) -> RunData:
    with Trajectory(path) as trajectory:
        return RunData.from_trajectory(trajectory)


def _top_rows(path: Path) -> pd.DataFrame:
    frame = l2l.load(path)
    return frame[(frame["status"] == "ok") & (frame["budget"] == frame["budget"].max())]


def test_show_lists_a_repeated_candidate_once_with_the_mean_of_its_results(repeated, capsys):
    for path in repeated:
        top = _top_rows(path)
        groups = top.groupby(["learning_rate", "momentum"])["loss"]
        assert (groups.size() > 1).any(), "the noisy top budget should make the policy repeat a candidate"
        assert main(["show", str(path), "--top", "50"]) == 0
        table = capsys.readouterr().out.split("best ", 1)[1]
        header, *lines = table.splitlines()[1:]
        assert header.split()[:6] == ["trial", "budget", "state", "loss", "n", "sd"]
        shown = [line.split() for line in lines]
        trials = [int(cells[0]) for cells in shown]
        assert len(shown) == min(50, groups.ngroups)
        for cells in shown:
            row = top[top["trial"] == int(cells[0])].iloc[0]
            values = groups.get_group((row["learning_rate"], row["momentum"]))
            assert float(cells[3]) == pytest.approx(values.mean(), abs=1e-6)
            assert int(cells[4]) == len(values)
            # the candidate's other results are not listed on their own (one lucky seed cannot head the list)
            others = set(top.loc[values.index, "trial"]) - {int(cells[0])}
            assert not others & set(trials)
        means = [float(cells[3]) for cells in shown]
        assert means == sorted(means)


def test_the_report_ranks_repeated_candidates_by_their_mean_too(repeated):
    path = repeated[0]
    title, table = best_individuals(_run_data(path), limit=5)
    assert "mean, n and sd" in title
    with Trajectory(path) as trajectory:
        text = best_table(trajectory, best_frame(trajectory, 5), 5)
    shown = [int(line.split()[0]) for line in text.splitlines()[2:]]
    assert list(table["trial"]) == shown
    assert table["n"].max() >= 2


def test_a_multi_fidelity_report_does_not_rank_candidates_stopped_at_a_low_budget(tmp_path):
    config = l2l.from_mapping({"run": {"name": "asha", "seed": 3, "compute": 1215},
                               "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
                               "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
                               "simulator": {"name": "sphere", "multi_fidelity": True},
                               "backend": {"name": "serial"}})
    path = Path(l2l.run(config, tmp_path / "asha.h5", progress=False))
    frame = l2l.load(path)
    top = frame["budget"].max()
    assert (frame["budget"] < top).any() and (frame["budget"] == top).any()
    _, table = best_individuals(_run_data(path), limit=10)
    assert (table["budget"] == top).all()
    assert "n" not in table.columns  # no candidate was repeated: the table keeps its shape


def test_learners_that_continued_another_checkpoint_are_never_pooled():
    frame = pd.DataFrame({"lr": [0.1, 0.1, 0.1, 0.2], "loss": [1.0, 3.0, 5.0, 2.0], "parent": [-1, -1, 0, -1]})
    averaged = average_repeats(frame, ["lr"], "loss")
    assert list(averaged["loss"]) == [2.0, 5.0, 2.0]
    assert list(averaged[REPEAT_COUNT]) == [2, 1, 1]
    assert np.isnan(averaged[REPEAT_SD].iloc[1]) and averaged[REPEAT_SD].iloc[0] == pytest.approx(np.sqrt(2.0))
    assert average_repeats(frame.iloc[[0, 3]], ["lr"], "loss") is None


def test_a_pbt_candidate_names_the_learner_it_copied_even_after_more_segments(tmp_path):
    config = l2l.load_config(Path(__file__).resolve().parent.parent / "examples" / "pbt_noisy_sgd.toml")
    path = l2l.run(config, tmp_path / "pbt.h5", progress=False)
    segments = l2l.load(path, segments=True)
    first = segments.drop_duplicates("trial").set_index("trial")["parent"]
    copied = first[first >= 0]
    assert len(copied) >= 3
    candidates = l2l.load(path).set_index("trial")
    assert (candidates.loc[copied.index, "parent"] == copied).all()
    # a copy trained on for more segments keeps its parent in the candidate view (so it is never pooled)
    assert (segments[segments["trial"].isin(copied.index)].groupby("trial").size() > 1).any()


@pytest.mark.parametrize("limit", [1000, 8])
def test_the_starred_best_point_is_the_evaluation_the_overview_title_names(limit):
    from l2l.objectives import Objective
    from l2l.plot.data import sample_for_scatter

    rng = np.random.default_rng(0)
    values = rng.integers(0, 5, 40).astype(float)
    values[[7, 21, 30]] = -1.0  # three evaluations tie for the best
    frame = pd.DataFrame({"generation": np.arange(40) // 10, "individual": np.arange(40) % 10, "loss": values})
    for objective, best in ((Objective("loss"), 7), (Objective("loss", "maximize"), int(np.argmax(values)))):
        sample = sample_for_scatter(frame, objective, limit=limit)
        assert sample.index[-1] == best  # the first of equals, as the title and l2l show name it


def test_the_overview_stars_a_multi_fidelity_runs_best_candidate_at_its_top_budget(tmp_path):
    # a low budget's biased value can beat every top-budget value: the star must sit where the title points
    from l2l.plot import figures
    from test_multifidelity import mf_config

    simulator = {"name": "sphere", "multi_fidelity": True, "low_fidelity": "mislead", "shift": 1.0}
    path = l2l.run(mf_config("asha", compute=600, seed=3, simulator=simulator), tmp_path / "asha.h5")
    segments = l2l.load(path, segments=True)
    ok = segments[segments["status"] == "ok"]
    top = ok[ok["budget"] == ok["budget"].max()]
    assert ok["value"].min() < top["value"].min()  # the case this test is about
    best = top.loc[top["value"].idxmin()]
    figure = figures.overview(path)
    stars = [c for ax in figure.axes for c in ax.collections if c.get_label() == "best"]
    assert len(stars) == 1
    column = next(c for c in ("x[0]", "x[1]", "x[2]") if c in figure.axes[1].get_xlabel())
    assert stars[0].get_offsets()[0].tolist() == pytest.approx([best[column], best["value"]])
    assert f"trial {best['trial']}" in figure._suptitle.get_text()


def test_show_and_the_reevaluation_ranking_name_the_parameters_they_leave_out(tmp_path, capsys):
    from l2l.reevaluate import ranking

    config = l2l.from_mapping({"run": {"name": "wide", "seed": 1, "generations": 1},
                               "space": {"x": {"low": -1.0, "high": 1.0, "shape": [11]}},
                               "optimizer": {"name": "random", "population_size": 6},
                               "simulator": {"name": "sphere", "noise": 0.1}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "w.h5")
    assert main(["reevaluate", str(path), "--top", "2", "--seeds", "2"]) == 0
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    note = "(+3 more parameter columns not shown: x[8], x[9], x[10]; l2l.load(FILE) has every column)"
    assert out.count(note) == 3  # the ranking printed by reevaluate, show's best table and show's ranking
    assert [f"x[{i}]" for i in range(11)] == [c for c in ranking(path).columns if c.startswith("x[")]


def test_the_failures_figure_and_report_of_a_multi_fidelity_run_count_segments_per_budget(tmp_path):
    from l2l.plot import figures
    from l2l.plot.data import load_run
    from l2l.plot.panels import error_summary
    from test_multifidelity import mf_config

    simulator = {"name": "python", "function": "models_for_tests:flaky_curve",
                 "multi_fidelity": {"name": "steps", "unit": "training steps", "minimum": 1, "maximum": 27}}
    path = l2l.run(mf_config({"name": "asha"}, compute=400, simulator=simulator), tmp_path / "f.h5")
    segments = l2l.load(path, segments=True)
    failed = segments[segments["status"] != "ok"]
    assert len(failed) >= 1
    figure = figures.failures(path)
    status = figure.axes[0]
    assert status.get_title().startswith(f"segments per budget: {len(failed)} of {len(segments)} failed")
    assert [t.get_text() for t in status.get_xticklabels()] == [f"{b:g}" for b in sorted(segments["budget"].unique())]
    table = error_summary(load_run(path, errors=True))
    first = failed.iloc[0]
    assert table["count"].sum() == len(failed)
    assert f"trial {first['trial']}, budget {first['budget']:g}" in set(table["first"])
    # the report's failures table is read: its one figure drawn is the failures figure, at the least resolution
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(figures, "KINDS", ("failures",))
        assert main(["report", str(path), "-o", str(tmp_path / "r.html"), "--dpi", "20"]) == 0
    assert f"trial {first['trial']}, budget {first['budget']:g}" in (tmp_path / "r.html").read_text()

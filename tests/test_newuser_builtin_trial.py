"""A new user tunes the built-in spiking inner loops (lsnn, lsm) under a policy: what the tools show must agree.

Each test fails on the code before its fix (see the commit that added it)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection

import l2l
from l2l.plot.curves import curves_figure

#: lsnn at its smallest: a segment takes milliseconds; it measures its recall error only at the budget (no
#: curve_every), so a candidate started at the top budget has a curve of a single point.
TINY_LSNN = {"name": "lsnn", "n_lif": 1, "n_alif": 2, "training_steps": 3, "batch_size": 1, "test_trials": 4}


def _lsnn_run(tmp_path, policy: dict, compute: float, name: str = "tiny") -> str:
    config = l2l.from_mapping({
        "run": {"name": name, "seed": 3, "compute": compute},
        "space": {"tau_a": {"type": "float", "low": 5.0, "high": 500.0, "log": True}},
        "optimizer": {"name": "random"},
        "policy": policy,
        "simulator": dict(TINY_LSNN),
        "backend": {"name": "serial"}})
    return str(l2l.run(config, tmp_path / f"{name}.h5", progress=False))


def _drawn_points(ax) -> set[tuple[float, float]]:
    """Every point the curves panel shows: the vertices of its line segments and the offsets of its markers."""
    points: set[tuple[float, float]] = set()
    for collection in ax.collections:
        if isinstance(collection, LineCollection):
            for segment in collection.get_segments():
                if len(segment) >= 2:  # a line of one vertex draws nothing
                    points.update((float(x), float(y)) for x, y in segment)
        elif isinstance(collection, PathCollection):
            points.update((float(x), float(y)) for x, y in np.asarray(collection.get_offsets()))
    return points


def test_a_candidate_started_at_the_top_budget_is_drawn_in_the_curves_panel(tmp_path):
    # Hyperband's second bracket starts its candidates at the top budget (3 iterations): their curve is one point,
    # which a line collection does not draw (before: the legend counted them among 'reached the top budget', unseen)
    path = _lsnn_run(tmp_path, {"name": "hyperband", "eta": 3, "brackets": 2}, compute=11)
    candidates = l2l.load(path)
    completed = candidates[candidates["state"] == "completed"]
    segments = l2l.load(path, segments=True)
    started_at_top = [t for t in completed["trial"] if len(segments[segments["trial"] == t]) == 1]
    assert started_at_top, "the run must have a candidate started at the top budget"
    ax = curves_figure(path).axes[0]
    drawn = _drawn_points(ax)
    for _, row in completed.iterrows():
        assert (float(row["budget"]), float(row["recall_error"])) in drawn, f"trial {row['trial']} is not drawn"


def test_a_top_budget_that_is_not_whole_on_an_integer_fidelity_is_refused_in_one_line(tmp_path):
    # lsnn counts whole training iterations: max_budget = 8.5 ran as 8 (Python rounds halves to even), silently
    from conftest import l2l_cli

    (tmp_path / "half.toml").write_text("\n".join([
        '[run]', 'name = "half"', 'compute = 30',
        '[space]', 'tau_a = { type = "float", low = 5.0, high = 500.0, log = true }',
        '[policy]', 'name = "hyperband"', 'max_budget = 2.5',
        '[simulator]', *(f"{k} = {v}" if not isinstance(v, str) else f'{k} = "{v}"'
                         for k, v in {**TINY_LSNN, "training_steps": 3}.items()),
        '[backend]', 'name = "serial"', '']))
    done = l2l_cli("run", "half.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("l2l: error: policy 'hyperband': max_budget = 2.5 is not a whole number, but the "
                           "simulator's fidelity (iterations) counts whole training iterations (Adam steps): give 2 "
                           "or 3\n"), done.stderr
    assert not (tmp_path / "half.h5").exists()


def _noisy_choice(params, seed):
    """'steady' scores 1 on every seed; 'wild' scores 1.5 on average but far lower on a lucky seed."""
    if params["kind"] == "steady":
        return 1.0
    return 1.5 + 4.0 * float(np.random.default_rng(seed).standard_normal())


def test_reevaluate_takes_the_best_candidates_as_show_ranks_them_by_the_mean_of_their_repeats(tmp_path):
    # a candidate evaluated more than once (the model-based policy's repeats, a GA's elite, a categorical drawn
    # again) is ranked by its mean in l2l show; reevaluate took the luckiest single row instead, so '--top 1'
    # re-evaluated another candidate than the one show names best, and called its lucky row 'selected'
    from l2l.analysis.best import best_candidates
    from l2l.objectives import Objective
    from l2l.reevaluate import ranking, reevaluate

    config = l2l.from_mapping({
        "run": {"name": "choice", "seed": 5, "generations": 1},
        "space": {"kind": {"type": "categorical", "choices": ["steady", "wild"]}},
        "optimizer": {"name": "random", "population_size": 12},
        "simulator": "python", "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "choice.h5", simulator=_noisy_choice, progress=False)
    frame = l2l.load(path)
    assert frame.loc[frame["value"].idxmin(), "kind"] == "wild"  # the luckiest row is wild's ...
    means = frame.groupby("kind")["value"].mean()
    assert means["steady"] < means["wild"]  # ... the best mean steady's
    shown, _ = best_candidates(frame[frame["status"] == "ok"], Objective("value", "minimize"), ["kind"], 1)
    table = reevaluate(path, top=1, seeds=2, simulator=_noisy_choice)
    assert table["kind"].tolist() == shown["kind"].tolist() == ["steady"]
    assert table["selected"].tolist() == [1.0]
    # both candidates re-evaluated: 'selected' is what show lists for each, the mean of its results
    reevaluate(path, top=2, seeds=2, simulator=_noisy_choice)
    table = ranking(path)
    assert dict(zip(table["kind"], table["selected"])) == pytest.approx(means.to_dict())


def test_a_policy_on_a_benchmark_function_without_its_fidelity_says_to_switch_it_on(tmp_path):
    # before: "'sphere' has none (give it one, or use one of: ..., sphere, ...)": sphere offered as the way out
    from conftest import l2l_cli

    (tmp_path / "bowl.toml").write_text('[run]\ncompute = 100\n[space]\nx = { type = "float", low = -1.0, '
                                        'high = 1.0 }\n[simulator]\nname = "sphere"\n[policy]\nname = '
                                        '"hyperband"\n[backend]\nname = "serial"\n')
    done = l2l_cli("run", "bowl.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert "'sphere' has none (set multi_fidelity = true in [simulator], or use one of: ackley, " in done.stderr
    assert "sphere," not in done.stderr.split("use one of:")[1], done.stderr
    assert not list(tmp_path.glob("*.h5"))


def test_a_benchmark_functions_fidelity_options_without_the_fidelity_are_refused(tmp_path):
    # before: max_budget = 27 and bias = 2 on a sphere without multi_fidelity = true ran a plain sweep, silently
    from conftest import l2l_cli

    (tmp_path / "bowl.toml").write_text('[run]\ngenerations = 1\n[space]\nx = { type = "float", low = -1.0, '
                                        'high = 1.0 }\n[optimizer]\nname = "random"\npopulation_size = 2\n'
                                        '[simulator]\nname = "sphere"\nmax_budget = 27\nbias = 2.0\n'
                                        '[backend]\nname = "serial"\n')
    done = l2l_cli("run", "bowl.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("l2l: error: simulator 'sphere': max_budget = 27 applies only to the multi-fidelity "
                           "variant: set multi_fidelity = true, or leave out max_budget, bias\n"), done.stderr
    assert not list(tmp_path.glob("*.h5"))


def test_export_of_a_policy_run_gives_every_segment_with_segments(tmp_path):
    # 'l2l export' said 'one row per evaluation' and wrote one per candidate (12 rows of a run of 33 segments),
    # with no way to get the segments from the command line
    import pandas as pd
    from conftest import l2l_cli

    path = _lsnn_run(tmp_path, {"name": "hyperband", "eta": 3, "brackets": 2}, compute=11)
    assert l2l_cli("export", path, "-o", "candidates.csv", cwd=tmp_path).returncode == 0
    done = l2l_cli("export", path, "--segments", "-o", "segments.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    segments = l2l.load(path, segments=True)
    assert len(l2l.load(path)) < len(segments)
    assert len(pd.read_csv(tmp_path / "candidates.csv")) == len(l2l.load(path))
    written = pd.read_csv(tmp_path / "segments.csv")
    assert written[["trial", "budget", "from_budget"]].values.tolist() == \
        segments[["trial", "budget", "from_budget"]].values.tolist()
    assert "--segments" in l2l_cli("export", "--help", cwd=tmp_path).stdout


def test_watch_of_a_resumed_run_says_how_long_its_sessions_ran_not_the_pause_between_them(tmp_path):
    # a run finished, resumed an hour later with more compute: 'finished ... after 1 h 00 min' (the pause counted)
    # beside a rate that counts the sessions only, as the report's wall time does
    import h5py

    from l2l.analysis.watch import Watcher, status_line

    path = _lsnn_run(tmp_path, {"name": "hyperband", "eta": 3}, compute=5)
    l2l.resume(path, compute=10, progress=False)
    with h5py.File(path, "r+") as file:  # as if it had started an hour before it was resumed
        times = file["run/event_time"]
        assert [k.decode() for k in file["run/event_kind"][:2]] == ["started", "finished"]
        times[0] = times[0] - 3600.0
    line = status_line(Watcher(path).refresh())
    assert line.startswith("finished ") and " after " in line and " h " not in line, line


def test_the_parameter_panels_of_a_policy_run_name_the_budgets_reached_not_generations(tmp_path):
    # a policy run's candidate is its segment at the highest budget it reached, whose 'generation' is that budget's
    # rung (0, 1, ...): the panels drew 'generation' 0 and 1 with a 'median of generation' for runs without any
    from l2l.plot.figures import parameters

    path = _lsnn_run(tmp_path, {"name": "hyperband", "eta": 3, "brackets": 2}, compute=11)
    rungs = l2l.load(path).attrs["fidelity"]["rungs"]
    ax = next(a for a in parameters(path).axes if a.get_title() == "tau_a")
    assert ax.get_xlabel() == "highest budget reached (training iterations (Adam steps))"
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{b:g}" for b in rungs]
    assert [line.get_label() for line in ax.get_lines()] == ["median at that budget"]


@pytest.mark.parametrize("eta", ["inf", "1e308"])
def test_an_eta_so_large_that_it_gives_one_rung_is_refused_in_one_line(tmp_path, eta):
    # before: a traceback (ValueError: 0 < minimum <= maximum must hold, got (minimum=0.0, ...)) from the message
    # that was to say what to change
    from conftest import l2l_cli

    (tmp_path / "wide.toml").write_text("\n".join([
        '[run]', 'compute = 30', '[space]', 'tau_a = { type = "float", low = 5.0, high = 500.0, log = true }',
        '[policy]', 'name = "hyperband"', f'eta = {eta}',
        '[simulator]', *(f"{k} = {v}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in TINY_LSNN.items()),
        '[backend]', 'name = "serial"', '']))
    done = l2l_cli("run", "wide.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    if eta == "inf":  # refused as no number at all since 55f3960 (a finite eta is what gives rungs)
        assert done.stderr == "l2l: error: policy 'hyperband': option 'eta' must be a finite number, got inf\n"
        return
    assert done.stderr.startswith("l2l: error: policy 'hyperband': min_budget 1 (the simulator's iterations minimum) "
                                  "and max_budget 3 (the simulator's iterations maximum) with eta ")
    assert done.stderr.endswith("give one rung (3 training iterations (Adam steps)): nothing would be stopped early; "
                                "lower eta to at most 3\n"), done.stderr
    assert not list(tmp_path.glob("*.h5"))


def test_a_seed_too_large_for_the_file_is_refused_in_one_line(tmp_path):
    # before: the run started, then failed with a traceback (TypeError: Object dtype dtype('O') has no native HDF5
    # equivalent) writing its file, exit status 1
    from conftest import l2l_cli

    (tmp_path / "big.toml").write_text("\n".join([
        '[run]', 'seed = 18446744073709551616', 'compute = 5',
        '[space]', 'tau_a = { type = "float", low = 5.0, high = 500.0, log = true }',
        '[policy]', 'name = "hyperband"',
        '[simulator]', *(f"{k} = {v}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in TINY_LSNN.items()),
        '[backend]', 'name = "serial"', '']))
    done = l2l_cli("run", "big.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("l2l: error: run.seed must be an integer from 0 to 2**64 - 1 (18446744073709551615), got "
                           "18446744073709551616\n"), done.stderr
    assert not list(tmp_path.glob("*.h5"))
    (tmp_path / "small.toml").write_text((tmp_path / "big.toml").read_text().replace(str(2 ** 64), "1"))
    done = l2l_cli("run", "small.toml", "--seed", str(2 ** 64), "--dry-run", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("l2l: error: --seed must be an integer from 0 to 2**64 - 1")


def test_a_min_budget_above_the_longest_training_names_the_option(tmp_path):
    # lsnn capped min_budget = 20 at training_steps = 3 silently; hyperband then refused 'min_budget 3 (the simulator's
    # iterations minimum) and max_budget 3 ...: widen the simulator's iterations range', naming no option set
    from conftest import l2l_cli

    (tmp_path / "long.toml").write_text("\n".join([
        '[run]', 'compute = 30', '[space]', 'tau_a = { type = "float", low = 5.0, high = 500.0, log = true }',
        '[policy]', 'name = "hyperband"',
        '[simulator]', *(f"{k} = {v}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in TINY_LSNN.items()),
        'min_budget = 20', '[backend]', 'name = "serial"', '']))
    done = l2l_cli("run", "long.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("l2l: error: simulator 'lsnn': min_budget = 20 is above training_steps = 3, the most a "
                           "candidate trains (the fidelity's maximum): give a min_budget of at most 3, or a larger "
                           "training_steps\n"), done.stderr
    assert not list(tmp_path.glob("*.h5"))
    # the default minimum above a short training is still capped: spore's 10 s with duration = 5
    from l2l.components import SIMULATORS

    assert SIMULATORS.create("spore", {"duration": 5.0}).fidelity().minimum == 5.0


def test_autos_banner_under_a_policy_says_its_budget_is_not_the_runs():
    # 'budget = 400' on a Hyperband run of compute 120 at a top budget of 16 (about 18 candidates) read as the run's
    from l2l.components import build

    config = l2l.from_mapping({"run": {"name": "a", "compute": 30},
                               "space": {"tau_a": {"type": "float", "low": 5.0, "high": 500.0, "log": True}},
                               "policy": {"name": "hyperband"}, "simulator": dict(TINY_LSNN),
                               "backend": {"name": "serial"}})
    components = build(config)
    assert ("budget = 100 by default, not the run's: under a [policy] it starts as many candidates as run.compute "
            "pays for; set [optimizer] budget to choose by their number, ") in \
        components.optimizer.describe(components.problem)

"""Reproducing a run for a paper (helper-168, session 27): a researcher states in a methods section what ran
(versions, seeds, the time it took), regenerates the figure from the stored file, and names the fresh seeds of
the re-evaluation. See docs/reproducibility.md."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import l2l
from l2l.cli import main
from l2l.reevaluate import fresh_seeds
from module_files import module_from_file

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ROOT = EXAMPLES.parent


@pytest.fixture(scope="module")
def example_run(tmp_path_factory) -> Path:
    """examples/reproducible_sweep.toml (a GA on examples/noisy_bowl.py, re-evaluating its 3 best on 4 fresh
    seeds), run serially once for the module."""
    out = tmp_path_factory.mktemp("repro27") / "paper.h5"
    assert main(["run", str(EXAMPLES / "reproducible_sweep.toml"), "--out", str(out), "--no-progress"]) == 0
    return out


def _run_example(tmp_path: Path, example_run: Path) -> Path:
    """A copy of the example's run of its own in tmp_path."""
    out = tmp_path / "paper.h5"
    shutil.copyfile(example_run, out)
    return out


def test_l2l_reevaluate_and_l2l_show_name_the_fresh_seeds_the_re_evaluation_ran_on(tmp_path, capsys, example_run):
    out = _run_example(tmp_path, example_run)
    capsys.readouterr()
    assert main(["reevaluate", str(out), "--top", "3", "--seeds", "5"]) == 0  # one seed more than the run's
    printed = capsys.readouterr().out
    stored = l2l.load(out, reevaluations=True)
    taken = l2l.load(out, columns=["seed"])["seed"].to_numpy()
    seeds = fresh_seeds(7, 5, taken)
    assert sorted(set(stored["seed"])) == sorted(seeds)
    line = (f"fresh seeds (the same for every candidate, derived from run seed 7): "
            f"{', '.join(map(str, seeds))}; each row's: l2l.load({str(out)!r}, reevaluations=True)")
    assert line in printed.splitlines()
    assert main(["show", str(out)]) == 0
    assert line in capsys.readouterr().out.splitlines()


def test_the_fresh_seeds_line_counts_the_seeds_it_does_not_name(tmp_path, capsys, example_run):
    out = _run_example(tmp_path, example_run)
    capsys.readouterr()
    assert main(["reevaluate", str(out), "--top", "1", "--seeds", "12"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("fresh seeds (the same for every candidate, derived from run seed 7): ")
    named = line.split("): ", 1)[1].split(", ... (12 in all); each row's: ")[0]
    assert len(named.split(", ")) == 10 and all(seed.isdigit() for seed in named.split(", "))


def test_the_report_names_the_best_candidate_l2l_show_puts_first_not_a_lucky_repeat_of_another(example_run):
    # The example's GA evaluates its elite again every generation: the best single row (-0.0495, generation 1,
    # individual 1) is a lucky result of a candidate whose 7 results average 0.17; l2l show ranks first a candidate
    # evaluated once (0.0081, generation 3, individual 5). The report's summary named the lucky row.
    from l2l.analysis.report import _summary
    from l2l.plot import RunData
    from l2l.summary import summarize

    best = l2l.best(example_run)
    assert best.n == 1
    with l2l.Trajectory(example_run) as trajectory:
        items = dict(_summary(RunData.from_trajectory(trajectory, errors=True), summarize(trajectory)))
    assert items["best loss (minimize)"] == (f"{best.value:.6g} (generation {best.generation}, individual "
                                             f"{best.individual})")
    lucky = l2l.load(example_run).sort_values("loss").iloc[0]
    assert (lucky["generation"], lucky["individual"]) != (best.generation, best.individual)



def test_l2l_show_says_the_versions_and_the_time_the_run_took(tmp_path, capsys, example_run):
    out = _run_example(tmp_path, example_run)
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    versions = next(line for line in lines if line.startswith("versions   "))
    import numpy as np

    assert f"numpy {np.__version__}" in versions and "python 3." in versions and "not installed" not in versions
    time = next(line for line in lines if line.startswith("time       "))
    assert re.fullmatch(r"time       \d+\.\d s of wall time in 1 session", time), time


def test_the_methods_example_writes_a_paragraph_and_files_a_reviewer_opens_with_pandas_alone(tmp_path, capsys,
                                                                                             example_run):
    import importlib.util
    import json

    import pandas as pd

    methods = module_from_file("methods_section", EXAMPLES / "methods_section.py")
    out = _run_example(tmp_path, example_run)
    assert methods.main([str(out)]) == 0
    printed = capsys.readouterr().out
    assert "run seed 7" in printed and "re-evaluated on 4 fresh seeds" in printed
    if importlib.util.find_spec("nevergrad") is not None:  # an optional extra: named where it is installed
        assert "nevergrad " in printed
    rows = pd.read_csv(tmp_path / "paper.csv")
    assert len(rows) == 32 and list(rows["seed"]) == list(l2l.load(out)["seed"])
    assert len(pd.read_csv(tmp_path / "paper.reevaluations.csv")) == 12
    run = json.loads((tmp_path / "paper.run.json").read_text(encoding="utf-8"))
    assert run["seed"] == 7 and run["config"]["optimizer"] == {"name": "ga", "population_size": 8}
    assert [event["kind"] for event in run["events"]][:2] == ["started", "finished"]
    assert methods.main([str(out)]) == 2  # the files exist: nothing overwritten
    assert "move them away first" in capsys.readouterr().err



def test_a_run_records_the_versions_of_the_simulators_and_optimizers_that_decide_its_numbers(tmp_path, example_run):
    from importlib.metadata import version

    out = _run_example(tmp_path, example_run)
    with l2l.Trajectory(out) as trajectory:
        recorded = trajectory.run["versions"]
    for package in ("nest-simulator", "brian2", "nevergrad", "numpy", "deap"):
        try:
            expected = version(package)
        except Exception:  # noqa: BLE001 - not installed here
            expected = "not installed"
        assert recorded[package] == expected, package
    if (ROOT / ".git").exists():  # l2l runs from a checkout: the commit names its code, 0.1.0 does not
        commit = re.fullmatch(r"([0-9a-f]{40})(\+modified)?", recorded["l2l_source"])
        assert commit, recorded["l2l_source"]
        # HEAD may have moved on since the run (commits made meanwhile): the recorded one is HEAD or before it
        ancestor = subprocess.run(["git", "-C", str(ROOT), "merge-base", "--is-ancestor", commit.group(1), "HEAD"],
                                  capture_output=True, text=True, timeout=60)
        assert ancestor.returncode == 0, (recorded["l2l_source"], ancestor.stderr)



def test_a_figure_of_the_same_file_is_the_same_bytes_in_every_format(tmp_path, example_run):
    out = _run_example(tmp_path, example_run)
    for suffix in ("svg", "png", "pdf"):
        first, second = tmp_path / f"first.{suffix}", tmp_path / f"second.{suffix}"
        for figure in (first, second):
            assert main(["plot", str(out), "--kind", "fitness", "-o", str(figure), "--dpi", "30"]) == 0
        assert first.read_bytes() == second.read_bytes(), suffix

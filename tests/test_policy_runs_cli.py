"""What the command line says about runs with a [policy]: budgets, resume options, plots, interrupted files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import l2l
from l2l.cli import main
from file_corruptions import killed_with_in_flight
from l2l.summary import progress_line, summarize

HYPERBAND = {"run": {"name": "hb", "seed": 1},
             "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
             "optimizer": {"name": "random"}, "policy": {"name": "hyperband"},
             "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}


def _config_file(folder: Path, **run) -> Path:
    lines = [f'{key} = {value!r}'.replace("'", '"') for key, value in {**HYPERBAND["run"], **run}.items()]
    text = "[run]\n" + "\n".join(lines) + """
[space]
x = { type = "float", low = -5.0, high = 5.0, shape = [2] }
[optimizer]
name = "random"
[policy]
name = "hyperband"
[simulator]
name = "sphere"
multi_fidelity = true
[backend]
name = "serial"
"""
    path = folder / "hb.toml"
    path.write_text(text)
    return path


def test_an_evaluation_budget_on_a_policy_run_is_named_as_a_cap_on_segments(tmp_path, capsys):
    config = _config_file(tmp_path, evaluations=40)
    assert main(["run", str(config), "--no-progress"]) == 0
    out = capsys.readouterr()
    assert "policy hyperband, compute 8100 synthetic budget units, at most 40 segments (run.evaluations)" in out.err
    assert "40 of 40 segments" in out.out
    assert main(["show", str(tmp_path / "hb.h5")]) == 0
    progress = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    assert "40 of 40 segments" in progress and progress.endswith("status: finished (run.evaluations used up)")


def test_resume_refuses_generations_for_a_policy_run_and_leaves_the_file_alone(tmp_path, capsys):
    path = l2l.run(l2l.from_mapping({**HYPERBAND, "run": {**HYPERBAND["run"], "compute": 81 * 4}}),
                   tmp_path / "hb.h5")
    before = path.read_bytes()
    assert main(["resume", str(path), "--generations", "3", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--generations does not apply" in err[0] and "'hyperband'" in err[0]
    assert path.read_bytes() == before


def test_a_lineage_plot_of_a_run_where_nobody_copied_anybody_is_refused(tmp_path, capsys):
    path = l2l.run(l2l.from_mapping({**HYPERBAND, "run": {**HYPERBAND["run"], "compute": 81 * 4}}),
                   tmp_path / "hb.h5")
    for kind in ("lineage", "schedules"):
        assert main(["plot", str(path), "--kind", kind, "-o", str(tmp_path / f"{kind}.png")]) == 2
        assert "none of its trials continued another's checkpoint: try --kind curves" in capsys.readouterr().err
        assert not (tmp_path / f"{kind}.png").exists()


def test_an_interrupted_multi_fidelity_run_has_nothing_running(tmp_path):
    path = l2l.run(l2l.from_mapping({**HYPERBAND, "run": {**HYPERBAND["run"], "compute": 81 * 4}}),
                   tmp_path / "hb.h5")
    cut = tmp_path / "cut.h5"
    shutil.copy(path, cut)
    killed_with_in_flight(cut, [[0, 3.0, 1.0], [1, 3.0, 1.0]])  # as a writer killed with two in flight
    with l2l.Trajectory(cut) as trajectory:
        summary = summarize(trajectory)
    assert summary.status == "interrupted"
    assert "running" not in summary.candidates and "running" not in progress_line(summary)


def test_overview_and_watch_speak_of_candidates_segments_and_compute(tmp_path, capsys):
    from l2l.plot import figures

    path = l2l.run(l2l.from_mapping({**HYPERBAND, "run": {**HYPERBAND["run"], "compute": 81 * 4}}),
                   tmp_path / "hb.h5")
    segments, candidates = l2l.load(path, segments=True), l2l.load(path)
    top = candidates[candidates["budget"] == candidates["budget"].max()]
    best = top.loc[top["value"].idxmin()]
    title = figures.overview(path)._suptitle.get_text()
    assert f"{len(candidates)} candidates, {len(segments)} segments, compute " in title
    assert f"best value = {best['value']:.6g} (trial {best['trial']})" in title and "generation" not in title
    assert main(["watch", str(path), "--once"]) == 0
    shown = capsys.readouterr().out
    assert f"candidates   {len(candidates)} candidates (" in shown and "at the top budget" in shown
    assert "generation" not in shown



def test_watch_of_a_policy_run_with_many_commits_says_commits_not_generations(tmp_path, capsys, monkeypatch):
    """Its sparkline is one bar per commit (about one a second): it read 'of the last 2 generations'."""
    import l2l.driver

    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", 0.0)  # a commit after every segment
    path = l2l.run(l2l.from_mapping({**HYPERBAND, "run": {**HYPERBAND["run"], "compute": 81 * 4}}),
                   tmp_path / "hb.h5")
    assert main(["watch", str(path), "--once"]) == 0
    shown = capsys.readouterr().out
    assert "per commit" in shown and "commits (taller: better)" in shown, shown
    assert "generation" not in shown

def test_generations_on_the_command_line_of_a_policy_config_without_run_generations_are_refused(tmp_path, capsys):
    # (run.generations in a policy config counts the sweep's candidates: tests/test_policy_shorthand.py)
    config = _config_file(tmp_path)
    assert main(["run", str(config), "--generations", "5"]) == 2
    assert "--generations does not apply to a run with a [policy] ('hyperband'" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.h5"))


def test_the_progress_bar_keeps_its_total_when_the_last_segments_overshoot_the_budget(capsys):
    from l2l.progress import Progress

    bar = Progress(True, total=100, initial=90, unit="budget")
    bar.update(27, 0, {"value": 1.0}, 0)
    bar.close()
    text = capsys.readouterr().err
    assert "117/117" in text and "100%" in text


def test_resume_says_which_run_it_continues_and_how_far_it_is(tmp_path, capsys):
    config = _config_file(tmp_path, evaluations=20)
    assert main(["run", str(config), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["resume", str(tmp_path / "hb.h5"), "--evaluations", "30", "--no-progress"]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith("l2l ") and "resuming hb: random x sphere on serial; " in first
    assert "20 of 20 segments" in first and first.endswith(f"-> {tmp_path / 'hb.h5'}")


def test_the_report_of_a_policy_run_counts_candidates_and_compute(tmp_path):
    import re

    path = l2l.run(l2l.from_mapping({**HYPERBAND, "run": {**HYPERBAND["run"], "compute": 81 * 4}}),
                   tmp_path / "hb.h5")
    assert main(["report", str(path), "-o", str(tmp_path / "r.html")]) == 0
    text = re.sub(r"<[^>]+>", " ", (tmp_path / "r.html").read_text())
    assert re.search(r"progress\s+\d+ candidates \(", text) and "synthetic budget units" in text
    assert not re.search(r"generations\s+\d", text) and not re.search(r"individual \d", text)


def test_pbt_never_ends_on_an_interval_shorter_than_half_of_one():
    from l2l.policies.pbt import PBT

    assert PBT().rungs(1.0, 81.0, integer=True) == [8.0 * k for k in range(1, 10)] + [81.0]  # 72 -> 81
    assert PBT(interval=20.0).rungs(1.0, 81.0, integer=True) == [20.0, 40.0, 60.0, 81.0]
    assert PBT(interval=20.0).rungs(1.0, 90.0, integer=True) == [20.0, 40.0, 60.0, 80.0, 90.0]  # 10 >= 20 / 2
    assert PBT(interval=20.0).rungs(1.0, 200.0, integer=True) == [20.0 * k for k in range(1, 11)]

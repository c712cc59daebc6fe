"""A new user's numpy training script, swept and then run under a policy (tests/models_new_user_training.py).

What such a user met: a diverged candidate's finite loss of 1e290 made ``l2l plot`` and ``l2l report`` fail
with matplotlib's OverflowError; a candidate whose segment failed at the top budget was counted
``completed`` by ``l2l show`` and ``l2l.load`` though it has no result there (the best list, the curves plot
and the report's table had one fewer); after ``l2l resume`` a one-line sweep's compute lost its bound
when segments continue from checkpoints ('at most 477 ... (582 if they restart)' became 'at most 582'); and
``l2l watch`` named the last failure of a policy run by 'generation 2, individual 78' where everything else
says 'trial 78, budget 9'.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.cli import main

TESTS = Path(__file__).parent


def _mapping(name: str, policy: str | None = None, crash=(0.0, 1.0), **run) -> dict:
    mapping = {"run": {"seed": 1, "name": name, "generations": 1, **run},
               "space": {"lr": {"low": 0.01, "high": 100.0, "log": True},
                         "crash": {"low": float(crash[0]), "high": float(crash[1])}},
               "optimizer": {"name": "random", "population_size": 27},
               "simulator": {"name": "python", "function": "models_new_user_training:train", "path": str(TESTS),
                             "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
               "objectives": [{"name": "loss", "direction": "minimize"}],
               "backend": {"name": "serial"}}
    if policy:
        mapping["run"]["policy"] = policy
    return mapping


@pytest.fixture(scope="module")
def diverged(tmp_path_factory) -> tuple[Path, Path]:
    """A sweep and a one-line successive halving of the same candidates, some of which diverge to 1e290."""
    folder = tmp_path_factory.mktemp("diverged")
    sweep = Path(l2l.run(l2l.from_mapping(_mapping("sweep")), folder / "sweep.h5", progress=False))
    halving = Path(l2l.run(l2l.from_mapping(_mapping("halving", "successive-halving")), folder / "halving.h5",
                           progress=False))
    for path in (sweep, halving):
        frame = l2l.load(path)
        assert (frame.loc[frame["status"] == "ok", "loss"] > 1e280).any()  # finite, but beyond a log axis
    return sweep, halving


def test_plots_of_diverged_candidates_are_drawn(diverged, tmp_path, capsys):
    # l2l plot of each file in its least costly kind that failed: the report below draws every kind (overview,
    # fitness, scatter, parameters, which failed, and the others) by the same functions, l2l.plot.figure (a figure
    # is most of this file's work: each kind is drawn once, and the command once per file)
    for path in diverged:
        out = tmp_path / f"{path.stem}.png"
        # (--dpi 20: the least pixels; what overflowed is the axes' ticks and colour bars, at any resolution)
        assert main(["plot", str(path), "--kind", "fitness", "-o", str(out), "--dpi", "20"]) == 0
        assert out.stat().st_size > 1000


def test_the_report_of_diverged_candidates_is_written(diverged, tmp_path, capsys):
    # every figure kind of the two runs: overview, fitness, parameters, scatter, failures (and the halving's curves)
    for path in diverged:
        out = tmp_path / f"{path.stem}.html"
        assert main(["report", str(path), "-o", str(out), "--dpi", "20"]) == 0
        assert "<img" in out.read_text()


def _progress(capsys, path) -> dict[str, int]:
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    return {state: int(n) for n, state in re.findall(r"(\d+) (completed|stopped|paused)", line)}


def test_a_candidate_that_failed_at_the_top_budget_is_not_completed(tmp_path, capsys):
    path = l2l.run(l2l.from_mapping(_mapping("crash", "successive-halving", crash=(0.3, 1.0))), tmp_path / "c.h5",
                   progress=False)
    candidates = l2l.load(path)
    at_top = candidates[candidates["budget"] == 9]
    failed = at_top["status"] != "ok"
    assert failed.any() and (~failed).any()  # the run has both
    assert set(at_top.loc[failed, "state"]) == {"stopped"}
    assert set(at_top.loc[~failed, "state"]) == {"completed"}
    counts = _progress(capsys, path)
    assert counts["completed"] == int((~failed).sum())
    assert counts["stopped"] == len(candidates) - int((~failed).sum())
    segments = l2l.load(path, segments=True)
    assert set(segments.loc[(segments["budget"] == 9) & (segments["status"] != "ok"), "state"]) == {"stopped"}
    # l2l watch names the last failure as show, the report and l2l.load name a candidate: trial and budget
    failed_trials = {str(t) for t in segments.loc[segments["status"] != "ok", "trial"]}
    capsys.readouterr()
    assert main(["watch", str(path), "--once"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("last error"))
    named = re.search(r"last error +trial (\d+), budget 9: RuntimeError: crashed in epoch 9", line)
    assert named and named.group(1) in failed_trials, line


def test_a_resumed_one_line_sweep_keeps_its_bound_for_continued_segments(tmp_path, capsys):
    path = l2l.run(l2l.from_mapping(_mapping("cut", "successive-halving", evaluations=10)), tmp_path / "cut.h5",
                   progress=False)
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    before = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    bound = re.search(r"of (at most \S+ epochs if segments continue from checkpoints \(\S+ if they restart\))",
                      before)
    assert bound, before
    assert main(["resume", str(path), "--evaluations", "100", "--no-progress"]) == 0
    done = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("done in"))
    assert bound.group(1) in done
    assert main(["show", str(path)]) == 0
    after = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    assert bound.group(1) in after and "status: finished" in after
    frame = l2l.load(path)
    assert np.isclose(frame["compute"].sum(), float(re.search(r"compute (\S+) of", after).group(1)))


def test_watch_names_the_best_candidate_that_show_names_in_a_run_with_repeats(tmp_path, capsys):
    """The model-based policy trains candidates again with new seeds where the top budget is noisy: l2l show
    ranks them by their mean; l2l watch gave the luckiest single result instead, without naming a candidate."""
    mapping = _mapping("noisy", compute=300)
    del mapping["run"]["generations"]
    mapping["policy"] = {"name": "model-based"}
    mapping["simulator"]["function"] = "models_new_user_training:noisy"
    mapping["run"]["seed"] = 0
    path = l2l.run(l2l.from_mapping(mapping), tmp_path / "noisy.h5", progress=False)
    capsys.readouterr()
    assert main(["show", str(path), "--top", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(out) if line.split()[:2] == ["trial", "budget"])
    row = dict(zip(out[header].split(), out[header + 1].split()))
    candidates = l2l.load(path)
    single = candidates.loc[(candidates["budget"] == 9) & (candidates["status"] == "ok"), "loss"].min()
    assert int(row["n"]) > 1 and float(row["loss"]) > single + 0.01  # repeats, and a luckier single result
    assert main(["watch", str(path), "--once"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("best so far"))
    value, trial = re.search(r"loss = (\S+) \(minimize\) at the top budget, trial (\d+)", line).groups()
    assert trial == row["trial"] and np.isclose(float(value), float(row["loss"]), rtol=1e-4), (line, row)
    assert f"(mean of its {row['n']} results)" in line

"""A candidate below the top budget is `stopped` only if nothing will continue it: the run ended because its
policy was done, or the policy never continues it (its last segment failed). A run ended by run.evaluations or
run.compute (policy_done false) has its other candidates `paused`: `l2l resume` may still promote them. The
counts of `l2l show`, l2l.load and the learning-curves plot agree (found by a new user's trial: show said
"8 stopped, 0 paused" of a run whose resume then promoted two of them). An `asha` sweep (a fixed number of
candidates) pauses only the members that may still rank among the best 1/eta their rung holds once every
candidate has arrived, killed or not, as its progress bar counts them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import h5py

import l2l
from l2l import driver
from l2l.cli import main
from l2l.progress import Progress
from l2l.results_schema.reader import Trajectory

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sphere_asha.toml"
TOP = 81.0  # the synthetic sphere's top budget
SWEEP = {"run": {"name": "sweep", "seed": 3, "generations": 1, "policy": "asha"},
         "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
         "optimizer": {"name": "random", "population_size": 20},
         "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}


def _finished(path: Path) -> dict:
    with Trajectory(path) as trajectory:
        events = trajectory.events()
    assert events["kind"].iloc[-1] == "finished"
    return json.loads(events["detail"].iloc[-1])


def _counts(capsys, path: Path) -> dict[str, int]:
    """The candidates by state on `l2l show`'s progress line."""
    assert main(["show", str(path)]) == 0
    line = re.search(r"(\d+) candidates \(([^);]*)(?:; (\d+) of them promoted)?\)", capsys.readouterr().out)
    assert line, "no candidates on the progress line"
    counts = {state: int(n) for n, state in re.findall(r"(\d+) (\w+)", line.group(2))}
    assert sum(counts.values()) == int(line.group(1))  # the states share the candidates out
    return {**counts, **({"promoted": int(line.group(3))} if line.group(3) else {})}


def _continued(before: Path, after: Path) -> set[int]:
    """The candidates of ``before`` that the run in ``after`` trained further."""
    reached = l2l.load(before).set_index("trial")["budget"]
    later = l2l.load(after).set_index("trial")["budget"]
    return {int(t) for t in reached.index if later[t] > reached[t]}


def test_a_run_cut_short_by_its_segment_cap_shows_paused_candidates_and_its_resume_continues_only_those(
        tmp_path, capsys):
    path = tmp_path / "x2.h5"
    assert main(["run", str(EXAMPLE), "--evaluations", "10", "--backend", "serial", "--out", str(path)]) == 0
    capsys.readouterr()
    assert _finished(path)["policy_done"] is False
    assert _counts(capsys, path) == {"completed": 0, "stopped": 0, "paused": 8, "promoted": 2}
    candidates = l2l.load(path)
    assert set(candidates["state"]) == {"paused"}
    segments = l2l.load(path, segments=True)
    assert (segments["state"] == "promoted").sum() == 2 and (segments["state"] == "stopped").sum() == 0
    assert set(l2l.load(path, columns=["trial", "state"])["state"]) == {"paused"}

    resumed = tmp_path / "x2b.h5"
    shutil.copy(path, resumed)
    assert main(["resume", str(resumed), "--evaluations", "40", "--backend", "serial"]) == 0
    capsys.readouterr()
    continued = _continued(path, resumed)
    assert continued and continued <= set(candidates.loc[candidates["state"] == "paused", "trial"])
    if _finished(resumed)["policy_done"] is False:
        after = l2l.load(resumed)
        assert set(after.loc[after["budget"] < TOP, "state"]) <= {"paused"}


def test_a_sweep_cut_short_by_run_compute_pauses_what_its_policy_may_still_promote_and_a_resume_promotes_only_those(
        tmp_path, capsys):
    path = l2l.run(l2l.from_mapping({**SWEEP, "run": {**SWEEP["run"], "compute": 40}}), tmp_path / "c.h5",
                   progress=False)
    assert _finished(path)["policy_done"] is False
    candidates = l2l.load(path)
    below = candidates[candidates["budget"] < TOP]
    paused = set(below.loc[below["state"] == "paused", "trial"])
    # the sweep has 20 candidates: a member ranked below the best 1/eta its rung holds once all have arrived is
    # never promoted, so it is stopped (as the progress bar counted it)
    assert paused and set(below["state"]) == {"paused", "stopped"}
    counts = _counts(capsys, path)
    assert counts["paused"] == len(paused) and counts["stopped"] == len(below) - len(paused)

    more = tmp_path / "more.h5"
    shutil.copy(path, more)
    l2l.resume(more, compute=10_000, progress=False)
    assert _finished(more)["policy_done"] is True
    continued = _continued(path, more)
    assert continued and continued <= paused
    done = l2l.load(more)
    assert set(done["state"]) == {"completed", "stopped"}  # the policy is done: nothing is paused any more
    counts = _counts(capsys, more)
    assert counts["paused"] == 0 and counts["stopped"] == int((done["state"] == "stopped").sum()) > 0
    # candidates promoted, each once however many rungs it climbed (not the promotions: "488 promoted" of 241)
    promoted = done["budget"] > done["budget"].min()
    assert counts["promoted"] == int(promoted.sum()) and (done.loc[promoted, "budget"] == TOP).any()


def _killed(path: Path) -> None:
    """Make ``path`` read as a run killed (kill -9) after its last commit: its last event never came."""
    with h5py.File(path, "r+") as f:
        for name in ("event_time", "event_kind", "event_detail"):
            f[f"run/{name}"].resize((f[f"run/{name}"].shape[0] - 1,))


def test_a_killed_sweep_reads_stopped_what_its_progress_bar_counts_stopped_and_a_resume_continues_only_the_paused(
        tmp_path, capsys, monkeypatch):
    ended = l2l.run(l2l.from_mapping({**SWEEP, "run": {**SWEEP["run"], "evaluations": 20}}), tmp_path / "e.h5",
                    progress=False)
    path = tmp_path / "killed.h5"
    shutil.copy(ended, path)
    _killed(path)
    with Trajectory(path) as trajectory:  # no event says what the policy may continue: the file has to tell
        assert trajectory.events()["kind"].iloc[-1] != "finished" and not trajectory.state()["loop"]["in_flight"]
    candidates = l2l.load(path)
    assert candidates["state"].tolist() == l2l.load(ended)["state"].tolist()  # as if the run had ended there
    paused = set(candidates.loc[candidates["state"] == "paused", "trial"])
    decided = int(candidates["state"].isin(["completed", "stopped"]).sum())
    assert paused and decided  # (before: every candidate below the top read paused after a kill)
    assert set(l2l.load(path, columns=["trial", "state"])["state"]) == set(candidates["state"])
    counts = _counts(capsys, path)
    assert counts["paused"] == len(paused) and counts.get("completed", 0) + counts["stopped"] == decided

    bars = []

    class Bar(Progress):  # the resume's progress bar, as it starts: the sweep's candidates decided of all
        def __init__(self, enabled: bool, total: int, initial: int, unit: str = "eval") -> None:
            bars.append((total, initial, unit))
            super().__init__(False, total, initial, unit)

    monkeypatch.setattr(driver, "Progress", Bar)
    resumed = tmp_path / "resumed.h5"
    shutil.copy(path, resumed)
    l2l.resume(resumed, evaluations=1000, progress=True)
    assert bars[0] == (20, decided, "candidate")
    assert _finished(resumed)["policy_done"] is True
    continued = _continued(path, resumed)
    assert continued and continued <= paused


def test_a_candidate_whose_last_segment_failed_is_stopped_while_the_others_are_paused(tmp_path, capsys):
    config = l2l.from_mapping({
        "run": {"seed": 2, "evaluations": 12}, "space": {"x": {"low": -4.6, "high": -3.4, "shape": [2]}},  # x[0] > -4 fails: about half
        "optimizer": {"name": "random"}, "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": "models_policy_fixes:mostly_failing",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 27}},
        "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "f.h5", progress=False)
    assert _finished(path)["policy_done"] is False
    candidates = l2l.load(path)
    failed = candidates["status"] != "ok"
    assert failed.any() and (~failed).any()
    assert set(candidates.loc[failed, "state"]) == {"stopped"}
    assert set(candidates.loc[~failed & (candidates["budget"] < 27), "state"]) == {"paused"}
    counts = _counts(capsys, path)
    assert counts["stopped"] == int(failed.sum()) and counts["paused"] == int((~failed).sum())


def test_the_learning_curves_plot_counts_the_candidates_as_show_does(tmp_path, capsys):
    from l2l.plot.curves import curves_figure

    path = l2l.run(l2l.from_mapping({**SWEEP, "run": {**SWEEP["run"], "evaluations": 10}}), tmp_path / "p.h5",
                   progress=False)
    counts = _counts(capsys, path)
    title = curves_figure(str(path)).get_suptitle()
    assert counts["paused"] and counts["stopped"]  # a sweep: stopped are those its rungs can no longer promote
    assert f"{counts['paused']} paused" in title and f"{counts['stopped']} stopped" in title


def test_a_hyperband_run_cut_short_pauses_only_what_its_open_bracket_may_still_continue(tmp_path, capsys):
    config = l2l.from_mapping({"run": {"seed": 1, "compute": 972}, "space": {"x": {"low": -5.0, "high": 5.0,
                                                                                    "shape": [3]}},
                               "optimizer": {"name": "random"}, "policy": {"name": "hyperband"},
                               "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "hb.h5", progress=False)
    assert _finished(path)["policy_done"] is False
    candidates = l2l.load(path)
    paused = set(candidates.loc[candidates["state"] == "paused", "trial"])
    # the brackets before the last one are complete: their candidates below the top are stopped for good
    assert 0 < len(paused) < (candidates["state"] == "stopped").sum()
    counts = _counts(capsys, path)
    assert counts["paused"] == len(paused) and counts["stopped"] == int((candidates["state"] == "stopped").sum())
    more = tmp_path / "more.h5"
    shutil.copy(path, more)
    l2l.resume(more, compute=3 * 972, progress=False)
    continued = _continued(path, more)
    assert continued and continued <= paused

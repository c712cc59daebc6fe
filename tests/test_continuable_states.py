"""A policy run cut short (run.compute spent, or stopped on request) stores in its last event which candidates
its policy may still continue (``continuable``), so that l2l.load labels the others below the top budget
`stopped` instead of guessing them `paused`: under hyperband and model-based those of complete brackets and
those a bracket did not keep at a rung, under median stopping those the rule stopped. `l2l resume` with more
compute then continues exactly the candidates read `paused`, and `l2l show` counts them so."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import l2l
from l2l.cli import main
from l2l.control import RunControl
from l2l.results_schema.reader import Trajectory

TOP = 81.0  # the synthetic sphere's top budget (rungs 1, 3, 9, 27, 81 with eta = 3)


def _config(policy: dict, compute: float):
    return l2l.from_mapping({"run": {"seed": 1, "compute": compute},
                             "space": {"x": {"low": -5.0, "high": 5.0, "shape": [3]}},
                             "optimizer": {"name": "random"}, "policy": policy,
                             "simulator": {"name": "sphere", "multi_fidelity": True},
                             "backend": {"name": "serial"}})


def _last_event(path: Path) -> tuple[str, dict]:
    with Trajectory(path) as trajectory:
        events = trajectory.events()
    return events["kind"].iloc[-1], json.loads(events["detail"].iloc[-1])


def _states(path: Path) -> dict[str, set[int]]:
    """The candidates below the top budget by state."""
    candidates = l2l.load(path)
    below = candidates[candidates["budget"] < TOP]
    return {state: set(below.loc[below["state"] == state, "trial"].astype(int)) for state in ("paused", "stopped")}


def _show_counts(capsys, path: Path) -> dict[str, int]:
    """The candidates by state on `l2l show`'s progress line."""
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    line = re.search(r"(\d+) candidates \(([^)]*)\)", capsys.readouterr().out)
    assert line, "no candidates on the progress line"
    return {state: int(n) for n, state in re.findall(r"(\d+) (\w+)", line.group(2))}


def _resumed_continues(tmp_path: Path, path: Path, compute: float) -> set[int]:
    """The candidates of ``path`` that `l2l resume --compute` (on a copy) trains further."""
    more = tmp_path / f"{path.stem}-more.h5"
    shutil.copy(path, more)
    assert main(["resume", str(more), "--compute", str(compute), "--backend", "serial"]) == 0
    reached = l2l.load(path).set_index("trial")["budget"]
    later = l2l.load(more).set_index("trial")["budget"]
    return {int(t) for t in reached.index if later[t] > reached[t]}


def _check_show_and_validate(capsys, path: Path, states: dict[str, set[int]]) -> None:
    counts = _show_counts(capsys, path)
    assert counts["paused"] == len(states["paused"]) and counts["stopped"] == len(states["stopped"])
    assert main(["validate", str(path)]) == 0


def test_hyperband_cut_short_pauses_only_what_its_open_bracket_keeps_and_a_resume_continues_exactly_those(
        tmp_path, capsys):
    # 297 units complete the first bracket (81 candidates at 1, 27 at 3, 9 at 9, 3 at 27, 1 at 81); 102 more
    # complete the first rung of the second (34 candidates at 3), which keeps 11 of them for budget 9
    path = l2l.run(_config({"name": "hyperband"}, 297 + 34 * 3), tmp_path / "hb.h5", progress=False)
    kind, detail = _last_event(path)
    assert kind == "finished" and detail["policy_done"] is False and "continuable" in detail
    states = _states(path)
    candidates = l2l.load(path)
    first = candidates[(candidates["trial"] < 81) & (candidates["budget"] < TOP)]
    assert len(first) == 80 and set(first["state"]) == {"stopped"}  # a complete bracket: none goes on
    second = candidates[candidates["trial"] >= 81]
    assert len(second) == 34 and set(second["budget"]) == {3.0}
    assert len(states["paused"]) == 11 and states["paused"] <= set(second["trial"])  # the rung kept 11
    assert (second["state"] == "stopped").sum() == 23
    _check_show_and_validate(capsys, path, states)
    assert _resumed_continues(tmp_path, path, 2000) == states["paused"]
    # a file written before the field keeps its guess from the trial ids: the highest rung the last bracket
    # reached (and the one below) paused
    _drop_continuable(path)
    assert _states(path)["paused"] == set(second["trial"])


def _drop_continuable(path: Path) -> None:
    """Write the last event's detail without ``continuable``, as files written before it have it."""
    import h5py

    with h5py.File(path, "r+") as f:
        details = f["run/event_detail"]
        detail = json.loads(details[-1])
        del detail["continuable"]
        details[-1] = json.dumps(detail).encode()


def test_model_based_cut_short_stops_its_complete_brackets_and_a_resume_continues_exactly_the_paused(
        tmp_path, capsys):
    # no endgame and no repeats: its brackets do not depend on run.compute, so a resume with more compute
    # makes the decisions an uncut run makes; 1107 units end at a complete rung of a halving bracket
    policy = {"name": "model-based", "exploit_share": 0.0, "repeats": 1}
    path = l2l.run(_config(policy, 1107), tmp_path / "mb.h5", progress=False)
    kind, detail = _last_event(path)
    assert kind == "finished" and detail["policy_done"] is False and "continuable" in detail
    states = _states(path)
    assert states["paused"] and states["stopped"]
    opened = min(states["paused"])  # the open bracket's first candidate (at most)
    earlier = {t for t in states["paused"] | states["stopped"] if t < opened}
    assert earlier and earlier <= states["stopped"]  # the complete brackets' candidates below the top
    assert {t for t in states["stopped"] if t > opened}  # and those the open bracket did not keep
    _check_show_and_validate(capsys, path, states)
    # 2000 units end its open bracket (4000 cost 2.5 times the CPU for the same set)
    assert _resumed_continues(tmp_path, path, 2000) == states["paused"]


def test_median_stopping_cut_short_reads_the_candidates_its_rule_stopped_as_stopped(tmp_path, capsys):
    # serial, one candidate after the other: by 424 units five completed, the rule stopped the next nine at
    # budget 1 or 3 (below the median of the others there), and the last one passed budget 3
    path = l2l.run(_config({"name": "median-stopping", "min_trials": 2}, 424), tmp_path / "ms.h5", progress=False)
    kind, detail = _last_event(path)
    assert kind == "finished" and detail["policy_done"] is False and "continuable" in detail
    states = _states(path)
    assert len(states["stopped"]) >= 5 and len(states["paused"]) == 1
    _check_show_and_validate(capsys, path, states)
    assert _resumed_continues(tmp_path, path, 1000) == states["paused"]


def test_a_model_based_run_stopped_on_request_reads_as_its_resume_treats_its_candidates(tmp_path, capsys):
    control = RunControl()
    path = tmp_path / "stop.h5"
    policy = {"name": "model-based", "exploit_share": 0.0, "repeats": 1}
    # stopped at the first commit past 1000 units: brackets are complete by then (see above)
    l2l.run(_config(policy, 1e6), path, progress=False, control=control,
            on_generation=lambda info: info["compute"] >= 1000 and control.request_stop("test"))
    kind, detail = _last_event(path)
    assert kind == "stopped" and "continuable" in detail
    states = _states(path)
    assert states["stopped"]
    _check_show_and_validate(capsys, path, states)
    spent = float(l2l.load(path)["compute"].sum())
    continued = _resumed_continues(tmp_path, path, spent + 3000)
    assert continued <= states["paused"]  # a paused member may still lose its rung's selection

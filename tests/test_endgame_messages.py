"""What a model-based run says of its endgame as it runs and ends.

The progress bar and the ``done in ...`` line of l2l run/resume never mentioned the endgame: a run told a small
run.compute that never started it (too few top-budget candidates) ended as one that had refined its choice. Now
the bar's description reads ``endgame from compute X`` once the endgame started, and the done line says from which
compute it ran or how many top-budget candidates it still needed, from the account ``l2l show``'s endgame line
reads (the same numbers)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import write_toml

from l2l.cli import main

START = 3256.2  # the endgame's start of run.compute = 4860: (1 - 0.33) x 4860


def _config(folder: Path, name: str, compute: float, policy: dict) -> Path:
    data = {"run": {"name": name, "seed": 4, "compute": compute},
            "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
            "policy": policy,
            "simulator": {"name": "sphere", "multi_fidelity": True, "noise": 1.0},
            "backend": {"name": "serial"}}
    return write_toml(folder / f"{name}.toml", data)


def _line(text: str, start: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith(start)]
    assert len(lines) == 1, text
    return lines[0]


def _show_endgame(path: Path, capsys) -> str:
    assert main(["show", str(path)]) == 0
    return _line(capsys.readouterr().out, "endgame ")


def test_the_done_line_and_the_bar_say_whether_the_endgame_ran(tmp_path, capsys):
    out = tmp_path / "mb.h5"
    config = _config(tmp_path, "mb", 81 * 6, {"name": "model-based"})
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
    done = _line(capsys.readouterr().out, "done in ")
    short = re.search(r", endgame not started: (\d+) more top-budget candidates? needed, \d+ [^,]+/s$", done)
    assert short, done
    assert f"not started: {short[1]} more needed at the top budget" in _show_endgame(out, capsys)

    # told ten times the compute, the resume reaches the endgame: the bar and the done line say from when
    assert main(["resume", str(out), "--compute", str(81 * 60)]) == 0
    captured = capsys.readouterr()
    done = _line(captured.out, "done in ")
    ran = re.search(r", endgame from compute (\d+(?:\.\d+)?) \((\d+) local steps?\), \d+ [^,]+/s$", done)
    assert ran, done
    began, local = float(ran[1]), int(ran[2])
    assert began >= START and local > 0
    show = _show_endgame(out, capsys)
    assert f"; {local} local step" in show and show.endswith(f"; started at compute {ran[1]}"), show
    bar = captured.err.replace("\r", "\n").splitlines()
    assert any(line.startswith(f"endgame from compute {ran[1]} (") and "%|" in line for line in bar), captured.err


def test_other_policies_end_as_before(tmp_path, capsys):
    out = tmp_path / "asha.h5"
    assert main(["run", str(_config(tmp_path, "asha", 81 * 6, {"name": "asha"})), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert re.search(r"compute \d+ of 486 [^,]+, \d+ [^,]+/s$", _line(captured.out, "done in ")), captured.out
    assert "endgame" not in captured.out + captured.err


def test_the_recorded_start_follows_a_raised_compute_and_an_older_state_is_not_given_a_wrong_one():
    from l2l.policies import TrialTable
    from l2l.policies.base import budget_key
    from l2l.policies.model_based import ModelBased

    policy, budgets = ModelBased(), [1.0, 3.0, 9.0]
    state = {**policy.init(budgets, 2, 0), "repeats": {}, "local": {}}
    trials = {str(t): {"code": [0.1 * t, 0.2], "budget": 9.0, "scores": {budget_key(9.0): -float(t)},
                       "running": False} for t in range(12)}  # the 12 top-budget candidates the endgame waits for
    loop = {"compute": 700.0}

    def mark(compute_budget: float, state: dict) -> dict:
        return policy._mark_endgame(state, TrialTable(trials, loop=loop, compute_budget=compute_budget))

    assert mark(1000.0, state)["endgame_from"] == 700.0  # past 670 of 1000, with the candidates it needs
    assert mark(2000.0, mark(1000.0, state))["endgame_from"] is None  # run.compute raised: its start is 1340
    assert mark(1000.0, {**state, "endgame_from": 690.0})["endgame_from"] == 690.0  # kept while it holds
    older = {k: v for k, v in state.items() if k != "endgame_from"}  # stored before the record
    assert mark(1000.0, older)["endgame_from"] == 700.0  # started now
    assert "endgame_from" not in mark(1000.0, {**older, "local": {"11": None}})  # started before: when unknown
    status = policy.endgame_status({**older, "local": {"11": None}}, TrialTable(trials), 700.0, 1000.0)
    assert status.started and status.began is None and status.candidates == 12 and status.missing == 0

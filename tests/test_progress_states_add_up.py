"""The candidates of a policy run's progress line (``l2l show``, ``l2l watch``, the report) add up to their
total: a candidate with a segment in flight at the last commit counts as interrupted (or running) and in no
other state, a new candidate whose first segment was in flight counts there alone."""

from __future__ import annotations

import re
import shutil


import l2l
from l2l.cli import main
from file_corruptions import killed_with_in_flight

ASHA = {"run": {"name": "asha", "seed": 1, "compute": 81 * 2},
        "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}


def _counts(line: str) -> tuple[int, dict[str, int]]:
    total, states = re.search(r"(\d+) candidates \(([^;)]*)", line).groups()
    parts = dict((word, int(n)) for n, word in re.findall(r"(\d+) (completed|stopped|paused|interrupted)", states))
    return int(total), parts


def test_a_killed_runs_states_add_up_to_its_candidates_in_show_watch_and_the_report(tmp_path, capsys):
    path = l2l.run(l2l.from_mapping(ASHA), tmp_path / "asha.h5", progress=False)
    candidates = l2l.load(path)
    paused = candidates.loc[candidates["state"] == "paused"]
    assert len(paused) >= 1
    before = candidates["state"].value_counts().to_dict()
    cut = tmp_path / "cut.h5"
    shutil.copy(path, cut)
    continued = int(paused["trial"].iloc[0])  # a paused candidate's next segment, and a new candidate's first
    new = int(candidates["trial"].max()) + 1
    killed_with_in_flight(cut, [[continued, 3 * float(paused["budget"].iloc[0]), float(paused["budget"].iloc[0])],
                       [new, 1.0, 0.0]])

    assert main(["show", str(cut)]) == 0
    shown = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    assert main(["watch", str(cut), "--once"]) == 0
    watched = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("candidates"))
    assert main(["report", str(cut), "-o", str(tmp_path / "report.html")]) == 0
    reported = (tmp_path / "report.html").read_text()
    for line in (shown, watched, reported):
        total, parts = _counts(line)
        assert total == sum(parts.values()) == len(candidates) + 1, line
        assert parts == {"completed": before.get("completed", 0), "stopped": before.get("stopped", 0),
                         "paused": before["paused"] - 1, "interrupted": 2}, line
        assert "2 interrupted, to be rerun by l2l resume" in line

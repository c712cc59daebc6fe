"""A PBT run killed (or still running) reads its replaced members stopped, as the run that ended there does.

Found by a user who killed a PBT run with ``kill -9``: ``l2l show`` said "10 candidates (0 completed, 0 stopped, 9
paused, 1 interrupted)" of a population of 8, whose two members replaced by exploits would never be trained again
(``l2l resume`` continued only the 8 members). Without the last event's list of what may be continued, every
candidate below the top budget read paused; now the members come from the policy state of the last commit.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import h5py

import l2l
from l2l.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pbt_noisy_sgd.toml"


def _killed(path: Path) -> None:
    """Make ``path`` read as a run killed after its last commit: its last event (finished) never came."""
    with h5py.File(path, "r+") as f:
        for name in ("event_time", "event_kind", "event_detail"):
            f[f"run/{name}"].resize((f[f"run/{name}"].shape[0] - 1,))


def test_a_killed_pbt_run_reads_its_replaced_members_stopped(tmp_path, capsys):
    ended = tmp_path / "ended.h5"
    # 30 of the 80 segments: the population's third decision is behind it, some members were replaced
    assert main(["run", str(EXAMPLE), "--evaluations", "30", "--backend", "serial", "--out", str(ended),
                 "--no-progress"]) == 0
    killed = tmp_path / "killed.h5"
    shutil.copy(ended, killed)
    _killed(killed)
    states = l2l.load(ended)[["trial", "state"]]
    assert (states["state"] == "stopped").any() and (states["state"] == "paused").sum() == 8  # the population
    # before: every stopped one read paused
    assert l2l.load(killed)[["trial", "state"]].equals(states)
    capsys.readouterr()
    assert main(["show", str(killed)]) == 0
    line = re.search(r"\d+ candidates \(([^;)]*)", capsys.readouterr().out).group(1)
    assert f"{(states['state'] == 'stopped').sum()} stopped, 8 paused" in line, line

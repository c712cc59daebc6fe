"""``l2l show`` of a multi-fidelity run moved without its folder of large checkpoints says which candidates cannot
continue until the folder is back: the paused ones and, since a candidate with a segment in flight at the last
commit counts as interrupted instead of paused (68a249b), the interrupted ones a resume continues from a
checkpoint. A new candidate whose first segment was in flight starts from scratch and is not counted."""

from __future__ import annotations

import shutil

from test_cli_one_line_errors import TINY_MODEL, TINY_RUN
from file_corruptions import killed_with_in_flight

import l2l
from l2l.cli import main


def test_the_missing_folder_counts_the_interrupted_candidates_that_continue_from_a_checkpoint(tmp_path, capsys):
    (tmp_path / "tiny_model.py").write_text(TINY_MODEL)
    (tmp_path / "run.toml").write_text(TINY_RUN.format(checkpoints="beside"))
    path = tmp_path / "run.h5"
    assert main(["run", str(tmp_path / "run.toml"), "--out", str(path), "--no-progress"]) == 0
    capsys.readouterr()
    candidates = l2l.load(path)
    paused = candidates.loc[candidates["state"] == "paused"]
    assert len(paused) >= 2
    moved = tmp_path / "moved"
    moved.mkdir()
    cut = moved / "run.h5"
    shutil.copy(path, cut)  # without run.h5.checkpoints
    budget = float(paused["budget"].iloc[0])
    new = int(candidates["trial"].max()) + 1
    killed_with_in_flight(cut, [[int(paused["trial"].iloc[0]), 3 * budget, budget],  # continues from its checkpoint
                       [new, 1.0, 0.0]])  # a new candidate's first segment: from scratch
    assert main(["show", str(cut)]) == 0
    out = capsys.readouterr().out
    progress = next(line for line in out.splitlines() if line.startswith("progress "))
    assert f"{len(paused) - 1} paused" in progress and "2 interrupted" in progress, progress
    lines = [line for line in out.splitlines() if line.startswith("checkpoints ")]
    assert lines == [f"checkpoints {moved / 'run.h5.checkpoints'} is missing (the checkpoints its rows "
                     f"reference: the file was moved or copied without it): move or copy it back beside the file; "
                     f"until it is back, its {len(paused) - 1} paused candidate{'s' * (len(paused) != 2)} and 1 "
                     f"interrupted candidate "
                     f"cannot continue"], lines

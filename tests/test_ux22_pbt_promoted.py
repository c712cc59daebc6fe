"""The progress line of a PBT run (``l2l run``'s end, ``l2l show``) counts the trials that trained on from their own
checkpoint ('17 of them promoted', explained in docs/pbt.md) and leaves the count out where it is 0, as after the
population's first interval: '8 candidates (0 completed, 0 stopped, 8 paused)', not '...; 0 of them promoted'."""

from __future__ import annotations

from pathlib import Path

from l2l.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pbt_noisy_sgd.toml"


def _progress(capsys, *args) -> str:
    assert main(["show", *args]) == 0
    return next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress "))


def test_no_promotion_is_left_out_and_a_promotion_is_counted(tmp_path, capsys):
    cut, whole = tmp_path / "cut.h5", tmp_path / "whole.h5"
    assert main(["run", str(EXAMPLE), "--out", str(cut), "--no-progress", "--evaluations", "8"]) == 0
    done = capsys.readouterr().out
    assert "done in " in done and "8 candidates (0 completed, 0 stopped, 8 paused), 8 of 8 segments" in done, done
    shown = _progress(capsys, str(cut))
    assert "8 candidates (0 completed, 0 stopped, 8 paused), 8 of 8 segments" in shown and "promoted" not in shown
    assert main(["run", str(EXAMPLE), "--out", str(whole), "--no-progress"]) == 0
    capsys.readouterr()
    shown = _progress(capsys, str(whole))
    assert "26 candidates (8 completed, 18 stopped, 0 paused; 17 of them promoted), 80 segments" in shown, shown

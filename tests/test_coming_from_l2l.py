"""docs/coming_from_l2l.md as printed: its two files are the example folder's, and its commands run in an empty
folder and find the bowl's minimum."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from l2l.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "coming_from_l2l.md"
EXAMPLE = ROOT / "examples" / "coming_from_l2l"


def marked_blocks(text: str, marker: str) -> list[tuple[str, str]]:
    """The code blocks right after ``<!-- marker ... -->``: (what follows the marker, the block's text)."""
    return re.findall(rf"^<!-- {marker}(.*?) -->\n```\w*\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def test_the_worked_example_runs_as_printed_and_matches_the_example_folder(tmp_path, monkeypatch, capsys):
    text = PAGE.read_text()
    files = marked_blocks(text, "file:")
    assert sorted(name.strip() for name, _ in files) == ["shifted_bowl.py", "shifted_bowl.toml"]
    for name, block in files:
        assert block == (EXAMPLE / name.strip()).read_text(), f"{name.strip()} differs from {EXAMPLE / name.strip()}"
        (tmp_path / name.strip()).write_text(block)
    [(_, commands)] = marked_blocks(text, "commands")
    monkeypatch.chdir(tmp_path)
    printed = []
    for line in commands.strip().splitlines():
        words = shlex.split(line)
        if words[0] == "l2l":
            assert main(words[1:]) == 0, line
        elif words[:2] == ["python", "-c"]:
            exec(compile(words[2], line, "exec"), {"__name__": "__page__"})
        else:
            pytest.fail(f"a command the test does not know: {line}")
        printed.append(capsys.readouterr().out)
    assert "10 of 10 generations, 200 evaluations (0 failed), status: finished" in printed[1], printed[1]
    best = [float(row.split()[-1]) for row in printed[2].splitlines() if re.match(r"^\d+\s", row)]
    assert len(best) == 10 and best[0] > 0.05 and abs(best[-1]) < 0.02, printed[2]  # about 0.1, then about 0

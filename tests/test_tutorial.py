"""The tutorial's code runs: its python blocks are executed in order, in an empty folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial_pandas.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def test_the_pandas_tutorial_runs_from_top_to_bottom(tmp_path, monkeypatch):
    blocks = python_blocks(TUTORIAL.read_text())
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__tutorial__"}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{TUTORIAL.name} block {number}", "exec"), namespace)
        except Exception as exc:  # name the block, so a broken tutorial is quick to find
            pytest.fail(f"{TUTORIAL.name}, python block {number} raised {type(exc).__name__}: {exc}\n{block}")
    assert (tmp_path / "rastrigin.h5").exists() and (tmp_path / "overview.png").exists()

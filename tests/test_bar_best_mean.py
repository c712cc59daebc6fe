"""The progress bar of a multi-fidelity run names the best candidate as l2l show lists it: a candidate trained
again with new seeds (the model-based policy on a noisy top budget) with the mean of its results, not its luckiest
one ('best value=-3.207' in the bar, -1.3336, the mean of two, in show), also after l2l resume."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import l2l
import l2l.progress
from l2l.cli import main


@pytest.fixture
def postfixes(monkeypatch) -> list[str]:
    """The texts beside the bar's figures, in order."""
    texts: list[str] = []
    original = l2l.progress.progress_text

    def noting(*args, **kwargs):
        texts.append(original(*args, **kwargs))
        return texts[-1]

    monkeypatch.setattr(l2l.progress, "progress_text", noting)
    return texts


def _config(compute: float) -> l2l.RunConfig:
    return l2l.from_mapping({"run": {"name": "noisy", "seed": 0, "compute": compute},
                             "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
                             "policy": {"name": "model-based"},
                             "simulator": {"name": "sphere", "multi_fidelity": True, "noise": 1.0},
                             "backend": {"name": "serial"}})


def _shown(path: Path, capsys) -> tuple[float, int]:
    """The first row of l2l show's best table: its value and how many results it is the mean of."""
    assert main(["show", str(path), "--top", "3"]) == 0
    lines = capsys.readouterr().out.split("\nbest ", 1)[1].splitlines()
    header, first = lines[1].split(), lines[2].split()
    return float(first[header.index("value")]), int(first[header.index("n")])


def _bar(text: str) -> tuple[float, int]:
    value, count = re.search(r"best value=(\S+)(?: \(mean of (\d+)\))?", text).groups()
    return float(value), int(count or 1)


def test_the_bar_names_show_s_best_with_its_mean_during_and_after_a_resume(tmp_path, capsys, postfixes):
    path = Path(l2l.run(_config(81 * 30), tmp_path / "noisy.h5", progress=True))
    value, count = _shown(path, capsys)
    assert count >= 2, "the noisy top budget should make the policy train its choice again"
    assert _bar(postfixes[-1]) == (pytest.approx(value, rel=1e-3), count), postfixes[-1]
    frame = l2l.load(path)
    top = frame[(frame["status"] == "ok") & (frame["budget"] == frame["budget"].max())]
    assert top["value"].min() < value - 1e-3  # a lucky single seed, which the bar named before

    postfixes.clear()
    l2l.resume(path, compute=81 * 32, progress=True)  # the best is one of the first session's candidates
    value, count = _shown(path, capsys)
    assert _bar(postfixes[-1]) == (pytest.approx(value, rel=1e-3), count), postfixes[-1]

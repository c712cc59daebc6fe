"""The progress bar of a generational run (no [policy]) names the best candidate as ``l2l show`` and the run's
closing table list it first: a candidate evaluated more than once with equal parameters (random search over a
small space, a noisy simulator) with the mean of its results, not its luckiest one. Before, the bar said the best
single result ('gen 2 best loss=-0.9138') right above a table whose first row was -0.084474 (n 2), as the bar of
a multi-fidelity run did before 3ea5b30. show pools the repeats among the 20 best rows the file's running
statistics keep; the bar keeps the same rows, also across l2l resume."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_bar_best_mean import postfixes  # noqa: F401 - the fixture

import l2l
from l2l.cli import main


def _config(generations: int, population: int) -> l2l.RunConfig:
    return l2l.from_mapping({"run": {"name": "repeats", "seed": 2, "generations": generations},
                             "space": {"j": {"type": "int", "low": 0, "high": 1},
                                       "k": {"type": "int", "low": 0, "high": 2}},
                             "optimizer": {"name": "random", "population_size": population},
                             "simulator": {"name": "sphere", "noise": 1.0},
                             "backend": {"name": "serial"}})


def _shown(path: Path, capsys) -> tuple[float, int]:
    """The first row of l2l show's best table: its value and how many results it is the mean of."""
    assert main(["show", str(path), "--top", "3"]) == 0
    lines = capsys.readouterr().out.split("\nbest ", 1)[1].splitlines()
    header, first = lines[1].split(), lines[2].split()
    return float(first[header.index("value")]), int(first[header.index("n")]) if "n" in header else 1


def _bar(text: str) -> tuple[float, int]:
    value, count = re.search(r"best value=(\S+)(?: \(mean of (\d+)\))?", text).groups()
    return float(value), int(count or 1)


def test_the_bar_names_show_s_first_row_with_its_mean(tmp_path, capsys, postfixes):  # noqa: F811
    path = Path(l2l.run(_config(3, 6), tmp_path / "small.h5", progress=True))  # 18 rows, 6 candidates
    value, count = _shown(path, capsys)
    assert count >= 2
    # before: the best single result, 'gen 2 best value=...' without a mean
    assert _bar(postfixes[-1]) == (pytest.approx(value, rel=1e-3), count), postfixes[-1]
    assert l2l.load(path)["value"].min() < value - 1e-3  # a lucky single seed, which the bar named before


def test_the_bar_agrees_with_show_past_its_20_rows_and_after_a_resume(tmp_path, capsys, postfixes):  # noqa: F811
    path = Path(l2l.run(_config(2, 8), tmp_path / "long.h5", progress=True))  # 16 rows
    value, count = _shown(path, capsys)
    assert _bar(postfixes[-1]) == (pytest.approx(value, rel=1e-3), count), postfixes[-1]
    postfixes.clear()
    l2l.resume(path, generations=6, progress=True)  # 48 rows: show ranks the 20 best
    value, count = _shown(path, capsys)
    assert count >= 2
    assert _bar(postfixes[-1]) == (pytest.approx(value, rel=1e-3), count), postfixes[-1]
    assert l2l.load(path)["value"].min() < value - 1e-3

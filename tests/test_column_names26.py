"""Parameters named like the columns l2l's tables add beside them (``n``, ``sd``, ``trial``, ``budget``, ``parent``).

A GA keeps its elite and evaluates it again on new seeds, so ``l2l show`` and the report average repeats and add
the count and standard deviation of each candidate's results. A parameter named ``n`` or ``sd`` kept its name in
the config but the table printed the repeat count in its column (6 / 1 / 27 where the parameter was 0); the
parameter's values must be shown under its name and the repeats under ``(n)`` and ``(sd)``. In a run without a
fidelity, a parameter named ``trial`` made ``l2l show`` take the run for a multi-fidelity one (KeyError 'state'),
one named ``budget`` whose value was 0 made ``l2l.load`` refuse the file (its values were checked as the budgets of
segments), and one named ``parent`` kept every repeat of a candidate apart (as a learner continued from another's
checkpoint).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.analysis.report import best_individuals
from l2l.cli import main
from l2l.plot.data import load_run

SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "n": {"type": "int", "low": 0, "high": 5},
         "sd": {"type": "int", "low": 0, "high": 3}}
#: Names of multi-fidelity columns, which such runs refuse (components.py); other runs' parameters may take them.
LINEAGE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "trial": {"type": "int", "low": 0, "high": 3},
           "parent": {"type": "int", "low": 0, "high": 0}}


def _ga(folder: Path, space: dict) -> tuple[Path, object]:
    """A GA run (its elite evaluated again every generation) over ``space``; its rows."""
    config = l2l.from_mapping({"run": {"name": "names", "seed": 3, "generations": 6}, "space": space,
                               "optimizer": {"name": "ga", "population_size": 8}, "simulator": {"name": "sphere"},
                               "backend": {"name": "serial"}})
    path = Path(l2l.run(config, folder / "names.h5", progress=False))
    return path, l2l.load(path)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, object]:
    return _ga(tmp_path_factory.mktemp("names"), SPACE)


def _stored(frame, generation: int, individual: int, name: str) -> int:
    row = frame[(frame["generation"] == generation) & (frame["individual"] == individual)]
    return int(row[name].iloc[0])


def test_show_prints_the_parameters_named_n_and_sd_and_the_repeats_apart(run, capsys):
    path, frame = run
    assert main(["show", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("best "))
    assert "(n) and (sd)" in lines[at]
    header = lines[at + 1].split()
    assert header.count("n") == 1 and header.count("sd") == 1 and "(n)" in header and "(sd)" in header
    rows = [line.split() for line in lines[at + 2:at + 12] if len(line.split()) == len(header)]
    assert max(int(r[header.index("(n)")]) for r in rows) >= 2  # the elite was evaluated more than once
    for r in rows:
        g, i = int(r[header.index("generation")]), int(r[header.index("individual")])
        for name in ("n", "sd"):
            assert int(r[header.index(name)]) == _stored(frame, g, i, name), (name, r)


def test_the_report_keeps_the_parameters_named_n_and_sd(run):
    path, frame = run
    title, table = best_individuals(load_run(path), limit=5)
    assert "(n) and (sd)" in title
    assert list(table.columns).count("n") == 1 and "(n)" in table.columns and "(sd)" in table.columns
    assert table["(n)"].max() >= 2
    for _, row in table.iterrows():
        for name in ("n", "sd"):
            assert row[name] == _stored(frame, int(row["generation"]), int(row["individual"]), name)


def test_parameters_named_trial_and_parent_are_the_users_in_a_run_without_a_fidelity(tmp_path, capsys):
    path, frame = _ga(tmp_path, LINEAGE)
    assert main(["show", str(path)]) == 0  # was: KeyError "['budget', 'state'] not in index"
    assert "trial" in capsys.readouterr().out
    best = l2l.best(path)
    assert best.trial is None
    assert best.params["trial"] == _stored(frame, best.generation, best.individual, "trial")
    assert best.n >= 2  # its repeats are pooled: a parameter named parent is no learner's parent
    same = np.ones(len(frame), dtype=bool)
    for name in LINEAGE:
        same &= (frame[name] == best.params[name]).to_numpy()
    assert best.n == int(np.count_nonzero(same & (frame["status"] == "ok").to_numpy()))


def test_a_parameter_named_budget_whose_value_is_0_is_read(tmp_path):
    config = l2l.from_mapping({"run": {"name": "budget", "seed": 1, "generations": 1},
                               "space": {"x": {"low": -1.0, "high": 1.0}, "budget": {"type": "int", "low": 0,
                                                                                    "high": 2}},
                               "optimizer": {"name": "random", "population_size": 6}, "simulator": {"name": "sphere"},
                               "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "budget.h5", progress=False)
    frame = l2l.load(path)  # was: "/evaluations/budget is not NaN or a positive number" (a segment's budget)
    assert sorted(frame["budget"].unique()) == [0, 1, 2]
    best = l2l.best(path)
    assert best.budget is None and best.params["budget"] == _stored(frame, best.generation, best.individual, "budget")

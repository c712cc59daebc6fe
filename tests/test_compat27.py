"""Files written by older l2l, read and resumed by this one (session 27).

``tests/data/old_files/`` holds small trajectories written by the l2l of earlier commits (named by the commit,
see the README there), from small runs of that commit's examples: a GA killed with ``kill -9`` and a run with
traces written before the binary codec (29 November 2026: its values were plain JSON), the first schema-2 ASHA run
and a model-based run of the same commit, the first PBT run, a run with ``run.reevaluate``, the first schema-3 run
(``run.inherit``) and a run that reached its ``run.target``. Every one validates, shows, loads and exports with
this code; the killed GA resumes to its end, the schema-2 policy runs resume with more compute.

Before this session the plain-JSON values of the first files were refused: ``l2l validate`` called the files
corrupt ('wrong magic bytes'), ``l2l.traces`` and ``l2l resume`` failed; ``l2l resume --compute`` of an ASHA or
model-based run of 2 December ended in a traceback (``KeyError: 'cohort'``, ``KeyError: 'probe'``): their trial
records and policy state had fewer keys.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

import l2l
from conftest import TESTS
from l2l.cli import main

OLD = TESTS / "data" / "old_files"

#: file -> (schema version, rows l2l.load gives)
FILES = {
    "c7d327a_kill_ga": (1, 24),
    "c7d327a_traces": (1, 12),
    "4fece3d_asha": (2, None),
    "4fece3d_mb": (2, None),
    "e411d01_pbt": (2, None),
    "7ce11fa_traces": (2, 12),
    "7ca1fca_inherit": (3, None),
    "125db1b_target": (3, None),
}


def _copy(name: str, folder: Path) -> Path:
    path = folder / f"{name}.h5"
    with gzip.open(OLD / f"{name}.h5.gz") as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target)
    return path


def test_old_files_are_small():
    assert sum(p.stat().st_size for p in OLD.iterdir()) < 200_000
    assert sorted(p.name for p in OLD.glob("*.h5.gz")) == sorted([*(f"{n}.h5.gz" for n in FILES),
                                                                  "f6b44ae_mb_failures.h5.gz"])  # test_compat28


@pytest.mark.parametrize("name", sorted(FILES))
def test_an_old_file_validates_shows_loads_and_exports(name, tmp_path, capsys):
    path = _copy(name, tmp_path)
    version, rows = FILES[name]
    assert main(["validate", str(path)]) == 0, capsys.readouterr()
    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr()
    assert f"schema {version})" in shown.out and "Traceback" not in shown.err
    frame = l2l.load(path)
    assert len(frame) == (rows if rows is not None else len(frame)) and len(frame) > 0
    assert frame["status"].eq("ok").all()
    assert l2l.best(path).objectives  # a candidate with its objective values
    assert main(["export", str(path), "-o", str(tmp_path / "out.csv")]) == 0
    assert (tmp_path / "out.csv").read_text().count("\n") == len(frame) + 1


@pytest.mark.parametrize("name", ["c7d327a_traces", "7ce11fa_traces"])
def test_traces_of_old_files_read(name, tmp_path):
    """The first files' traces were plain JSON: l2l.traces refused them ('wrong magic bytes')."""
    traces = l2l.traces(_copy(name, tmp_path))
    assert len(traces) == 12 * 50  # 12 evaluations, a loss curve of 50 steps each
    assert traces["value"].between(0, 2).all()


def test_reevaluations_of_an_old_file_read(tmp_path):
    frame = l2l.load(_copy("7ce11fa_traces", tmp_path), reevaluations=True)
    assert len(frame) > 0 and frame["status"].eq("ok").all()


def test_a_ga_killed_under_the_first_encoding_resumes(tmp_path, capsys):
    """Killed with kill -9 in its 6th generation by l2l of 29 November 2026 (plain-JSON optimizer states): resume
    said 'the optimizer state: corrupt encoded value: wrong magic bytes' and exit 2."""
    path = _copy("c7d327a_kill_ga", tmp_path)
    assert main(["resume", str(path), "--generations", "8", "--no-progress"]) == 0, capsys.readouterr().err
    assert l2l.validate(path) == []
    frame = l2l.load(path)
    assert sorted(set(frame["generation"])) == list(range(8)) and len(frame) == 32
    assert not frame.duplicated(["generation", "individual"]).any()


def test_an_asha_run_of_schema_2_goes_on_as_a_run_of_today(tmp_path, capsys):
    """Resumed with more compute, the ASHA run of 2 December makes the segments a run of today's l2l makes with
    that compute from the start (before: KeyError: 'cohort', a traceback)."""
    path = _copy("4fece3d_asha", tmp_path)
    before = l2l.load(path, segments=True)
    assert main(["resume", str(path), "--compute", "600", "--no-progress"]) == 0, capsys.readouterr().err
    assert l2l.validate(path) == []
    with l2l.Trajectory(path) as trajectory:
        config = l2l.loop.load_run_config(trajectory).with_overrides(compute=600)
    fresh = l2l.load(l2l.run(config, tmp_path / "fresh.h5"), segments=True)
    after = l2l.load(path, segments=True)
    assert len(before) == 105 and len(after) == 237
    assert after[["trial", "budget", "from_budget", "value"]].equals(fresh[["trial", "budget", "from_budget", "value"]])


def test_a_model_based_run_of_schema_2_resumes_with_more_compute(tmp_path, capsys):
    """Its policy state predates probe brackets, repeats and the endgame (before: KeyError: 'probe')."""
    path = _copy("4fece3d_mb", tmp_path)
    before = l2l.load(path, segments=True)
    assert main(["resume", str(path), "--compute", "600", "--no-progress"]) == 0, capsys.readouterr().err
    assert l2l.validate(path) == []
    after = l2l.load(path, segments=True)
    assert (after["budget"] - after["from_budget"]).sum() >= 600
    kept = ["trial", "budget", "from_budget", "value"]
    assert len(after[kept].merge(before[kept])) == len(before) < len(after)  # every old segment kept as it was
    assert main(["show", str(path)]) == 0 and "status: finished" in capsys.readouterr().out

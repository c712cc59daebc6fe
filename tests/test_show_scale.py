"""``l2l show`` and ``l2l resume`` read a bounded number of rows, whatever the size of the file.

The writer stores running statistics with every generation; show takes the
last record and the rows committed after it, resume checks the last rows.
Files without the statistics (written before them) show the same text by
reading every row.
"""

from __future__ import annotations

import time

import h5py
import numpy as np
import pytest

import l2l
from l2l.cli import main
from l2l.jobs.base import Outcome
from l2l.objectives import Objective, pareto_front_mask
from l2l.results_schema import reader
from l2l.results_schema import writer as trajectory_writer
from l2l.results_schema.statistics import pareto_front_2d
from l2l.space import Space
from l2l.summary import show_text, summarize
from conftest import comparable

GENERATIONS, POPULATION, RECENT = 40, 150, 300


def _write(path, objectives, generations=GENERATIONS, population=POPULATION, commit_last=True, seed=0,
           nan_values=True):
    """A file of ``generations`` commits: objectives on a coarse grid (many ties), one row in seven failed
    with an error text, one in eleven timed out, a few successful rows without a finite value."""
    space = Space.from_json({"x": {"type": "float", "low": -1.0, "high": 1.0},
                             "k": {"type": "int", "low": 0, "high": 9},
                             "c": {"type": "categorical", "choices": ["a", "b"]}})
    trajectory_writer.create(path, run={"name": "scale", "seed": seed, "config": {}, "versions": {}, "host": "h",
                                        "user": "u", "created": "", "optimizer": {"name": "random"},
                                        "simulator": {"name": "f"}, "backend": {"name": "serial"}},
                             space=space, objectives=objectives, metrics=("m",))
    rng = np.random.default_rng(seed)
    with trajectory_writer.TrajectoryWriter(path) as writer:
        for generation in range(generations):
            outcomes, params = [], []
            for i in range(population):
                status = "failed" if i % 7 == 3 else "timeout" if i % 11 == 5 else "ok"
                values = {o.name: float(rng.integers(0, 40)) for o in objectives} if status == "ok" else {}
                if status == "ok" and i % 13 == 0 and nan_values:
                    values[objectives[0].name] = float("nan")
                outcomes.append(Outcome(generation, i, int(rng.integers(2 ** 62)), status, objectives=values,
                                        metrics={"m": 1.0}, error="" if status == "ok" else f"boom {generation} {i}",
                                        started=1e9 + generation, duration=0.5))
                params.append({"x": float(rng.uniform(-1, 1)), "k": int(rng.integers(0, 10)),
                               "c": "ab"[i % 2]})
            writer.append(outcomes, params)
            if commit_last or generation < generations - 1:
                writer.commit_generation(generation, evaluations=writer.rows, failed=0, started=0.0, finished=1.0,
                                         summary={s: {o.name: 0.0 for o in objectives}
                                                  for s in ("best", "median", "worst")},
                                         state={"optimizer": {}, "loop": {"generation": generation}})
    return path


def _without_statistics(path, target):
    """A copy of ``path`` as a version of l2l without running statistics wrote it."""
    target.write_bytes(path.read_bytes())
    with h5py.File(target, "a") as f:
        for name in ("generations/statistics_start", "generations/statistics_length", "blobs/statistics"):
            del f[name]
    return target


class _RowsRead:
    """Spy on every read of evaluation rows; full-table readers raise."""

    def __init__(self, monkeypatch):
        self.rows: dict[str, int] = {}  # rows read of each evaluation column, in all
        read, take = reader.Trajectory._read, reader.Trajectory._take
        spy = self

        def counted_read(trajectory, name, stop, start=0):
            if name.startswith("evaluations/") and name != "evaluations/committed":
                spy.rows[name] = spy.rows.get(name, 0) + max(0, min(stop, trajectory.n_evaluations) - start)
            return read(trajectory, name, stop, start)

        def counted_take(trajectory, name, rows):
            spy.rows[name] = spy.rows.get(name, 0) + len(rows)
            return take(trajectory, name, rows)

        def refuse(*args, **kwargs):
            raise AssertionError("the whole evaluations table was read")

        monkeypatch.setattr(reader.Trajectory, "_read", counted_read)
        monkeypatch.setattr(reader.Trajectory, "_take", counted_take)
        monkeypatch.setattr(reader.Trajectory, "evaluations", refuse)
        monkeypatch.setattr(reader, "RECENT_ROWS", RECENT)

    def most(self) -> int:
        """The most rows read of any one column but :data:`SCANNED`."""
        return max((n for name, n in self.rows.items() if name != SCANNED), default=0)


#: The one column show reads whole (8 bytes a row): the first parameter's, where it finds the other evaluations
#: of the best rows' candidates, so that their means are over all of them (with two objectives: whether any
#: candidate was evaluated twice, for the front of the candidates' means).
SCANNED = "evaluations/params/x"


#: What show and resume may read of a column: the last rows, the rows since the last commit, the best kept.
BOUND = RECENT + POPULATION + 50


OBJECTIVE_SETS = {"one objective": (Objective("loss"),),
                  "two objectives": (Objective("loss"), Objective("accuracy", "maximize"))}


@pytest.mark.parametrize("objectives", OBJECTIVE_SETS.values(), ids=OBJECTIVE_SETS.keys())
def test_show_of_a_file_with_many_commits_reads_only_the_last_rows_and_the_best(tmp_path, monkeypatch, objectives):
    path = _write(tmp_path / "run.h5", objectives)
    old = _without_statistics(path, tmp_path / "old.h5")
    with l2l.Trajectory(old) as trajectory:  # every row read: the text of files written before the statistics
        expected = show_text(trajectory, top=7).replace(str(old), str(path))
    spy = _RowsRead(monkeypatch)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_evaluations == GENERATIONS * POPULATION
        text = show_text(trajectory, top=7)
    assert text == expected
    assert "Pareto front" in text if len(objectives) == 2 else "best 7 by loss" in text
    assert 0 < spy.most() <= BOUND < GENERATIONS * POPULATION / 10
    assert spy.rows.get(SCANNED, 0) <= GENERATIONS * POPULATION + BOUND


def test_a_summary_from_the_statistics_equals_one_counted_from_every_row(tmp_path, monkeypatch):
    objectives = OBJECTIVE_SETS["two objectives"]
    path = _write(tmp_path / "run.h5", objectives, commit_last=False)  # rows after the last commit, too
    old = _without_statistics(path, tmp_path / "old.h5")
    with l2l.Trajectory(old) as trajectory:
        expected = summarize(trajectory)
    spy = _RowsRead(monkeypatch)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.statistics()["rows"] == (GENERATIONS - 1) * POPULATION
        summary = summarize(trajectory)
    assert spy.most() == POPULATION  # the rows after the last commit
    assert summary.failed == expected.failed > 0 and summary.timeouts == expected.timeouts > 0
    assert summary.best == expected.best and summary.last_error == expected.last_error != ""
    assert summary.last_completion == expected.last_completion


def test_statistics_continue_across_writers_and_a_repair(tmp_path):
    objectives = OBJECTIVE_SETS["one objective"]
    path = _write(tmp_path / "run.h5", objectives, generations=5, commit_last=False)
    with trajectory_writer.TrajectoryWriter(path, keep_rows=4 * POPULATION) as writer:  # drops uncommitted rows
        assert writer.rows == 4 * POPULATION
        writer.append([Outcome(9, 0, 1, "ok", objectives={"loss": -100.0}, started=1e9, duration=1.0)],
                      [{"x": 0.5, "k": 1, "c": "b"}])
        writer.commit_generation(9, evaluations=writer.rows, failed=0, started=0.0, finished=1.0,
                                 summary={s: {"loss": 0.0} for s in ("best", "median", "worst")},
                                 state={"optimizer": {}, "loop": {"generation": 9}})
    with l2l.Trajectory(path) as trajectory:
        record = trajectory.statistics()
        assert record["rows"] == trajectory.n_evaluations == 4 * POPULATION + 1
        assert record["best"]["loss"] == [-100.0, 9, 0]
        assert summarize(trajectory).best["loss"].value == -100.0


def test_a_file_written_before_the_statistics_still_shows_and_resumes(tmp_path, capsys):
    config = l2l.from_mapping({"run": {"name": "old", "seed": 2, "generations": 3},
                               "space": {"x": {"low": -2.0, "high": 2.0}},
                               "optimizer": {"name": "random", "population_size": 5},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "new.h5")
    old = _without_statistics(path, tmp_path / "old.h5")
    assert main(["show", str(old)]) == 0
    shown_old = capsys.readouterr().out
    assert main(["show", str(path)]) == 0
    assert capsys.readouterr().out == shown_old.replace(str(old), str(path))
    assert main(["resume", str(old), "--generations", "5", "--no-progress"]) == 0
    with l2l.Trajectory(old) as trajectory:
        assert trajectory.n_generations == 5 and trajectory.statistics() is None


def test_resume_of_a_run_with_many_generations_reads_only_its_last_rows(tmp_path, monkeypatch, capsys):
    config = l2l.from_mapping({"run": {"name": "long", "seed": 4, "generations": 30},
                               "space": {"x": {"low": -2.0, "high": 2.0}, "y": {"low": -2.0, "high": 2.0}},
                               "optimizer": {"name": "random", "population_size": 40},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    reference = l2l.run(config.with_overrides(generations=32), tmp_path / "reference.h5")
    path = l2l.run(config, tmp_path / "run.h5")
    spy = _RowsRead(monkeypatch)
    assert main(["resume", str(path), "--generations", "32", "--no-progress"]) == 0
    assert "done in" in capsys.readouterr().out
    assert 0 < spy.most() <= BOUND < 30 * 40
    assert spy.rows.get(SCANNED, 0) <= 32 * 40 + BOUND  # the closing table's scan, once, and the rows it reads
    monkeypatch.undo()
    assert comparable(l2l.load(path)).equals(comparable(l2l.load(reference)))


def test_the_fast_pareto_front_of_two_objectives_is_the_general_one():
    for seed in range(100):
        rng = np.random.default_rng(seed)
        scores = rng.integers(0, 5, (int(rng.integers(0, 50)), 2)).astype(float)
        if len(scores):
            scores[rng.integers(0, len(scores), 2)] = [np.nan, 1.0]
            scores[rng.integers(0, len(scores), 1), 1] = np.inf
        np.testing.assert_array_equal(pareto_front_2d(scores), pareto_front_mask(scores))


def test_the_writer_keeps_its_speed_path_and_the_rows_it_was_given(tmp_path):
    """The C-level column building stores exactly the values of the outcomes, also for mixed inputs."""
    objectives = OBJECTIVE_SETS["one objective"]
    path = _write(tmp_path / "run.h5", objectives, generations=1, population=3)
    with trajectory_writer.TrajectoryWriter(path) as writer:
        writer.append([Outcome(1, 0, 7, "ok", objectives={"loss": np.float32(0.25)}, metrics={"m": 2},
                               started=time.time(), duration=0.0),
                       Outcome(1, 1, 8, "failed", error="é", started=time.time(), duration=0.0)],
                      [{"x": np.float64(0.5), "k": np.int64(3), "c": "b"}, {"x": 1, "k": 2, "c": "a"}])
    frame = l2l.load(path)
    last = frame[frame["generation"] == 1].reset_index(drop=True)
    assert last["loss"].iloc[0] == 0.25 and np.isnan(last["loss"].iloc[1])
    assert list(last["x"]) == [0.5, 1.0] and list(last["k"]) == [3, 2] and list(last["c"]) == ["b", "a"]
    assert last["m"].iloc[0] == 2.0 and np.isnan(last["m"].iloc[1])
    assert last["error"].iloc[1] == "é"


def test_a_damaged_statistics_record_is_ignored_and_every_row_read(tmp_path):
    objectives = OBJECTIVE_SETS["one objective"]
    path = _write(tmp_path / "run.h5", objectives, generations=3)
    old = _without_statistics(path, tmp_path / "old.h5")
    with l2l.Trajectory(old) as trajectory:
        expected = show_text(trajectory).replace(str(old), str(path))
    with h5py.File(path, "a") as f:
        f["blobs/statistics"][:] = 7  # not an encoded value any more
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.statistics() is None
        assert show_text(trajectory) == expected
    with trajectory_writer.TrajectoryWriter(path) as writer:  # the writer stops keeping statistics
        writer.append([Outcome(5, 0, 1, "ok", objectives={"loss": -1.0}, started=1e9, duration=1.0)],
                      [{"x": 0.5, "k": 1, "c": "b"}])
        writer.commit_generation(5, evaluations=writer.rows, failed=0, started=0.0, finished=1.0,
                                 summary={s: {"loss": 0.0} for s in ("best", "median", "worst")},
                                 state={"optimizer": {}, "loop": {"generation": 5}})
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.statistics() is None and summarize(trajectory).best["loss"].value == -1.0


@pytest.mark.parametrize("objectives", OBJECTIVE_SETS.values(), ids=OBJECTIVE_SETS.keys())
def test_validate_recomputes_every_record_of_the_running_statistics(tmp_path, objectives, capsys):
    path = _write(tmp_path / "run.h5", objectives, generations=12, nan_values=False)  # ties, failures, timeouts
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    from l2l.results_schema import codec
    with h5py.File(path, "r+") as f:  # a record whose best no longer matches its rows (show would trust it)
        gen, blob = f["generations"], f["blobs/statistics"]
        start, length = int(gen["statistics_start"][7]), int(gen["statistics_length"][7])
        record = codec.decode(blob[start:start + length])
        record["best"]["loss"] = [-1.0, 3, 0]
        data = np.frombuffer(codec.encode(record), dtype="u1")
        blob.resize((blob.shape[0] + len(data),))
        blob[-len(data):] = data
        gen["statistics_start"][7], gen["statistics_length"][7] = blob.shape[0] - len(data), len(data)
    assert main(["validate", str(path)]) != 0
    out = capsys.readouterr()
    assert "running statistics of generation 7 differ from its rows (best loss)" in out.out + out.err

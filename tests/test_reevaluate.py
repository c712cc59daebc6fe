"""Re-evaluation of winners on fresh seeds: rows apart, fresh seeds, ranking in show/report/compare, CLI, safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.cli import main
from l2l.errors import ConfigError
from l2l.reevaluate import after_run, fresh_seeds, ranking, ranking_text, reevaluate
from l2l.results_schema.lock import WriterLock
from l2l.results_schema.reader import Trajectory
from conftest import comparable

TESTS = Path(__file__).resolve().parent

NOISY = {"run": {"name": "noisy", "seed": 3, "generations": 3},
         "space": {"x": {"type": "float", "low": -2.0, "high": 2.0, "shape": [2]},
                   "c": {"type": "categorical", "choices": ["a", "b"]}},
         "optimizer": {"name": "ga", "population_size": 8},
         "simulator": {"name": "python", "function": "test_reevaluate:noisy_sphere", "path": str(TESTS)},
         "backend": {"name": "serial"}}


def noisy_sphere(params, seed, marker=""):
    """Sphere plus unit Gaussian noise from the seed; with a marker file, SIGKILLs itself on its 30th call."""
    if marker and os.path.exists(marker):
        with open(marker, "a") as handle:
            handle.write("x")
        if os.path.getsize(marker) >= 30:
            os.kill(os.getpid(), signal.SIGKILL)
        import time
        time.sleep(0.05)
    x = np.asarray(params["x"], dtype=float)
    return float(x @ x + (params["c"] == "b") + np.random.default_rng(seed).standard_normal())


def _run(tmp_path, name="run.h5", **run):
    data = {**NOISY, "run": {**NOISY["run"], **run}}
    return l2l.run(l2l.from_mapping(data), tmp_path / name)


def test_rows_are_stored_apart_on_fresh_seeds_shared_by_all_candidates(tmp_path):
    path = _run(tmp_path)
    before = l2l.load(path)
    table = reevaluate(path, top=3, seeds=4)
    rows = l2l.load(path, reevaluations=True)
    assert comparable(l2l.load(path)).equals(comparable(before))  # /evaluations untouched
    assert len(rows) == 12 and (rows["status"] == "ok").all()
    assert not set(rows["seed"]) & set(before["seed"])  # seeds no selection used
    assert rows.groupby(["generation", "individual"])["seed"].apply(tuple).nunique() == 1  # the same 4 seeds
    assert list(table["seeds"]) == [4, 4, 4] and table["mean"].is_monotonic_increasing
    assert set(table["rank"]) == {1, 2, 3} and set(table["selection rank"]) == {1, 2, 3}
    # selection's best values are biased low on a noisy objective: their re-evaluated means are higher
    assert table["mean"].mean() > table["selected"].mean()
    assert l2l.validate(path) == []


def test_fresh_seeds_skip_the_seeds_of_the_run_and_are_reproducible():
    seeds = fresh_seeds(7, 5)
    assert fresh_seeds(7, 5) == seeds and len(set(seeds)) == 5 and fresh_seeds(7, 3) == seeds[:3]
    assert fresh_seeds(7, 5, taken=seeds[:2]) == seeds[2:] + fresh_seeds(7, 7)[5:]
    assert all(0 <= s < 2 ** 63 for s in seeds) and fresh_seeds(8, 5) != seeds


def test_the_top_candidates_are_distinct_parameter_sets(tmp_path):
    path = _run(tmp_path)
    reevaluate(path, top=5, seeds=2)
    frame = l2l.load(path)
    table = ranking(path)
    params = frame.set_index(["generation", "individual"])[["x[0]", "x[1]", "c"]]
    chosen = params.loc[list(zip(table["generation"], table["individual"]))]
    assert len(chosen.drop_duplicates()) == 5


def test_rows_survive_resume_and_validate_and_a_second_call_adds_only_what_is_missing(tmp_path):
    path = _run(tmp_path)
    reevaluate(path, top=2, seeds=3)
    first = l2l.load(path, reevaluations=True)
    l2l.resume(path, generations=5)
    assert l2l.load(path)["generation"].max() == 4
    kept = l2l.load(path, reevaluations=True)
    assert kept.equals(first) and l2l.validate(path) == []
    reevaluate(path, top=2, seeds=5)
    grown = l2l.load(path, reevaluations=True)
    # the first rows are kept as they were (same start times); only the missing ones ran
    merged = grown.merge(first, on=["generation", "individual", "repeat"], suffixes=("", "_first"))
    assert len(merged) == len(first) and (merged["started"] == merged["started_first"]).all()
    assert len(grown) >= 10 and l2l.validate(path) == []


def test_the_run_option_reevaluates_a_finished_run_and_nothing_else(tmp_path):
    plain = _run(tmp_path, "plain.h5")
    assert after_run(plain) is None and not Trajectory(plain).has_reevaluations
    path = _run(tmp_path, reevaluate={"top": 2, "seeds": 3})
    assert l2l.load_config  # the option round-trips through the stored config:
    with Trajectory(path) as trajectory:
        assert trajectory.run["config"]["run"]["reevaluate"] == {"top": 2, "seeds": 3}
        assert trajectory.has_reevaluations  # l2l.run re-evaluated when the run finished
    assert len(ranking(path)) == 2
    table = after_run(path)
    assert len(table) == 2 and list(table["seeds"]) == [3, 3]


def test_the_run_option_leaves_a_stopped_run_alone(tmp_path):
    from l2l.results_schema.writer import TrajectoryWriter
    path = _run(tmp_path, reevaluate={"top": 2, "seeds": 3})  # l2l.run may apply the option itself
    before = len(l2l.load(path, reevaluations=True))
    with TrajectoryWriter(path) as writer:
        writer.event("stopped", {"reason": "SIGTERM"})
    assert after_run(path) is None and len(l2l.load(path, reevaluations=True)) == before


@pytest.mark.parametrize("value, words", [
    ({"top": 0, "seeds": 3}, ["run.reevaluate.top", ">= 1", "0"]),
    ({"top": 2}, ["run.reevaluate is missing seeds", "{top = 2}"]),
    ({"top": 2, "seeds": 3, "k": 1}, ["run.reevaluate.k"]),
    (5, ["run.reevaluate", "table"]),
])
def test_a_bad_run_option_is_refused_before_any_work(value, words):
    with pytest.raises(ConfigError) as err:
        l2l.from_mapping({**NOISY, "run": {**NOISY["run"], "reevaluate": value}})
    assert all(w in str(err.value) for w in words)


def test_show_report_and_compare_give_the_reevaluated_ranking(tmp_path, capsys, monkeypatch):
    from l2l.plot import figures

    path = _run(tmp_path)
    other = _run(tmp_path, "other.h5", seed=4)
    assert main(["reevaluate", str(path), "--top", "2", "--seeds", "3"]) == 0
    assert "re-evaluated on fresh seeds: 2 candidates" in capsys.readouterr().out
    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "re-evaluated on fresh seeds" in shown and "mean ± ci95" in shown
    assert main(["show", str(other)]) == 0 and "re-evaluated" not in capsys.readouterr().out
    # the test reads the report's text, not its figures: one figure (the overview), at the least resolution
    monkeypatch.setattr(figures, "KINDS", ("overview",))
    assert main(["report", str(path), "--dpi", "20"]) == 0
    capsys.readouterr()
    html = path.with_suffix(".html").read_text()
    assert 'id="reevaluated"' in html and "fresh seeds each" in html
    assert main(["compare", str(path), str(other), "-o", str(tmp_path / "c.png"), "--dpi", "20"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "re-evaluated value" in lines[0]
    mean = ranking(path)["mean"].iloc[0]
    assert f"{mean:.6f}"[:6] in lines[1] and "NaN" in lines[2]
    from l2l.plot.compare import table
    counts = table([path, other])
    assert counts["fresh seeds"].tolist()[0] == 3 and str(counts["fresh seeds"].dtype) == "Int64"  # not '3.0'
    assert lines[1].split()[-1] == "3" and lines[2].split()[-1] == "<NA>", lines
    # the overview's title names the re-evaluated winner beside the recorded best
    from l2l.numbers import number
    from l2l.plot import overview
    first = ranking(path).iloc[0]
    title = overview(path)._suptitle.get_text()
    assert (f"re-evaluated on 3 fresh seeds, best of 2: {number(mean)}" in title
            and f"generation {first['generation']}, individual {first['individual']})" in title), title
    assert "re-evaluated" not in overview(other)._suptitle.get_text()


@pytest.mark.parametrize("arguments, words", [
    (["--top", "0"], ["top", ">= 1"]),
    (["--seeds", "-2"], ["seeds", ">= 1"]),
    (["--objective", "loss"], ["objective 'loss'", "value"]),
    (["--backend", "nope"], ["backend 'nope'"]),
])
def test_the_command_refuses_bad_input_with_exit_status_2(tmp_path, capsys, arguments, words):
    path = _run(tmp_path)
    assert main(["reevaluate", str(path), *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error:") and len(err.strip().splitlines()) == 1
    assert all(w in err for w in words) and not Trajectory(path).has_reevaluations


def test_the_command_refuses_missing_foreign_and_locked_files(tmp_path, capsys):
    assert main(["reevaluate", str(tmp_path / "none.h5")]) == 2
    assert "no such file" in capsys.readouterr().err
    foreign = tmp_path / "foreign.h5"
    foreign.write_bytes(b"not hdf5 at all" * 10)
    assert main(["reevaluate", str(foreign)]) == 2
    capsys.readouterr()
    path = _run(tmp_path)
    with WriterLock(path):
        assert main(["reevaluate", str(path), "--top", "1", "--seeds", "1"]) == 2
    assert "being written by another run in this process" in capsys.readouterr().err


def test_a_reevaluation_killed_with_sigkill_keeps_its_committed_rows_and_finishes_later(tmp_path):
    marker = tmp_path / "marker"
    data = {**NOISY, "simulator": {**NOISY["simulator"], "kwargs": {"marker": str(marker)}}}
    path = l2l.run(l2l.from_mapping(data), tmp_path / "run.h5")
    marker.write_text("")
    script = textwrap.dedent(f"""
        from l2l.reevaluate import reevaluate
        reevaluate({str(path)!r}, top=4, seeds=10)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS)])}
    result = subprocess.run([sys.executable, "-c", script], env=env, timeout=120)
    assert result.returncode == -signal.SIGKILL
    assert l2l.validate(path) == []
    partial = l2l.load(path, reevaluations=True)
    assert 0 < len(partial) < 29  # rows committed before the kill, never the one being evaluated
    marker.unlink()
    reevaluate(path, top=4, seeds=10)
    rows = l2l.load(path, reevaluations=True)
    assert len(rows) == 40 and not rows.duplicated(["generation", "individual", "repeat"]).any()
    assert l2l.validate(path) == []
    same = rows.merge(partial, on=["generation", "individual", "repeat"], suffixes=("", "_partial"))
    assert len(same) == len(partial) and (same["value"] == same["value_partial"]).all()


def test_a_file_of_schema_version_1_can_be_reevaluated_and_stays_valid(tmp_path):
    import h5py
    path = _run(tmp_path)
    with h5py.File(path, "r+") as f:  # what l2l wrote before schema version 2
        for name in ("trial", "budget", "from_budget", "checkpoint_start", "checkpoint_length"):
            del f[f"evaluations/{name}"]
        del f["blobs/checkpoints"]
        f.attrs["schema_version"] = 1
    table = reevaluate(path, top=2, seeds=2)
    assert len(table) == 2 and l2l.validate(path) == []
    with Trajectory(path) as trajectory:
        assert trajectory.schema_version == 1 and len(trajectory.reevaluations()) == 4


def test_a_multi_fidelity_run_reevaluates_its_candidates_at_the_top_budget_from_scratch(tmp_path):
    config = l2l.from_mapping({"run": {"seed": 1, "compute": 300},
                               "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
                               "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
                               "simulator": {"name": "sphere", "multi_fidelity": True, "noise": 0.5},
                               "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "mf.h5")
    table = reevaluate(path, top=2, seeds=3)
    rows = l2l.load(path, reevaluations=True)
    with Trajectory(path) as trajectory:
        top = trajectory.top_budget
    assert len(rows) == 6 and (rows["budget"] == top).all() and (rows["status"] == "ok").all()
    segments = l2l.load(path, segments=True)
    chosen = segments.set_index(["generation", "individual"]).loc[list(zip(table["generation"], table["individual"]))]
    assert (chosen["budget"] == top).all() and l2l.validate(path) == []
    # the ranking names each candidate by its trial, as l2l show does, and with its parameters
    assert table["trial"].tolist() == chosen["trial"].tolist()
    text = ranking_text(table)
    header = text.splitlines()[1].split()
    assert "trial" in header and "generation" not in header and "x[0]" in header, text


def test_a_reevaluation_on_the_local_dask_backend_gives_the_rows_of_the_serial_one(tmp_path):
    # every candidate on several seeds: chunks that start with the same candidate (a Dask key once merged
    # two of them into one future, and the main job of the Quick start died with a KeyError)
    path = _run(tmp_path)
    twin = tmp_path / "twin.h5"
    twin.write_bytes(path.read_bytes())
    serial = reevaluate(path, top=3, seeds=6)
    # one worker process (a second cost its start): the chunks start with the same candidates all the same
    local = reevaluate(twin, top=3, seeds=6, backend="local", workers=1)
    columns = ["generation", "individual", "seeds", "mean", "failed"]
    assert local[columns].equals(serial[columns]) and list(local["seeds"]) == [6, 6, 6]
    rows = l2l.load(twin, reevaluations=True)
    assert len(rows) == 18 and (rows["status"] == "ok").all()


def test_runs_a_backend_made_by_itself_count_in_the_reevaluated_rows_attempts(tmp_path, monkeypatch):
    """A backend that started every re-evaluation twice (a slurm-array job lost and resubmitted, a Dask worker
    that left): each row's attempts say 2, as the run's rows do (before: 1, the second run counted nowhere)."""
    from test_array_resubmit_compute import serial_started_twice

    path = _run(tmp_path)
    serial_started_twice(monkeypatch)
    reevaluate(path, top=2, seeds=3)
    rows = l2l.load(path, reevaluations=True)
    assert len(rows) == 6 and (rows["attempts"] == 2).all()

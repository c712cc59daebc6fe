"""Small things, session 32 (small32): a relative path option of a config means the config's folder (small31c); a
user who gave one meaning the working folder, where the file or folder is, is told so in the line that reports it
missing or waits for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from l2l.config import load_config, relative_hint
from l2l.errors import ConfigError, ExecutorError

REPO = Path(__file__).resolve().parents[1]
SPACE = "[space]\nx = {low = -1.0, high = 1.0}\n"
SPHERE = '[simulator]\nname = "sphere"\n'


def _setup(tmp_path: Path, monkeypatch, text: str, *made: str) -> Path:
    """The config ``text`` in tmp_path/conf, the working folder tmp_path/work holding the files ``made``."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "run.toml").write_text(SPACE + text)
    for name in made:
        path = tmp_path / "work" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"address": "tcp://127.0.0.1:1"}')
    (tmp_path / "work").mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "conf" / "run.toml"


def _hint(tmp_path: Path, given: str) -> str:
    return f"(relative paths mean the config's folder, {tmp_path / 'conf'}; {given} exists in the working folder)"


def test_dask_scheduler_file_in_the_working_folder_is_named_as_its_wait_ends(tmp_path, monkeypatch, capsys):
    """`dask scheduler --scheduler-file s.json` started in the working folder, the config elsewhere: the run waited
    for conf/s.json until the timeout, its lines naming only that path."""
    import l2l.jobs.dask_existing as dask_jobs

    config = load_config(_setup(tmp_path, monkeypatch, SPHERE + '[backend]\nname = "dask"\nscheduler_file = '
                                '"s.json"\ntimeout = 0.3\n', "s.json"))
    executor = dask_jobs.DaskExecutor(**config.backend.options)
    monkeypatch.setattr(dask_jobs, "WAIT_NOTICE_SECONDS", 0.0)
    with pytest.raises(ExecutorError) as refused:
        executor._reach()
    assert _hint(tmp_path, "./s.json") in str(refused.value)
    said = capsys.readouterr().err
    assert "waiting up to 0.3 s" in said and _hint(tmp_path, "./s.json") in said
    assert len(str(refused.value).splitlines()) == 1


def test_dask_scheduler_file_whose_folder_is_only_in_the_working_folder(tmp_path, monkeypatch):
    text = SPHERE + '[backend]\nname = "dask"\nscheduler_file = "sched/s.json"\n'
    with pytest.raises(ConfigError) as refused:
        from l2l.loop import build
        build(load_config(_setup(tmp_path, monkeypatch, text, "sched/s.json")))
    assert "does not exist, nor does its folder" in str(refused.value)
    assert str(refused.value).endswith(_hint(tmp_path, "./sched/s.json"))


def test_python_path_only_in_the_working_folder(tmp_path, monkeypatch):
    text = '[simulator]\nname = "python"\nfunction = "m:f"\npath = "models"\n'
    (tmp_path / "work" / "models").mkdir(parents=True)
    with pytest.raises(ConfigError) as refused:
        load_config(_setup(tmp_path, monkeypatch, text))
    assert str(refused.value).endswith(_hint(tmp_path, "./models"))


def test_slurm_log_directory_made_beside_the_config_says_the_working_folders(tmp_path, monkeypatch, capsys):
    """A log_directory that exists in the working folder only: the jobs' logs went to a new folder beside the
    config, silently."""
    from l2l.jobs.slurm import SlurmExecutor

    config = load_config(_setup(tmp_path, monkeypatch, SPHERE + '[backend]\nname = "slurm"\nlog_directory = '
                                '"logs"\n', "logs/old.out"))
    executor = SlurmExecutor(**config.backend.options)

    class Stop(Exception):
        pass

    def stop() -> None:
        raise Stop()
    monkeypatch.setattr(executor, "check_submission", stop)
    with pytest.raises(Stop):
        executor._connect()
    said = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert said == [f"l2l: warning: backend 'slurm': log_directory {tmp_path / 'conf' / 'logs'} does not exist and "
                    f"is made {_hint(tmp_path, './logs')}"]


def test_no_hint_where_the_path_is_there_or_not_in_the_working_folder(tmp_path, monkeypatch):
    config = load_config(_setup(tmp_path, monkeypatch, SPHERE + '[backend]\nname = "dask"\nscheduler_file = '
                                '"s.json"\n'))
    assert relative_hint(config.backend.options["scheduler_file"]) == ""  # nowhere
    (tmp_path / "work" / "s.json").write_text("{}")
    assert relative_hint(config.backend.options["scheduler_file"]) != ""
    (tmp_path / "conf" / "s.json").write_text("{}")  # there: nothing to say
    assert relative_hint(config.backend.options["scheduler_file"]) == ""
    assert relative_hint(str(tmp_path / "work" / "s.json")) == ""  # not made relative


# -- tell_partial from a loop of one's own (scripts/fuzz_optimizers_api.py, session 32) ------------------------------
@pytest.mark.parametrize("name", ["gp", "tpe"])
@pytest.mark.parametrize("mistake, words", [
    ("scores of the wrong count", "4 candidates need scores of shape (4, 1)"),
    ("budgets of the wrong count", "4 candidates need 4 budgets, one each, got shape (5,)"),
    ("a NaN candidate", "candidate 0 holds a NaN or infinite value"),
    ("a +inf score", "is +inf, better than any"),
])
def test_tell_partial_misuse_is_refused_in_one_line(name, mistake, words):
    """tell_partial (documented for a loop of one's own, docs/optimizers.md) ended in numpy's reshape errors
    (ValueError) for scores or budgets of the wrong count, and took a NaN candidate and a +inf score."""
    from l2l.optimizers import OPTIMIZERS
    from l2l.testing.problems import evaluate, mixed_problem

    options = {"population_size": 4, **({"learn_from_stopped": True, "n_candidates": 50} if name == "gp" else {})}
    optimizer = OPTIMIZERS.create(name, options)
    problem = mixed_problem(1)
    state = optimizer.init(problem, 3)
    candidates, state = optimizer.ask(problem, state, 4)
    candidates = np.array(candidates, dtype=float)
    scores, budgets = np.array(evaluate(problem, candidates)[0], dtype=float), np.ones(4)
    given = {"candidates": candidates.copy(), "budgets": budgets.copy(), "scores": scores.copy()}
    if mistake == "scores of the wrong count":
        given["scores"] = scores[:3]
    elif mistake == "budgets of the wrong count":
        given["budgets"] = np.ones(5)
    elif mistake == "a NaN candidate":
        given["candidates"][0, 0] = np.nan
    else:
        given["scores"][1, 0] = np.inf
    with pytest.raises(ConfigError) as refused:
        optimizer.tell_partial(problem, state, given["candidates"], given["budgets"], given["scores"])
    assert words in str(refused.value) and f"optimizer {name!r}: tell_partial" in str(refused.value)
    assert len(str(refused.value).splitlines()) == 1
    told = optimizer.tell_partial(problem, state, candidates, budgets, scores)  # the right ones: taken
    assert len(told["partial"]["scores"]) >= 4


def test_from_mapping_user_file_must_be_a_bool():
    """l2l.from_mapping(table, user_file=np.array([1, 2])) ended in numpy's 'truth value of an array' ValueError from
    the check of run.generations (scripts/fuzz_python_api.py, session 32)."""
    import l2l
    from l2l.errors import ArgumentError

    table = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "sphere", "run": {"generations": 2}}
    with pytest.raises(ArgumentError, match=r"^user_file must be True or False, got ndarray array\(\[1, 2\]\)$"):
        l2l.from_mapping(table, user_file=np.array([1, 2]))
    assert l2l.from_mapping(table, user_file=np.bool_(True)).generations == 2


def test_validate_reads_the_blobs_in_bounded_batches(tmp_path, monkeypatch):
    """l2l validate read the blobs of up to 65,536 rows at once: a run of 88 MiB traces (2 GB, scripts/fuzz_sim31.py)
    took 4.2 GB of memory and 108 s at load 16-20. Now a batch spans at most BATCH_BYTES (a larger row alone), and
    a damaged trace past the first batch is still found."""
    import h5py

    import l2l
    import l2l.results_schema.validate as validate_module
    from l2l.simulators import SimulationResult

    def model(params, seed):
        return SimulationResult(objectives={"value": float(params["x"]) ** 2}, traces={"t": np.zeros(500)})

    config = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
              "optimizer": {"name": "random", "population_size": 3}, "run": {"generations": 2, "seed": 1},
              "backend": {"name": "serial"}}
    path = tmp_path / "run.h5"
    l2l.run(config, path, simulator=model)
    monkeypatch.setattr(validate_module, "BATCH_BYTES", 5000, raising=False)
    spans = []
    read = h5py.Dataset.__getitem__

    def spied(dataset, key):
        if dataset.name == "/blobs/traces" and isinstance(key, slice):
            spans.append(key.stop - key.start)
        return read(dataset, key)
    monkeypatch.setattr(h5py.Dataset, "__getitem__", spied)
    assert l2l.validate(path) == []
    with h5py.File(path, "r") as f:
        row = int(f["evaluations/trace_length"][0])
    assert len(spans) >= 2 and max(spans) <= max(5000, row)
    with h5py.File(path, "r+") as f:  # the last row's trace damaged: found in a later batch
        start, length = int(f["evaluations/trace_start"][5]), int(f["evaluations/trace_length"][5])
        f["blobs/traces"][start:start + length] = np.frombuffer(b"\xff" * length, dtype=np.uint8)
    assert any("the trace of evaluation row 5" in problem for problem in l2l.validate(path))

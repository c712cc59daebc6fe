"""Dask backends: an explicit ``chunk_size`` with ``run.target`` is kept, and the run says so in one line.

A run with a target sends its evaluations one per Dask task until their length is known, so that a result that
reaches the target ends the run at once. An explicit ``chunk_size`` (a user's choice against the cost of a task per
evaluation) overrides that: the reaching result comes back only with the rest of its chunk, up to chunk_size - 1
evaluations later, and nothing said so. The chunk size is kept (a target run of 10 ms evaluations would otherwise
send a task per evaluation against the user's word); one line as the run starts says what it costs.
"""

from __future__ import annotations

import pytest

import l2l
from l2l.config import from_mapping


@pytest.fixture(scope="module")
def address():
    from distributed import LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                      protocol="tcp://", host="127.0.0.1") as cluster:
        yield cluster.scheduler_address


def zero(params, seed):
    return {"value": 0.0}  # every result reaches the target


def _run(tmp_path, address: str, name: str, chunk_size: int, target: float | None) -> int:
    run = {"name": name, "seed": 1, "generations": 3, **({"target": target} if target is not None else {})}
    config = from_mapping({"run": run, "space": {"x": {"type": "float", "low": -1, "high": 1}},
                           "optimizer": {"name": "random", "population_size": 8}, "simulator": {"name": "python"},
                           "backend": {"name": "dask", "address": address, "chunk_size": chunk_size}},
                          base_dir=tmp_path)
    return len(l2l.load(l2l.run(config, tmp_path / f"{name}.h5", simulator=zero)))


def _notes(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: note:")]


def test_an_explicit_chunk_size_with_a_target_is_kept_and_said_once(tmp_path, address, capsys):
    rows = _run(tmp_path, address, "chunks", chunk_size=4, target=0.5)
    # the first result reached the target; its chunk's other three came back with it (a second chunk of four may
    # have finished in the same wait): the chunk size was kept
    assert rows in (4, 8), rows
    # before: nothing said
    assert _notes(capsys) == [
        "l2l: note: backend 'dask': chunk_size = 4 is kept with run.target: a result that reaches the target comes "
        "back with its chunk, so up to 3 evaluation(s) may run after it before the run ends (chunk_size = 1 ends it "
        "at that result)"]


@pytest.mark.parametrize("chunk_size, target", [(1, 0.5), (0, 0.5), (4, None)])
def test_nothing_is_said_of_chunks_of_one_or_without_a_target(tmp_path, address, capsys, chunk_size, target):
    rows = _run(tmp_path, address, "quiet", chunk_size=chunk_size, target=target)
    assert rows >= 1 if target is not None else rows == 3 * 8
    assert _notes(capsys) == []

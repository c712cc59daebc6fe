"""The idle-workers warning of an asynchronous Nevergrad run names the workers as what they are on each backend,
and an unthrottled ``slurm-array`` treats a fresh ``nevergrad`` run as it treats a resumed one.

* ``slurm-array`` counts its ``max_running`` (its slots; 32 unset, l2l's guess), not a cluster's workers: the line
  said 'the cluster has 3 workers' there, now 'max_running = 3 gives the array 3 slots (its tasks running at
  once)', and '2 per slot'; its refusal of a fresh run names max_running as the other way out. ``slurm``'s
  workers are its worker jobs. ``local`` and ``dask`` are Dask clusters and keep 'the cluster has N workers'.
* Without ``max_running`` a fresh ``nevergrad`` run whose num_workers is below twice the 32 slots l2l counts was
  refused ('... 64 with 32 workers of backend 'slurm-array'; set [optimizer] num_workers = 64'), slots no one gave,
  while a resumed one went on without a word with the slots beyond num_workers / 2 idle. Now both go on with at
  most num_workers / 2 tasks running at once, said in one warning line. ``auto``'s own choice of num_workers, made
  for those guessed slots, is still said nowhere.
"""

from __future__ import annotations

import pytest
from conftest import l2l_cli, write_toml
from slurm_helpers import require_slurm
from test_dask_external_nevergrad import _said

import l2l
from l2l.components import build
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS

pytest.importorskip("nevergrad")

UNTHROTTLED = ("l2l: warning: the array has no max_running, counted as 32 slots (its tasks running at once; "
               "SLURM's queue decides), and optimizer 'nevergrad' {kept}; run.mode = 'async' keeps 2 per slot out at "
               "once; the run goes on with 2 of them busy")
FRESH = "has num_workers = 4: the most candidates it keeps asked and not told"
RESUMED = ("was started with num_workers = 4: the most candidates it keeps asked and not told, which a resumed run "
           "keeps")


def _config(backend: dict, optimizer: dict, generations: int = 3):
    return {"run": {"name": "slots", "seed": 3, "generations": generations, "mode": "async"},
            "space": {"k": {"type": "int", "low": 0, "high": 10},
                      "c": {"type": "categorical", "choices": [0.5, 1.0, 2.0]}},
            "optimizer": optimizer, "simulator": {"name": "sphere"}, "backend": {"name": "slurm-array", **backend}}


def _warned(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: warning")]


def test_an_unthrottled_array_caps_a_fresh_nevergrad_run_as_a_resumed_one_with_one_line(capsys):
    data = _config({}, {"name": "nevergrad", "num_workers": 4})
    for resumed, kept in ((False, FRESH), (True, RESUMED)):
        # before: the fresh run was refused in build ('... 64 with 32 workers of backend 'slurm-array'; set
        # [optimizer] num_workers = 64 (or at most 2 workers)'); the resumed one went on without a word
        executor = build(l2l.from_mapping(data), resumed=resumed).executor
        assert (executor.worker_count, executor.worker_count) == (2, 2)
        assert _warned(capsys) == [UNTHROTTLED.format(kept=kept)]
    # a num_workers that leaves none of the 32 slots idle: nothing to say
    executor = build(l2l.from_mapping(_config({}, {"name": "nevergrad", "num_workers": 64}))).executor
    assert executor.worker_count == 32 and _warned(capsys) == []


def test_a_throttled_array_names_max_running_and_its_slots(capsys):
    data = _config({"max_running": 3}, {"name": "nevergrad", "num_workers": 4})
    executor = build(l2l.from_mapping(data), resumed=True).executor
    assert executor.worker_count == 2
    # before: 'l2l: warning: the cluster has 3 workers, and optimizer 'nevergrad' was started with ... keeps 2 per
    # worker out at once; the run goes on with 2 of them busy'
    assert _warned(capsys) == [
        f"l2l: warning: max_running = 3 gives the array 3 slots (its tasks running at once), and optimizer "
        f"'nevergrad' {RESUMED}; run.mode = 'async' keeps 2 per slot out at once; the run goes on with 2 of them busy"]
    with pytest.raises(ConfigError) as refused:  # a fresh run with a throttle given is still refused, before its file
        build(l2l.from_mapping(data))
    # before: '..., 6 with 3 workers of backend 'slurm-array'; set [optimizer] num_workers = 6 (or at most 2 workers)'
    assert str(refused.value) == (
        "optimizer 'nevergrad' keeps at most num_workers = 4 candidates asked and not told, and run.mode = 'async' "
        "keeps 2 per slot out at once, 6 with the 3 slots of backend 'slurm-array' (max_running); set [optimizer] "
        "num_workers = 6 (or max_running = 2)")


def test_slurm_counts_worker_jobs_and_the_dask_clusters_keep_their_workers(capsys):
    excess = ("the cluster has 3 workers, and optimizer 'auto' chose 'nevergrad' as the run started, with "
              "num_workers = 4: the most candidates it keeps asked and not told; run.mode = 'async' keeps 2 per "
              "worker out at once")
    said = {}
    for name, options in (("slurm", {}), ("local", {"workers": 3})):
        executor = BACKENDS.create(name, options)
        executor.follow_workers(lambda: 2, lambda workers: excess)
        assert executor._busy(3) == 2
        said[name] = _warned(capsys)
    # before: 'the cluster has 3 workers' on slurm too
    assert said["slurm"] == [
        "l2l: warning: the run has 3 worker jobs connected, and optimizer 'auto' chose 'nevergrad' as the run started, "
        "with num_workers = 4: the most candidates it keeps asked and not told; run.mode = 'async' keeps 2 per worker "
        "job out at once; the run goes on with 2 of them busy"]
    assert said["local"] == [f"l2l: warning: {excess}; the run goes on with 2 of them busy"]


@pytest.mark.slurm
def test_a_fresh_nevergrad_run_on_an_unthrottled_array_runs(tmp_path):
    require_slurm()
    out = tmp_path / "fresh.h5"
    config = write_toml(tmp_path / "c.toml", {
        **_config({"walltime": "00:05:00", "poll_max": 1.0}, {"name": "nevergrad", "num_workers": 4}),
        "run": {"name": "slots", "seed": 3, "evaluations": 2, "mode": "async"}})  # 2 at a time (the warning's cap)
    done = l2l_cli("run", config, "--out", out, "--no-progress", cwd=tmp_path, timeout=300)
    # before: exit 2, 'l2l: error: optimizer 'nevergrad' keeps at most num_workers = 4 ... 64 with 32 workers of
    # backend 'slurm-array'; set [optimizer] num_workers = 64 (or at most 2 workers)', nothing run
    assert done.returncode == 0, done.stderr
    assert _said(done.stderr) == [UNTHROTTLED.format(kept=FRESH)], done.stderr
    frame = l2l.load(out)
    assert len(frame) == 2 and bool((frame["status"] == "ok").all())

"""Backend ``slurm-array`` in ``run.mode = 'async'`` with more slots than Nevergrad's num_workers keeps busy (an
asynchronous run keeps two candidates out per slot, and Nevergrad takes at most num_workers asked and untold).

Before, such a run failed at run time, its file created, at the first ask past the limit ("optimizer
'nevergrad': asking 1 more candidates would leave 5 untold, more than num_workers = 4"): ``auto`` with a
``population_size`` below ``max_running``, and ``auto`` with no throttle at all (the array's slots counted as 32,
auto's Nevergrad row told num_workers = 20). Now the array keeps at most num_workers out, as the Dask backends do
(tests/test_local_async_idle_workers.py): slots beyond them are left idle, said in one warning line where
``max_running`` set them, silently where no throttle did.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import l2l_cli, write_toml
from slurm_helpers import require_slurm
from test_dask_external_nevergrad import _said

import l2l
from l2l.jobs import BACKENDS

pytest.importorskip("nevergrad")


@pytest.mark.slurm
def test_auto_with_a_population_size_below_max_running_leaves_the_other_slots_idle_with_one_warning_line(tmp_path):
    require_slurm()
    out = tmp_path / "auto.h5"
    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "array-idle", "seed": 3, "generations": 3, "mode": "async"},
        "space": {"k": {"type": "int", "low": 0, "high": 10},
                  "c": {"type": "categorical", "choices": [0.5, 1.0, 2.0]}},
        "optimizer": {"name": "auto", "population_size": 2},
        "simulator": {"name": "sphere"},
        "backend": {"name": "slurm-array", "max_running": 3, "walltime": "00:05:00", "poll_max": 1.0}})
    done = l2l_cli("run", config, "--out", out, "--no-progress", cwd=tmp_path, timeout=300)
    # before: exit 2, 'optimizer 'nevergrad': asking 1 more candidates would leave 5 untold, more than
    # num_workers = 4 ...', the file created
    assert done.returncode == 0, done.stderr
    assert _said(done.stderr) == [
        "l2l: warning: max_running = 3 gives the array 3 slots (its tasks running at once), and optimizer 'auto' "
        "chose 'nevergrad' as the run started, with num_workers = 4: the most candidates it keeps asked and not "
        "told; run.mode = 'async' keeps 2 per slot out at once; the run goes on with 2 of them busy"], done.stderr
    frame = l2l.load(out)
    assert len(frame) == 3 * 2 and bool((frame["status"] == "ok").all())


def test_an_unthrottled_array_keeps_as_many_out_as_the_optimizer_allows_without_a_word(capsys):
    # no max_running: the array's slots are a guess (32), not workers a user gave, so nothing is said
    unthrottled, throttled = BACKENDS.create("slurm-array", {}), BACKENDS.create("slurm-array", {"max_running": 3})
    assert (unthrottled.worker_count, throttled.worker_count) == (32, 3)
    for executor in (unthrottled, throttled):
        executor.follow_workers(lambda: 10, lambda workers: f"{workers} slots")
    assert (unthrottled.worker_count, throttled.worker_count) == (10, 3)
    unthrottled.follow_workers(lambda: 40, lambda workers: f"{workers} slots")
    throttled.follow_workers(lambda: 2, lambda workers: f"{workers} slots")
    assert (unthrottled.worker_count, throttled.worker_count, throttled.worker_count) == (32, 2, 2)
    assert capsys.readouterr().err == "l2l: warning: 3 slots; the run goes on with 2 of them busy\n"

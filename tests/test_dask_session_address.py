"""Backend ``dask`` whose scheduler Dask's DASK_SCHEDULER_ADDRESS names (no [backend] address): each session records
the address it used, and where it came from, where an address given is recorded (the run's backend, each session's
``started``/``resumed`` event), so that ``l2l show`` says which cluster the run used. Before, such a run was
recorded as ``dask`` alone. The run's config keeps no address: ``l2l resume`` takes Dask's setting again (a
scheduler started again elsewhere is reached through it, as before).
"""

from __future__ import annotations

import json

import dask.config
from conftest import write_toml
from test_dask_external_nevergrad import cluster  # noqa: F401 - the fixture: 3 workers in this process

import l2l
from l2l.cli import main
from l2l.summary import summary_of


def test_the_address_from_dasks_setting_is_recorded_and_shown_and_resume_takes_the_setting_again(
        tmp_path, monkeypatch, capsys, cluster):  # noqa: F811
    address = cluster.scheduler_address
    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "env", "seed": 1, "generations": 1},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 3}, "simulator": {"name": "sphere"},
        "backend": {"name": "dask"}})
    out = tmp_path / "env.h5"
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)  # as the user sets it (Dask read it as it was imported)
    with dask.config.set({"scheduler-address": address}):
        assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
        assert main(["resume", str(out), "--generations", "2", "--no-progress"]) == 0
    used = {"name": "dask", "address": address, "address_from": "DASK_SCHEDULER_ADDRESS"}
    summary = summary_of(out)
    # before: {"name": "dask"}, in the backend line of l2l show as in the events
    assert summary.backend == used and summary.backends == json.dumps(used), summary.backends
    with l2l.Trajectory(out) as trajectory:
        events = trajectory.events()
    assert [json.loads(detail)["backend"] for kind, detail in zip(events["kind"], events["detail"])
            if kind in ("started", "resumed")] == [used, used]
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    assert f"backend    {json.dumps(used)}\n" in capsys.readouterr().out
    # the config the run resumes from has no address: Dask's setting names the scheduler again
    with l2l.Trajectory(out) as trajectory:
        assert trajectory.run["config"]["backend"] == {"name": "dask"}
    assert len(l2l.load(out)) == 6

"""``l2l resume FILE --backend dask`` reaches a scheduler named by Dask's own setting, DASK_SCHEDULER_ADDRESS.

Found by a user who stopped a run on the ``local`` backend and wanted to finish it on the Dask cluster they had
started by hand: ``--backend NAME`` starts that backend from its defaults, and backend ``dask`` has no default
scheduler, so the resume was refused ("give exactly one of address and scheduler_file") with no way to give one on
the command line. Now an empty address is Dask's ``scheduler-address`` setting, as Dask's own client takes it.
"""

from __future__ import annotations

import dask.config
import pytest
from test_dask_external_nevergrad import cluster  # noqa: F401 - the fixture: 3 workers in this process

import l2l
from l2l.cli import main
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS
from l2l.words import command_line


def test_an_empty_address_is_dasks_scheduler_address_setting():
    with dask.config.set({"scheduler-address": "tcp://10.0.0.5:8786"}):
        executor = BACKENDS.create("dask", {})  # before: ConfigError
    assert executor.address == "tcp://10.0.0.5:8786" and not executor.scheduler_file
    with dask.config.set({"scheduler-address": "tcp://10.0.0.5:8786"}):  # an address given wins
        assert BACKENDS.create("dask", {"address": "tcp://10.0.0.6:8786"}).address == "tcp://10.0.0.6:8786"


def test_without_the_setting_the_refusal_says_how_to_give_one(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": None}), command_line():  # (from Python: l2l.resume(FILE, ...))
        with pytest.raises(ConfigError, match=r"^backend 'dask': give exactly one of address and scheduler_file \(or "
                                              r"set Dask's DASK_SCHEDULER_ADDRESS, as for l2l resume FILE --backend "
                                              r"dask\)$"):
            BACKENDS.create("dask", {})


def test_a_local_run_is_resumed_on_an_existing_cluster(tmp_path, cluster):  # noqa: F811
    config = l2l.from_mapping({"run": {"name": "moved", "seed": 1, "evaluations": 6},
                               "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 3}, "simulator": {"name": "sphere"},
                               "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "moved.h5", progress=False)
    with dask.config.set({"scheduler-address": cluster.scheduler_address}):
        assert main(["resume", str(path), "--evaluations", "12", "--backend", "dask", "--no-progress"]) == 0
    frame = l2l.load(path)
    assert len(frame) == 12 and (frame["status"] == "ok").all()

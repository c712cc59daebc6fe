"""Backend ``dask``: an address no Dask client can connect to, or a scheduler file that holds none, is refused in one
line, before the run's file exists.

Found by a user of a hand-started cluster who gave the dashboard's address (``http://127.0.0.1:8787``), and by one
who left out the port: Dask's client raised ValueError from its constructor, so ``l2l run`` ended in a traceback
(exit status 1) after the run's file was created, and the half-made client then spent 60 s failing to close itself
(``Exception ignored in: <function Client.__del__ ...> TimeoutError``). So did a ``scheduler_file`` that is not JSON
or names no address. No scheduler is needed to check this.
"""

from __future__ import annotations

import pytest
from conftest import write_toml

from l2l.cli import main
from l2l.errors import ExecutorError
from l2l.jobs.dask import DaskExecutor

BAD = [("http://127.0.0.1:8787", "unknown address scheme 'http'"),
       ("tcp://127.0.0.1", "missing port number in address '127.0.0.1'")]


@pytest.mark.parametrize("address, why", BAD)
def test_a_bad_address_is_refused_in_one_line_before_the_runs_file_exists(tmp_path, capsys, address, why):
    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "bad", "seed": 1, "generations": 2},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"},
        "backend": {"name": "dask", "address": address}})
    out = tmp_path / "bad.h5"
    # before: a traceback ending in ValueError, exit status 1, and the file existed
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 2
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: error:")]
    assert len(said) == 1 and said[0].startswith(
        f"l2l: error: backend 'dask': address {address!r} is not a Dask scheduler's ("), said
    assert why in said[0] and said[0].endswith("give the one the scheduler prints as it starts, e.g. "
                                               "tcp://10.0.0.5:8786"), said
    assert not out.exists()


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "127.0.0.1:8786", "localhost:8786",
                                     "tcp://[::1]:8786", "tls://scheduler.example:8786", "inproc://10.0.0.5/123/1"])
def test_an_address_dask_can_connect_to_is_not_refused(address):
    DaskExecutor(address=address)._check_address(address)


def test_the_bad_address_is_refused_by_prepare_too():
    executor = DaskExecutor(address=BAD[0][0])
    try:
        with pytest.raises(ExecutorError, match="is not a Dask scheduler's"):
            executor.prepare()
    finally:
        executor.close()


@pytest.mark.parametrize("text, why", [("scheduler: here\n", "JSONDecodeError: "),
                                       ('{"type": "Scheduler"}', "KeyError: 'address'"),
                                       ('{"address": "http://127.0.0.1:8787"}', "its address 'http://127.0.0.1:8787' "
                                                                                 "is not a Dask scheduler's")])
def test_a_scheduler_file_without_a_usable_address_is_refused_in_one_line(tmp_path, text, why):
    path = tmp_path / "scheduler.json"
    path.write_text(text)
    executor = DaskExecutor(scheduler_file=str(path))
    try:
        # before: prepare() let Dask's ValueError (or KeyError) pass, for start() to raise after the file existed
        with pytest.raises(ExecutorError, match=f"^backend 'dask': scheduler_file {str(path)!r}") as refused:
            executor.prepare()
    finally:
        executor.close()
    assert why in str(refused.value), refused.value

"""backend 'dask' with an address nothing answers at: after the '-> FILE' line the run said nothing until its
timeout ended it (30 s by default); a line now says what it waits for once connecting takes longer than
WAIT_NOTICE_SECONDS (a scheduler that answers at once: no line)."""

from __future__ import annotations

import socket

import pytest

import l2l
import l2l.jobs.dask as dask_backend
from conftest import make_config
from l2l.errors import ExecutorError


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_scheduler_that_does_not_answer_is_waited_for_in_a_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dask_backend, "WAIT_NOTICE_SECONDS", 0.05, raising=False)
    address = f"tcp://127.0.0.1:{_free_port()}"
    config = make_config(run={"name": "nobody", "generations": 1}, optimizer={"name": "random", "population_size": 2},
                         backend={"name": "dask", "address": address, "timeout": 2})
    with pytest.raises(ExecutorError, match="no scheduler answered"):
        l2l.run(config, tmp_path / "nobody.h5", progress=False)
    err = capsys.readouterr().err
    assert f"l2l: waiting up to 2 s for the Dask scheduler at {address} ...\n" in err, err

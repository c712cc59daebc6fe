"""backend 'dask' with an address nothing answers at: after the '-> FILE' line the run said nothing until its
timeout ended it (30 s by default); a line now says what it waits for once connecting takes longer than
WAIT_NOTICE_SECONDS (a scheduler that answers at once: no line). The host is one that does not answer (a listening
socket whose queue of connections is full: its host drops the connection request); an address whose host refuses
the connection is refused at once, without the line (test_dask_address_plainly_bad.py)."""

from __future__ import annotations

import socket

import pytest

import l2l
import l2l.jobs.dask_existing as dask_existing
import l2l.jobs.dask_greet as dask_greet
from conftest import make_config
from l2l.errors import ExecutorError


@pytest.fixture
def unanswered():
    """A tcp address whose host does not answer a connection request: a socket listening with no room left in
    its queue (Linux keeps one connection for a queue of 0, and drops the requests beyond it)."""
    with socket.socket() as listening, socket.socket() as first:
        listening.bind(("127.0.0.1", 0))
        listening.listen(0)
        first.connect(listening.getsockname())
        yield f"tcp://127.0.0.1:{listening.getsockname()[1]}"


def test_a_scheduler_that_does_not_answer_is_waited_for_in_a_line(tmp_path, capsys, monkeypatch, unanswered):
    monkeypatch.setattr(dask_existing, "WAIT_NOTICE_SECONDS", 0.05, raising=False)
    monkeypatch.setattr(dask_greet, "CONNECT_SECONDS", 0.2, raising=False)  # l2l's own first try
    address = unanswered
    config = make_config(run={"name": "nobody", "generations": 1}, optimizer={"name": "random", "population_size": 2},
                         backend={"name": "dask", "address": address, "timeout": 2})
    with pytest.raises(ExecutorError, match="no scheduler answered"):
        l2l.run(config, tmp_path / "nobody.h5", progress=False)
    err = capsys.readouterr().err
    assert f"l2l: waiting up to 2 s for the Dask scheduler at {address} ...\n" in err, err


def test_ctrl_c_while_waiting_for_the_scheduler_says_there_is_nothing_to_resume(tmp_path, capsys, monkeypatch,
                                                                               unanswered):
    """Ctrl-C during the wait (before the run's file exists) said 'every committed evaluation is in FILE; continue
    with: l2l resume FILE' of a file that was never created; now it says nothing ran."""
    from l2l.cli import main
    from conftest import write_toml

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(dask_existing, "greet", interrupted)  # Ctrl-C while the address is tried
    write_toml(tmp_path / "c.toml", {"run": {"name": "nobody", "generations": 1},
                                     "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
                                     "optimizer": {"name": "random", "population_size": 2},
                                     "simulator": {"name": "sphere"},
                                     "backend": {"name": "dask", "address": unanswered, "timeout": 5}})
    out = tmp_path / "nobody.h5"
    assert main(["run", str(tmp_path / "c.toml"), "--out", str(out), "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert not out.exists()
    assert err.strip().splitlines()[-1] == f"interrupted before {out} was created; nothing ran, nothing to resume", err

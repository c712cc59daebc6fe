"""Backend ``dask``: an address where plainly no Dask scheduler is ends the run in one line, exit status 2, with no
"waiting for the scheduler" line before it; the waiting line is for a scheduler that may still come.

Found in a trial with a hand-started cluster: an address whose port nothing listened at (a typo, a scheduler not
started) made Dask's client try it again for the whole ``timeout`` (30 s), so the run said it waited for the
scheduler, then ended in a second line; the dashboard's port given for the scheduler's (``tcp://host:8787``) made
the client wait for the scheduler's handshake for ever (its ``timeout`` bounds the connection, not the
handshake), and SIGTERM did not end it. Now a refused connection (after REFUSED_SECONDS, for a scheduler started
with the run), an unknown host and a web server are refused in one line; a server that takes the connection and
says nothing else is waited for up to ``timeout``, said in the waiting line, then refused.
"""

from __future__ import annotations

import socket
import threading

import pytest
from conftest import write_toml

import l2l.jobs.dask_existing as dask_existing
import l2l.jobs.dask_greet as dask_greet
from l2l.cli import main
from l2l.errors import ExecutorError
from l2l.jobs.dask import DaskExecutor


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(dask_greet, "REFUSED_SECONDS", 0.2, raising=False)
    monkeypatch.setattr(dask_greet, "HANDSHAKE_SECONDS", 0.3, raising=False)
    monkeypatch.setattr(dask_existing, "WAIT_NOTICE_SECONDS", 0.1)  # said at once where the run waits


class Server:
    """A TCP server on a free port of 127.0.0.1: ``web`` answers an HTTP request once its header is complete, as
    Dask's dashboard (tornado) does; otherwise it takes connections and says nothing."""

    def __init__(self, web: bool) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.address = f"tcp://127.0.0.1:{self.socket.getsockname()[1]}"
        self.web, self.taken = web, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:  # closed
                return
            self.taken.append(connection)
            if self.web:
                threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    @staticmethod
    def _answer(connection: socket.socket) -> None:
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                received += chunk
            connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass

    def close(self) -> None:
        self.socket.close()
        for connection in self.taken:
            connection.close()


@pytest.fixture
def web():
    server = Server(web=True)
    yield server
    server.close()


@pytest.fixture
def silent():
    server = Server(web=False)
    yield server
    server.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(tmp_path, capsys, address: str) -> tuple[int, list[str]]:
    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "bad", "seed": 1, "generations": 2},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"},
        "backend": {"name": "dask", "address": address, "timeout": 2}})
    status = main(["run", str(config), "--out", str(tmp_path / "bad.h5"), "--no-progress"])
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return status, [line for line in err.splitlines() if line.startswith("l2l") and not line.startswith("l2l 0.")]


def test_an_address_nothing_listens_at_is_refused_in_one_line_without_the_waiting_line(tmp_path, capsys):
    address = f"tcp://127.0.0.1:{_closed_port()}"
    status, said = _run(tmp_path, capsys, address)
    # before: 'l2l: waiting up to 2 s for the Dask scheduler at ...', then 'no scheduler answered (Timed out ...)'
    assert status == 2 and said == [
        f"l2l: error: backend 'dask': no scheduler at {address} (the connection is refused: nothing listens at its "
        f"port); start it, or give [backend] address of a running one (a scheduler prints it as 'Scheduler at:', "
        f"e.g. tcp://10.0.0.5:8786)"], said
    assert not (tmp_path / "bad.h5").exists()


def test_a_host_not_known_is_refused_in_one_line(tmp_path, capsys):
    status, said = _run(tmp_path, capsys, "tcp://no-such-host.invalid:8786")
    assert status == 2 and len(said) == 1 and said[0].startswith(
        "l2l: error: backend 'dask': no scheduler at tcp://no-such-host.invalid:8786 (its host "
        "'no-such-host.invalid' is not known: "), said


def _prepared(address: str, timeout: float = 2.0) -> BaseException | None:
    """What :meth:`DaskExecutor.prepare` raised for ``address`` (it connects), in a thread that the test leaves
    if it still waits after 60 s (it did, for ever)."""
    executor = DaskExecutor(address=address, timeout=timeout)
    raised: list[BaseException | None] = []

    def prepare() -> None:
        try:
            executor.prepare()
            raised.append(None)
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            raised.append(exc)

    thread = threading.Thread(target=prepare, daemon=True)
    thread.start()
    thread.join(60)
    assert raised, "still waiting for the scheduler's handshake after 60 s"
    executor.close()
    return raised[0]


def test_a_web_server_the_dashboards_port_is_refused_in_one_line(web, capsys):
    raised = _prepared(web.address)
    # before: the client waited for the scheduler's handshake for ever
    assert isinstance(raised, ExecutorError) and str(raised) == (
        f"backend 'dask': {web.address} is a web server (Dask's dashboard?), not a Dask scheduler; give [backend] "
        f"address of a running one (a scheduler prints it as 'Scheduler at:', e.g. tcp://10.0.0.5:8786)"), raised
    assert "waiting" not in capsys.readouterr().err


def test_a_server_that_takes_the_connection_and_says_nothing_is_waited_for_then_refused(silent, capsys):
    raised = _prepared(silent.address, timeout=1.0)
    assert isinstance(raised, ExecutorError) and str(raised) == (
        f"backend 'dask': no scheduler answered (the server at {silent.address} took the connection but sent no "
        f"Dask handshake within 1 s); start it, or give [backend] address of a running one"), raised
    # it may be a scheduler too busy to answer at once: said once, where the run waits
    assert capsys.readouterr().err == f"l2l: waiting up to 1 s for the Dask scheduler at {silent.address} ...\n"


def test_the_address_of_dasks_setting_is_named_as_such(monkeypatch, capsys):
    import dask.config

    address = f"tcp://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    with dask.config.set({"scheduler-address": address}):
        executor = DaskExecutor(timeout=2)
    try:
        with pytest.raises(ExecutorError, match=r"; start it, or set DASK_SCHEDULER_ADDRESS to a running one's "
                                                r"address \(a scheduler prints it"):
            executor.prepare()
    finally:
        executor.close()

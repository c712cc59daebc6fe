"""What killed or shared runs leave (session 33): the temp folders of a run killed as it closed its cluster, which
the resume that followed at once did not remove, and the HTTP ports of a ``local`` cluster with ``dashboard = false``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from l2l.cli import main
from l2l.own_files import hold

CONFIG = """
[run]
seed = 1
generations = 1
[space]
x = { type = "float", low = -5.0, high = 5.0 }
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "sphere"
[backend]
name = "serial"
"""


def _folder(temp: Path, prefix: str, killed: bool) -> tuple[Path, int | None]:
    """A folder as an l2l process makes it in the temp folder, with its lock: held (its process lives: the descriptor
    is returned, to close), or let go (its process was killed with kill -9: the kernel closed the descriptor)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=temp))
    (folder / "dask-scratch-space").mkdir()
    descriptor = hold(str(folder))
    assert descriptor is not None
    if killed:
        os.close(descriptor)
        return folder, None
    return folder, descriptor


def test_a_resume_with_nothing_to_run_removes_the_temp_folders_of_killed_runs_a_live_ones_kept(tmp_path, monkeypatch,
                                                                                                capsys):
    """A ``local`` run killed with kill -9 as it closed its cluster (its last results written) left its ``l2l-dask-*``
    and ``l2l-pymp-*``, and the ``l2l resume`` that followed at once, with nothing left to run, started no cluster,
    so it removed nothing (7 of 20 runs killed at random in their last 40 %, resumed at once). A resume removes the
    leftovers of killed l2l processes as it starts, whatever it then runs; a live process's folders are kept."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.toml").write_text(CONFIG)
    assert main(["run", "run.toml", "--out", "run.h5", "--no-progress"]) == 0
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    killed = [_folder(temp, prefix, killed=True)[0] for prefix in ("l2l-dask-", "l2l-pymp-", "l2l-command-")]
    live = [_folder(temp, prefix, killed=False) for prefix in ("l2l-dask-", "l2l-pymp-")]
    try:
        capsys.readouterr()
        assert main(["resume", "run.h5", "--no-progress"]) == 0
        assert "nothing to resume" in capsys.readouterr().err
        assert [folder.name for folder in killed if folder.exists()] == []
        assert all(folder.is_dir() for folder, _ in live)
    finally:
        for _, descriptor in live:
            os.close(descriptor)


def _listening(pid: int) -> set[tuple[str, int]]:
    """The TCP addresses process ``pid`` listens on (IPv4 and IPv6), from /proc."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # (closed meanwhile)
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                host, port = fields[1].split(":")
                found.add((_host(host, width), int(port, 16)))
    return found


def _host(hexadecimal: str, width: int) -> str:
    import ipaddress

    raw = bytes.fromhex(hexadecimal)
    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))  # (each 32-bit word in host order)
    return str(ipaddress.ip_address(raw)) if width == 8 else str(ipaddress.IPv6Address(raw))


def _speaks_http(address: tuple[str, int]) -> bool:
    """Whether a plain HTTP request to ``address`` gets an HTTP answer (a TLS port of Dask's hangs up)."""
    import http.client

    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.request("GET", "/health")
        connection.getresponse()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _cluster_listeners(dashboard: bool) -> dict[str, dict[tuple[str, int], bool]]:
    """Where a ``local`` cluster of one worker listens, by process (this one's: the scheduler and the nanny), each
    address with whether it answers HTTP."""
    from l2l.jobs import BACKENDS

    before = _listening(os.getpid())
    executor = BACKENDS.create("local", {"workers": 1, "dashboard": dashboard})
    try:
        executor._client = executor._connect()
        workers = executor._client.run(os.getpid)
        found = {"l2l": _listening(os.getpid()) - before,
                 **{f"worker {pid}": _listening(pid) for pid in workers.values()}}
        return {process: {address: _speaks_http(address) for address in addresses}
                for process, addresses in found.items()}
    finally:
        executor.close()


@pytest.mark.skipif(not os.path.isdir("/proc/self/net"), reason="reads the listening sockets from /proc")
def test_a_local_cluster_with_dashboard_false_has_no_http_port_with_true_only_on_127_0_0_1(tmp_path, monkeypatch):
    """``dashboard = false`` closed the scheduler's pages once the cluster had started, but every worker still served
    ``/health``, ``/metrics`` and ``/statics`` over HTTP on a port of its own, to every user of the host. Now no
    process of the cluster answers HTTP on any port. With the default (true), where they do, every port of the
    cluster listens on 127.0.0.1 only (and the probe is seen to find HTTP where there is some)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    closed = _cluster_listeners(False)
    assert len(closed) == 2 and all(closed.values()), closed  # (the Dask ports: scheduler, nanny, worker)
    assert {process: [a for a, http in found.items() if http] for process, found in closed.items()} == \
        {process: [] for process in closed}
    served = _cluster_listeners(True)
    assert {host for found in served.values() for host, _ in found} == {"127.0.0.1"}, served
    assert all(any(found.values()) for found in served.values()), served  # the scheduler's pages, each worker's

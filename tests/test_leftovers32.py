"""What killed or shared runs left behind (session 32): folders in the temp folder for good, a cluster in plain TCP
without a word, and Dask's pages open to every user of the host."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from l2l.errors import ConfigError
from l2l.jobs import BACKENDS

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_SECONDS = 60.0


def _environment(tmp_path: Path, *first: Path) -> dict:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(temp),
            "PYTHONPATH": os.pathsep.join([*map(str, first), str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _started(code: str, env: dict, *args: str) -> tuple[subprocess.Popen, str]:
    """A Python process running ``code``, and the first line it printed (the folder it works in)."""
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    assert line, process.stderr.read()
    return process, line


def _killed(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=DEADLINE_SECONDS)


def _gone(path: Path) -> bool:
    """Whether ``path`` is gone within the deadline (a killed process's fork server ends a moment after it)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not path.exists()


#: A process that starts l2l's fork server (as every ``local`` run does), prints the folder of Python's
#: multiprocessing (its socket's), and waits (``wait``) or ends. The server imports nothing here (quick).
FORK_SERVER = """
    import sys, time, multiprocessing.util
    import l2l.jobs.warm as warm
    warm.PRELOAD = []
    assert warm.start_fork_server()
    print(multiprocessing.util.get_temp_dir(), flush=True)
    if sys.argv[-1] == "wait":
        time.sleep(600)
"""


def test_the_multiprocessing_folder_of_a_run_killed_with_kill_9_is_removed_by_the_next_one_a_live_ones_kept(
        tmp_path):
    """Every ``local`` run starts a fork server, whose socket Python's multiprocessing puts in ``pymp-XXXXXX`` in the
    temp folder, removed only at a clean exit: each l2l run killed with kill -9 (the OOM killer, a notebook's kernel
    restarted) left one there for good. It is a folder of the process's own now, removed by the next one."""
    env = _environment(tmp_path)
    killed, killed_folder = _started(FORK_SERVER, env, "wait")
    _killed(killed)
    assert Path(killed_folder).is_dir()  # (left by the kill)
    live, live_folder = _started(FORK_SERVER, env, "wait")
    try:
        assert _gone(Path(killed_folder))  # was left for good
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(FORK_SERVER)], env=env, capture_output=True,
                              text=True, timeout=DEADLINE_SECONDS)
        assert done.returncode == 0, done.stderr
        assert Path(live_folder).is_dir() and any(Path(live_folder).iterdir())  # a live run's: kept, its socket in it
        assert not Path(done.stdout.strip()).exists()  # (one that ends removes its own)
    finally:
        _killed(live)
    assert not list((tmp_path / "tmp").glob("pymp-*"))


#: A process that evaluates a ``command`` simulator outside a run (its own code: no run folder, no ``workdir``),
#: prints the folder of its working directories, and waits (``wait``) or ends.
COMMAND = """
    import sys, time
    from l2l.simulators import SIMULATORS
    from l2l.simulators.base import EvaluationContext
    program = "print(0.5)"
    simulator = SIMULATORS.create("command", {"argv": [sys.executable, "-c", program], "keep_workdirs": True})
    simulator.evaluate({}, 0, EvaluationContext(generation=0, individual=0))
    print(sys.modules["l2l.simulators.command"]._private[0], flush=True)
    if sys.argv[-1] == "wait":
        time.sleep(600)
"""


def test_the_command_folder_of_a_process_killed_with_kill_9_is_removed_by_the_next_one_a_live_ones_kept(tmp_path):
    """The ``command`` simulator evaluated outside a run works in ``l2l-command-XXXXXXXX`` in the temp folder, removed
    at exit when empty: a process killed with kill -9 left it there for good (with the working directories of the
    evaluations it ran). The next process that makes such a folder removes it now; a live process's is kept."""
    env = _environment(tmp_path)
    killed, killed_folder = _started(COMMAND, env, "wait")
    _killed(killed)
    assert Path(killed_folder).name.startswith("l2l-command-") and Path(killed_folder).is_dir()
    live, live_folder = _started(COMMAND, env, "wait")
    try:
        assert not Path(killed_folder).exists()  # was left for good
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(COMMAND)], env=env, capture_output=True,
                              text=True, timeout=DEADLINE_SECONDS)
        assert done.returncode == 0, done.stderr
        assert (Path(live_folder) / "g000000" / "i000000-a0").is_dir()  # a live process's: kept, as it was
        # a clean exit keeps the folder where a working directory is left in it (a failed evaluation's, to look
        # into, or keep_workdirs), and no later process removes it
        again = subprocess.run([sys.executable, "-c", textwrap.dedent(COMMAND)], env=env, capture_output=True,
                               text=True, timeout=DEADLINE_SECONDS)
        assert again.returncode == 0, again.stderr
        for kept in (done, again):
            assert (Path(kept.stdout.strip()) / "g000000" / "i000000-a0").is_dir()
    finally:
        _killed(live)


#: Python's import of the cryptography package fails in a process whose path has this first (as if not installed).
NO_CRYPTOGRAPHY = "import sys\nsys.modules['cryptography'] = None\n"


@pytest.fixture
def without_cryptography(tmp_path) -> dict:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_CRYPTOGRAPHY)
    return _environment(tmp_path, site)


def test_a_local_run_without_the_cryptography_package_says_its_cluster_is_plain_tcp_in_one_warning_line(
        tmp_path, without_cryptography):
    """Without ``cryptography`` (distributed does not require it) the local cluster talks plain TCP on 127.0.0.1,
    where every user of a shared login node can connect and run code as you: only docs/security.md said so."""
    config = tmp_path / "run.toml"
    config.write_text('[run]\nname = "plain"\ngenerations = 1\n[space]\nx = { type = "float", low = -1, high = 1 }\n'
                      '[optimizer]\nname = "random"\npopulation_size = 2\n[simulator]\nname = "sphere"\n'
                      '[backend]\nname = "local"\nworkers = 1\n')
    done = subprocess.run([sys.executable, "-m", "l2l", "run", str(config), "--out", str(tmp_path / "run.h5")],
                          env=without_cryptography, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.replace("\r", "\n").splitlines() if "cryptography" in line]
    assert said == ["l2l: warning: backend 'local': without the cryptography package the Dask cluster talks plain "
                    "TCP on 127.0.0.1, where any user of this host can connect to it and run code as you; "
                    "pip install cryptography"]
    assert not list((tmp_path / "tmp").iterdir())  # (and a run that ends leaves nothing in the temp folder)


def test_a_slurm_run_without_the_cryptography_package_says_its_scheduler_is_plain_tcp_once(
        tmp_path, without_cryptography):
    code = f"""
        from l2l.jobs.slurm import SlurmExecutor
        executor = SlurmExecutor(log_directory={str(tmp_path / "logs")!r})
        assert executor._tls() == {{}} and executor._tls() == {{}}  # (each cluster start of the run asks)
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=without_cryptography,
                          capture_output=True, text=True, timeout=DEADLINE_SECONDS)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "l2l: warning: backend 'slurm': without the cryptography package the Dask scheduler talks plain TCP on this "
        "host's network, where anyone who reaches its port can connect to it and run code as you; pip install "
        "cryptography (or use backend 'slurm-array', which opens no port)"]


def _page(address: tuple, path: str = "/info/main/workers.html") -> int:
    """The HTTP status of ``path`` at ``address``; 0 where nothing listens."""
    try:
        with urllib.request.urlopen(f"http://{address[0]}:{address[1]}{path}", timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError):
        return 0


def test_dashboard_false_leaves_the_local_runs_scheduler_without_pages_for_other_users(tmp_path, monkeypatch):
    """Dask's scheduler serves its status pages (the workers, their logs, the call stacks of running evaluations)
    over HTTP to every user of the host, bokeh or not. ``dashboard = false`` closes them; the default keeps them."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    executor = BACKENDS.create("local", {"workers": 1, "dashboard": False})
    try:
        executor._client = executor._connect()
        server = executor._cluster.scheduler.http_server
        assert _page((server.address, server.port)) == 0  # nothing listens
        assert executor.dashboard_link is None
    finally:
        executor.close()


def test_the_dashboard_option_takes_only_true_or_false():
    with pytest.raises(ConfigError, match="^backend 'local': option 'dashboard' must be true or false, got 'no'$"):
        BACKENDS.create("local", {"dashboard": "no"})
    with pytest.raises(ConfigError, match="^backend 'slurm': option 'dashboard' must be true or false, got 0$"):
        BACKENDS.create("slurm", {"dashboard": 0})


def test_a_slurm_runs_pages_listen_on_the_schedulers_address_not_every_interface(tmp_path, monkeypatch):
    """The ``slurm`` backend's scheduler served its pages on every interface of the login node (``0.0.0.0``); now on
    the address its worker jobs reach it at. With ``dashboard = false``: none, and the worker jobs' none either."""
    import tempfile

    from distributed.utils import get_ip

    from l2l.jobs.slurm import SlurmExecutor

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(SlurmExecutor, "check_submission", lambda self: None)
    for dashboard in (True, False):
        executor = SlurmExecutor(minimum_jobs=0, dashboard=dashboard)
        executor._run_dir = str(tmp_path / f"run-{dashboard}.work")
        executor._client = executor._connect()
        try:
            server = executor._cluster.scheduler.http_server
            if dashboard:
                assert {sock.getsockname()[0] for sock in server._sockets.values()} == {get_ip()}
                assert _page((get_ip(), server.port)) == 200  # (today's default: the pages are there)
            else:
                assert _page((server.address, server.port)) == 0
                assert "--no-dashboard" in executor._cluster.job_script()
        finally:
            executor.close()

"""Ctrl-C in the first second of ``l2l run`` ends it in one line with exit status 130, as later.

Found by a user who pressed Ctrl-C right after starting a run on the ``local`` backend: before the run began (while
the config's components were built and imported) l2l printed Python's KeyboardInterrupt traceback and the process
died of SIGINT (exit status -2); the terminal's Ctrl-C also reached the fork server that the run starts early, which
printed the traceback of its interrupted imports (Python's fork server ignores SIGINT only once it has imported
its preload list). Now the command says ``l2l: interrupted`` and the fork server starts with SIGINT ignored.
"""

from __future__ import annotations

import signal
from pathlib import Path

import l2l.jobs.warm as warm
import l2l.loop
from l2l.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[1] / "examples" / "sphere_ga.toml")


def test_ctrl_c_before_the_run_starts_is_one_line_and_130(tmp_path, monkeypatch, capsys):
    def interrupted(config):
        raise KeyboardInterrupt

    monkeypatch.setattr(l2l.loop, "build", interrupted)
    try:
        status = main(["run", EXAMPLE, "--backend", "serial", "--out", str(tmp_path / "x.h5"), "--no-progress"])
    except KeyboardInterrupt:  # before: out of main, a traceback
        status = "KeyboardInterrupt out of main"
    assert status == 130
    assert capsys.readouterr().err.strip().splitlines() == ["l2l: interrupted"]
    assert not (tmp_path / "x.h5").exists()


def test_the_fork_server_starts_with_sigint_ignored_and_the_callers_handler_is_kept(monkeypatch):
    from multiprocessing import forkserver

    seen = []
    monkeypatch.setattr(warm, "fork_server_available", lambda: True)
    monkeypatch.setattr(warm, "fork_server_running", lambda: False)
    monkeypatch.setattr(forkserver, "ensure_running", lambda: seen.append(signal.getsignal(signal.SIGINT)))
    before = signal.getsignal(signal.SIGINT)
    assert warm.start_fork_server()
    assert seen == [signal.SIG_IGN]  # inherited by the server through exec (before: the caller's handler)
    assert signal.getsignal(signal.SIGINT) is before

"""A writer that was killed but not yet collected by its parent (a zombie: 'kill -9' of an 'l2l run' that a
program started and had not waited for) writes nothing and holds no lock: l2l show says 'interrupted', not
'running' (signal 0 still finds a zombie's process id)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from l2l.results_schema.lock import lock_path, writer_alive


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_writer_not_yet_collected_by_its_parent_is_not_alive(tmp_path):
    path = tmp_path / "run.h5"
    path.write_bytes(b"")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock_path(path).write_text(json.dumps({"pid": child.pid, "host": socket.gethostname(), "since": "now"}))
        assert writer_alive(path) is True
        os.kill(child.pid, signal.SIGKILL)
        for _ in range(500):  # until it is a zombie (not collected: no wait yet)
            with open(f"/proc/{child.pid}/stat", "rb") as handle:
                if handle.read().rpartition(b")")[2].split()[0] == b"Z":
                    break
            time.sleep(0.01)
        assert writer_alive(path) is False
    finally:
        child.kill()
        child.wait()

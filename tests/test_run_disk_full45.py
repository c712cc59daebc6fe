"""A run whose file the disk refuses to grow (here a file size limit, as a full disk does) ends in one line naming
the file, exit status 2, and the file keeps every committed generation, readable and resumable: before, h5py's
traceback, a segmentation fault (status 139) and a file every reader refused as 'truncated'."""

import os
import resource
import subprocess
import sys
from pathlib import Path

import l2l

CONFIG = """[run]
name = "long"
seed = 7
generations = 400
[space]
x = {low = -1.0, high = 1.0, shape = [2]}
[optimizer]
name = "ga"
population_size = 6
[simulator]
name = "sphere"
[backend]
name = "serial"
"""
LIMIT = 2150 * 1024  # the new file is 2.1 MB (2060 KiB); it outgrows this after some 25 generations


def test_run_on_a_disk_that_refuses_its_growth(tmp_path: Path) -> None:
    (tmp_path / "long.toml").write_text(CONFIG)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    env = {**os.environ, "PYTHONPATH": str(Path(l2l.__file__).parents[1])}
    proc = subprocess.run([sys.executable, "-m", "l2l", "run", "long.toml", "-o", "long.h5", "--no-progress"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, preexec_fn=limited)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr[-2000:]
    assert lines[-1].startswith("l2l: error: long.h5: the disk refused a write to it: file too large"), lines[-1]
    assert "l2l resume long.h5" in lines[-1]
    rows = l2l.load(tmp_path / "long.h5")  # before: 'long.h5 is truncated: ... it was cut short'
    assert len(rows) >= 60 and len(rows) % 6 == 0 and rows["status"].eq("ok").all()

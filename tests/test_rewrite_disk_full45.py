"""A rewrite of a trajectory that the disk refuses (no space left, a file size limit) is one line naming the file,
exit status 2, the file unchanged: before, `l2l reevaluate` on a full disk ended in h5py's traceback."""

import hashlib
import os
import resource
import subprocess
import sys
from pathlib import Path

import l2l

CONFIG = {"run": {"name": "small", "seed": 3, "generations": 1},
          "space": {"x": {"low": -1.0, "high": 1.0}},
          "optimizer": {"name": "random", "population_size": 2},
          "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}


def test_reevaluate_on_a_disk_that_refuses_the_copy(tmp_path: Path) -> None:
    out = tmp_path / "small.h5"
    l2l.run(CONFIG, out)
    before = hashlib.sha1(out.read_bytes()).hexdigest()
    limit = out.stat().st_size // 2  # the copy that adds /reevaluations cannot be written whole

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(Path(l2l.__file__).parents[1])}
    proc = subprocess.run([sys.executable, "-m", "l2l", "reevaluate", "small.h5", "--top", "1", "--seeds", "1",
                           "--no-progress"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                          preexec_fn=limited)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("l2l: error: ")]
    assert len(errors) == 1 and "small.h5" in errors[0] and "file size limit" in errors[0], proc.stderr
    assert hashlib.sha1(out.read_bytes()).hexdigest() == before  # the file is unchanged, no copy left beside it
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []

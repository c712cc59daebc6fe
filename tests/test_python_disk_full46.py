"""From Python, a write the disk refuses (here a file size limit, as a full disk does) raises the one-line error and
the program goes on: it prints, opens other files and exits with its own status. Before, the interpreter crashed
with a segmentation fault (status 139) as it let go of the error, before the program's next line: HDF5 closed a
dataset of the file a second time (h5py issues 914, 2160)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import l2l
from l2l.results_schema.validate import validate

SCRIPT = """
import os, resource, sys
import h5py
import l2l
from l2l.reevaluate import reevaluate
CONFIG = {"run": {"name": "small", "seed": 3, "generations": int(sys.argv[2])},
          "space": {"x": {"low": -1.0, "high": 1.0, "shape": [2]}},
          "optimizer": {"name": "ga", "population_size": 6},
          "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}
if sys.argv[1] == "reevaluate":  # the copy that adds the re-evaluations' group is refused
    l2l.run(CONFIG, "small.h5")
    limit = os.path.getsize("small.h5") // 2
elif sys.argv[1] == "more":  # the group is there: the rows appended to it are refused
    l2l.run(CONFIG, "small.h5")
    reevaluate("small.h5", top=1, seeds=1)
    limit = os.path.getsize("small.h5") + 4096
else:
    limit = int(sys.argv[3]) * 1024
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    if sys.argv[1] == "reevaluate":
        reevaluate("small.h5", top=1, seeds=1)
    elif sys.argv[1] == "more":
        reevaluate("small.h5", top=6, seeds=400)
    else:
        l2l.run(CONFIG, "small.h5")
except l2l.TrajectoryError as exc:
    print("refused:", exc, flush=True)
with h5py.File("other.h5", "w") as f:  # the program goes on with HDF5
    f["x"] = [1, 2, 3]
print("went on", flush=True)
sys.exit(5)
"""


@pytest.mark.parametrize("args, said", [
    (["run", "400", "2150"], "the disk refused a write to it"),  # refused after some 25 generations
    (["run", "5", "100"], "the disk refused a write to it"),  # refused as the file is first written
    (["reevaluate", "2", "0"], "cannot write the copy that rewrites it"),
    (["more", "5", "0"], "every re-evaluation committed before is kept"),
])
def test_a_refused_write_from_python_leaves_the_program_running(tmp_path: Path, args: list[str], said: str) -> None:
    (tmp_path / "script.py").write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(Path(l2l.__file__).parents[1])}
    proc = subprocess.run([sys.executable, "script.py", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 5, (proc.returncode, proc.stdout[-1000:], proc.stderr[-2000:])  # before: -11
    lines = proc.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("refused: ") and said in lines[0], proc.stdout
    assert lines[1] == "went on"
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr[-2000:]
    assert validate(tmp_path / "small.h5") == []  # every problem l2l validate would name: none
    if args[0] == "run":  # what was committed reads back and the run resumes from it
        rows = l2l.load(tmp_path / "small.h5")
        assert len(rows) % 6 == 0 and rows["status"].eq("ok").all()
        assert (len(rows) >= 60) == (args[2] == "2150")

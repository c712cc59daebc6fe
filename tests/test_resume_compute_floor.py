"""l2l resume of a PBT file whose run.compute is below the population's first interval names --compute.

Such a compute is refused when a config is read since 794fb4a, but a file an older l2l started stores one. Before,
a plain 'l2l resume FILE' was refused with 'run.compute = 150 ends the run ...; give more', which named neither
the option of resume nor how much; '--compute 100' was refused as 'run.compute = 100'.
"""

from __future__ import annotations

import json
import subprocess
import sys

import h5py
import pytest

import l2l

CONFIG = {
    "run": {"name": "old"}, "space": {"x": {"low": 0.0, "high": 1.0}},
    "simulator": {"name": "python", "function": "model:train",
                  "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 200}},
    "objectives": [{"name": "loss", "direction": "minimize"}],
    "policy": {"name": "pbt", "population": 8, "interval": 20}, "backend": {"name": "serial"}}

MODEL = """import l2l

calls = []


def train(params, seed, budget, checkpoint=None):
    calls.append(budget)
    if len(calls) == 4:  # as Ctrl-C: the run stops, keeping the segments done
        raise KeyboardInterrupt
    return l2l.SimulationResult(objectives={"loss": params["x"] + 1.0 / budget}, checkpoint={"step": budget})
"""


def stopped_file_with_compute(tmp_path, compute: float):
    """A PBT run interrupted after 3 segments, its stored run.compute set as an older l2l let it be."""
    (tmp_path / "model.py").write_text(MODEL)
    path = tmp_path / "old.h5"
    with pytest.raises(KeyboardInterrupt):
        l2l.run(l2l.from_mapping(CONFIG, base_dir=str(tmp_path)), path, progress=False)
    with h5py.File(path, "r+") as f:
        config = json.loads(f["run"].attrs["config"])
        config["run"]["compute"] = compute
        f["run"].attrs["config"] = json.dumps(config)
    return path


def resume(path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "l2l", "resume", path.name, *options, "--no-progress"],
                          cwd=path.parent, capture_output=True, text=True, timeout=120)


def test_a_plain_resume_names_the_option_and_the_least_compute_and_a_small_one_given_is_named_too(tmp_path):
    path = stopped_file_with_compute(tmp_path, 150)
    before = len(l2l.load(path, segments=True))
    done = resume(path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "l2l: error: its run.compute = 150 (an earlier l2l started the run with it) ends the run before policy "
        "'pbt' compares its members: their first interval costs 8 x 20 = 160 steps; give at least 161: "
        "l2l resume old.h5 --compute 161 (--compute 1600 trains every member to the top)"]
    done = resume(path, "--compute", "100")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        "l2l: error: --compute 100 ends the run before policy 'pbt' compares its members")
    assert len(l2l.load(path, segments=True)) == before == 3

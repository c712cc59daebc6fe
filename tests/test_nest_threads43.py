"""A NEST simulator's ``threads`` times the workers of a local run, above the machine's cores, is warned of.

NEST's threads wait for each other spinning: on a machine whose cores they share with other workers' threads an
evaluation slowed many times over (12 s instead of 2.8 s at load 19, docs/simulators.md), and nothing said why.
``l2l run`` (and ``--dry-run``) now says it in one warning line as the run starts; ``threads = 0`` (each
evaluation its worker's share) and counts that fit say nothing.
"""

from __future__ import annotations

import pytest
from conftest import write_toml


def _config(tmp_path, threads: int, backend: dict, engine: str = "nest"):
    return write_toml(tmp_path / "lsm.toml", {
        "run": {"name": "lsm", "seed": 1, "generations": 1},
        "space": {"input_gain": {"type": "float", "low": 0.5, "high": 2.0}},
        "optimizer": {"name": "random", "population_size": 2},
        "simulator": {"name": "lsm", "engine": engine, "threads": threads}, "backend": backend})


@pytest.mark.parametrize("threads, backend, said", [
    (2, {"name": "local", "workers": 2}, "threads = 2 on 2 local workers asks 4 threads of this machine's 2 cores"),
    (2, {"name": "local"}, "threads = 2 on 2 local workers asks 4 threads"),  # workers = 0: one per core
    (3, {"name": "serial"}, "threads = 3 on the serial backend asks 3 threads of this machine's 2 cores"),
    (2, {"name": "local", "workers": 1}, ""),
    (0, {"name": "local", "workers": 2}, ""),
    (2, {"name": "serial"}, ""),
])
def test_threads_beyond_the_cores_are_warned_of_in_one_line(tmp_path, l2l_here, monkeypatch, threads, backend, said):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    dry = l2l_here("run", _config(tmp_path, threads, backend), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    warnings = [line for line in dry.stderr.splitlines() if "warning" in line]
    if said:
        assert len(warnings) == 1 and said in warnings[0] and "keep workers x threads at most 2" in warnings[0], \
            dry.stderr
    else:
        assert warnings == [], dry.stderr

"""A stored optimizer state whose bytes changed on disk is found, never resumed from.

Each commit's state in ``/blobs/states`` now has its CRC-32 in ``/generations/state_crc32``, as checkpoints have
theirs. Before it, a digit changed inside a number of the last state (the random generator's state, a count) left
a file that ``l2l validate`` called valid and that ``l2l resume`` continued from, silently: the resumed run drew
other candidates than the uninterrupted one would have. A file from a version of l2l without state checksums
(no column, or one shorter than the generations) still resumes, its states unchecked.
"""

from __future__ import annotations

import re
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import write_toml

import l2l
from l2l.errors import TrajectoryError
from l2l.results_schema import codec, state_log

SWEEP = {
    "run": {"name": "crc", "seed": 4, "generations": 2},
    "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}},
    "optimizer": {"name": "random", "population_size": 3},
    "simulator": {"name": "sphere"},
    "backend": {"name": "serial"},
}

POLICY = {
    "run": {"name": "crc-asha", "seed": 2, "compute": 120},
    "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
    "optimizer": {"name": "random"},
    "policy": {"name": "asha", "eta": 3},
    "simulator": {"name": "sphere", "multi_fidelity": True, "max_budget": 9},
    "backend": {"name": "serial"},
}


def _state_bytes(path: Path, index: int) -> tuple[int, bytes]:
    with h5py.File(path, "r") as f:
        start, length = int(f["generations/state_start"][index]), int(f["generations/state_length"][index])
        return start, f["blobs/states"][start:start + length].tobytes()


def _change_a_digit(path: Path, index: int) -> None:
    """Change one digit inside a number of the state of row ``index``: the bytes still decode, as other numbers."""
    start, data = _state_bytes(path, index)
    digits = [m.start() for m in re.finditer(rb"[0-9]{6,}", data)]
    assert digits, "the state holds a long number"
    at = digits[-1] + 3
    changed = bytearray(data)
    changed[at] = ord("7") if data[at] != ord("7") else ord("3")
    with h5py.File(path, "r+") as f:
        f["blobs/states"][start:start + len(data)] = np.frombuffer(bytes(changed), dtype="u1")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    config = write_toml(folder / "crc.toml", SWEEP)
    return Path(l2l.run(l2l.load_config(config), folder / "crc.h5", progress=False))


def test_a_digit_changed_in_the_last_state_is_refused_by_resume_and_named_by_validate(sweep, tmp_path, l2l_here):
    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(sweep.read_bytes())
    _change_a_digit(damaged, 1)
    before = damaged.read_bytes()

    resumed = l2l_here("resume", damaged, "--generations", 4, "--no-progress", cwd=tmp_path)
    assert resumed.returncode == 2, resumed.stdout + resumed.stderr
    lines = resumed.stderr.strip().splitlines()
    assert len(lines) == 1 and "the state of generation 1 cannot be read" in lines[0] \
        and "checksum" in lines[0], resumed.stderr
    assert damaged.read_bytes() == before  # nothing computed was lost, nothing written

    checked = l2l_here("validate", damaged, cwd=tmp_path)
    assert checked.returncode == 1
    assert "the state of generation 1 cannot be read" in checked.stdout + checked.stderr
    assert l2l_here("validate", sweep, cwd=tmp_path).returncode == 0


def test_a_file_without_state_checksums_for_some_commits_resumes_and_gets_them_for_its_new_ones(sweep, tmp_path,
                                                                                                l2l_here):
    """A version of l2l without state checksums committed generation 1: the column holds only generation 0's. The
    resume checks what it can, fills the gap with -1 and checksums what it commits."""
    older = tmp_path / "older.h5"
    older.write_bytes(sweep.read_bytes())
    with h5py.File(older, "r+") as f:
        f["generations/state_crc32"].resize((1,))
    resumed = l2l_here("resume", older, "--generations", 4, "--no-progress", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    with h5py.File(older, "r") as f:
        crc = f["generations/state_crc32"][:]
    assert len(crc) == 4 and crc[1] == -1 and (crc[[0, 2, 3]] >= 0).all(), crc
    assert l2l_here("validate", older, cwd=tmp_path).returncode == 0

    uninterrupted = tmp_path / "whole.h5"
    whole = write_toml(tmp_path / "whole.toml", {**SWEEP, "run": {**SWEEP["run"], "generations": 4}})
    l2l.run(l2l.load_config(whole), uninterrupted, progress=False)
    columns = ["generation", "individual", "seed", "value"]
    assert (l2l.load(older)[columns].to_numpy() == l2l.load(uninterrupted)[columns].to_numpy()).all()


def test_a_changed_delta_inside_a_policy_runs_chain_of_states_is_named(tmp_path, l2l_here, monkeypatch):
    """A multi-fidelity run stores most commits as deltas against the one before: a digit changed in a delta
    in the middle of a chain is found when it is read and when a later state of its chain is (each piece is
    checked)."""
    monkeypatch.setattr("l2l.driver.FLUSH_SECONDS", 0.0)  # a commit after every result (else one a second)
    config = write_toml(tmp_path / "asha.toml", POLICY)
    path = Path(l2l.run(l2l.load_config(config), tmp_path / "asha.h5", progress=False))
    with l2l.Trajectory(path) as trajectory:
        n = trajectory.n_generations
        last = trajectory.state()
    middle = n // 2
    with h5py.File(path, "r") as f:
        generation = int(f["generations/generation"][middle])
        assert n >= 10 and all(state_log.is_delta(codec.decode(f["blobs/states"][start:start + length]))
                               for start, length in zip(f["generations/state_start"][middle:middle + 2],
                                                        f["generations/state_length"][middle:middle + 2]))
    _change_a_digit(path, middle)
    with l2l.Trajectory(path) as trajectory:
        with pytest.raises(TrajectoryError, match=f"the state of generation {generation} cannot be read"):
            trajectory.state(generation)
        after = int(trajectory.generations()["generation"].iloc[middle + 1])
        with pytest.raises(TrajectoryError, match=f"the state of generation {generation} cannot be read"):
            trajectory.state(after)  # a delta on it: its chain goes through the changed one
    checked = l2l_here("validate", path, cwd=tmp_path)
    assert checked.returncode == 1 and f"the state of generation {generation} cannot be read" in checked.stderr
    assert last["loop"]["generation"] >= 0  # it read before the change

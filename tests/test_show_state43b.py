"""A last state whose bytes no longer decode is named by its generation in ``l2l show``'s state line and in the
refusal of ``l2l resume``, as ``l2l validate`` names it.

Before, both said ``the optimizer state: corrupt encoded value: wrong magic bytes`` (which state, not said) while
``l2l validate`` said ``the state of generation 1 does not decode: ...``.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import h5py

import l2l


def test_a_state_that_does_not_decode_is_named_by_its_generation(tmp_path, l2l_here):
    config = {"run": {"seed": 1, "generations": 2}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": "sphere", "optimizer": {"name": "random", "population_size": 2},
              "backend": {"name": "serial"}}
    path = Path(l2l.run(config, tmp_path / "run.h5", progress=False))
    with h5py.File(path, "r+") as f:  # other bytes under a checksum of their own: they read, and do not decode
        start, length = int(f["generations/state_start"][1]), int(f["generations/state_length"][1])
        f["blobs/states"][start:start + length] = 0x41
        f["generations/state_crc32"][1] = zlib.crc32(b"A" * length)
    problem = "the state of generation 1 does not decode: corrupt encoded value: wrong magic bytes"
    assert l2l.validate(path) == [problem]
    shown = l2l_here("show", path, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert f"state      {problem}; l2l resume will refuse the file" in shown.stdout, shown.stdout
    resumed = l2l_here("resume", path, "--generations", 3, "--no-progress", cwd=tmp_path)
    assert resumed.returncode == 2 and resumed.stderr.strip() == f"l2l: error: {path}: {problem}", resumed.stderr

"""Checkpoints a run continues from: damage on disk is found, a bad checkpoint names its key, a way on.

A hyperband run of a small gradient-descent learner is cut at 100 of its 600 units of compute and resumed;
the uninterrupted run is the reference. Bytes overwritten inside a stored checkpoint's weights used to pass
``l2l validate`` and were continued from by ``l2l resume`` (results other than the uninterrupted run's); a
checkpoint holding a numpy Generator was refused without saying which key held it; and an unreadable
checkpoint stopped every resume of the run with no way on.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from conftest import write_toml
from inprocess_cli import l2l_main

import l2l
from l2l.simulators import SimulationResult

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
D = 12


def train(params, seed, budget, checkpoint=None):
    """Gradient descent on a fixed least-squares problem, ``budget`` steps, continued from ``checkpoint``."""
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(60, D)), rng.normal(size=60)
    if checkpoint is None:
        w, step = np.random.default_rng(seed).normal(scale=0.1, size=D), 0
    else:
        w, step = checkpoint["weights"].copy(), int(checkpoint["step"])
    curve = []
    for step in range(step + 1, int(budget) + 1):
        w = w - params["lr"] * (x.T @ (x @ w - y) / len(y) + params["reg"] * w)
        curve.append([step, float(np.mean((x @ w - y) ** 2))])
    loss = float(np.mean((x @ w - y) ** 2))
    return SimulationResult(objectives={"loss": loss}, curve={"loss": curve},
                            checkpoint={"weights": w, "step": int(budget)})


def train_with_generator(params, seed, budget, checkpoint=None):
    """A user's mistake: the random generator itself in the checkpoint."""
    result = train(params, seed, budget, checkpoint)
    result.checkpoint["rng"] = np.random.default_rng(seed)
    return result


def sweep_once(params, seed):
    return {"loss": float(params["lr"])}


CONFIG = """
[run]
name = "integrity"
seed = 3
compute = 600

[policy]
name = "hyperband"
eta = 3

[space]
lr = {{ type = "float", low = 0.001, high = 0.5, log = true }}
reg = {{ type = "float", low = 1e-5, high = 0.1, log = true }}

[optimizer]
name = "random"
population_size = 9

[simulator]
name = "python"
function = "test_checkpoint_integrity:{function}"
path = "{tests}"
multi_fidelity = {{ name = "steps", minimum = 1, maximum = 27, integer = true }}

[[objectives]]
name = "loss"

[backend]
name = "serial"
"""


def _cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    return l2l_main(*args, cwd=cwd)  # in this process: these tests are about files and messages, not processes


def _config(folder: Path, function: str = "train") -> Path:
    path = folder / f"{function}.toml"
    path.write_text(CONFIG.format(function=function, tests=TESTS))
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    """The uninterrupted run (600 units) and the same run cut at 100 units, made once for the module."""
    folder = tmp_path_factory.mktemp("integrity")
    config = _config(folder)
    for out, extra in (("full.h5", ()), ("part.h5", ("--compute", "100"))):
        done = _cli("run", str(config), "--out", out, "--no-progress", *extra, cwd=folder)
        assert done.returncode == 0, done.stderr
    return folder / "full.h5", folder / "part.h5"


def _runs(folder: Path, made: tuple[Path, Path]) -> tuple[Path, Path]:
    """Copies in ``folder`` of the uninterrupted run and of the run cut at 100 units (to be resumed to 600)."""
    for path in made:
        assert not Path(f"{path}.checkpoints").exists()  # every checkpoint is in the file: a copy is the run
        shutil.copy(path, folder / path.name)
    return folder / "full.h5", folder / "part.h5"


def _segments(path: Path) -> pd.DataFrame:
    frame = l2l.load(path, segments=True)
    return frame.sort_values(["trial", "budget"]).reset_index(drop=True)


def _continued_row(full: Path, part: Path) -> tuple[int, int]:
    """(row, trial) in ``part`` of a checkpoint the resume continues from: the first segment the uninterrupted
    run continued after the cut, its trial's last row in ``part``."""
    with h5py.File(part, "r") as f:
        trials = f["evaluations/trial"][:]
    with h5py.File(full, "r") as f:
        later_trials = f["evaluations/trial"][len(trials):]
        later_from = f["evaluations/from_budget"][len(trials):]
    trial = next(int(t) for t, b in zip(later_trials, later_from) if b > 0 and t in trials)
    return int(np.flatnonzero(trials == trial)[-1]), trial


def _damage_weights(path: Path, row: int) -> None:
    """Overwrite 8 bytes inside the weights array of the checkpoint stored with ``row``, in the file itself
    (as a disk or a careless tool would): the checkpoint still decodes, to other weights."""
    with h5py.File(path, "r") as f:
        start = int(f["evaluations/checkpoint_start"][row])
        blob = f["blobs/checkpoints"]
        data = blob[start:start + int(f["evaluations/checkpoint_length"][row])].tobytes()
        (header_length,) = struct.unpack("<Q", data[4:12])
        header = json.loads(data[12:12 + header_length])
        where = start + 12 + header_length + header["weights"]["__ndarray__"][2] + 16  # the third weight
        chunk = blob.chunks[0]
        info = blob.id.get_chunk_info_by_coord(((where // chunk) * chunk,))
        offset = info.byte_offset + where % chunk
    with open(path, "r+b") as handle:
        handle.seek(offset)
        before = handle.read(8)
        handle.seek(offset)
        handle.write(b"\x11" * 8)
    assert before != b"\x11" * 8


def _same_results(a: Path, b: Path) -> None:
    x, y = _segments(a), _segments(b)
    columns = ["trial", "budget", "from_budget", "status", "loss", "lr", "reg"]
    pd.testing.assert_frame_equal(x[columns], y[columns])


def test_damaged_weights_are_reported_by_validate_and_refused_by_resume(tmp_path, made):
    full, part = _runs(tmp_path, made)
    row, trial = _continued_row(full, part)
    damaged = tmp_path / "damaged.h5"
    shutil.copy(part, damaged)
    _damage_weights(damaged, row)

    checked = _cli("validate", str(damaged), cwd=tmp_path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert f"checkpoint of evaluation row {row} (trial {trial})" in checked.stdout + checked.stderr
    assert "checksum" in checked.stdout + checked.stderr

    for attempt in range(2):  # refused every time (the file may be restored), nothing written in between
        resumed = _cli("resume", str(damaged), "--compute", "600", "--no-progress", cwd=tmp_path)
        assert resumed.returncode == 2, resumed.stderr
        error = resumed.stderr.strip().splitlines()[-1]
        assert error.startswith("l2l: error: ") and f"the checkpoint of trial {trial} (row {row})" in error
        assert "checksum" in error and f"l2l resume {damaged} --drop-unreadable" in error
    assert len(l2l.load(damaged, segments=True)) == len(l2l.load(part, segments=True))

    # The undamaged copy resumes to the uninterrupted run's results, and validates.
    resumed = _cli("resume", str(part), "--compute", "600", "--no-progress", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    _same_results(part, full)
    assert _cli("validate", str(part), cwd=tmp_path).returncode == 0


def test_files_without_checksums_validate_and_resume_and_the_rows_that_have_them_are_checked(tmp_path, made):
    full, part = _runs(tmp_path, made)
    row, trial = _continued_row(full, part)
    # Written before checksums: no column at all.
    old = tmp_path / "old.h5"
    shutil.copy(part, old)
    with h5py.File(old, "r+") as f:
        assert "evaluations/checkpoint_crc32" in f
        del f["evaluations/checkpoint_crc32"]
    checked = _cli("validate", str(old), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert _cli("resume", str(old), "--compute", "600", "--no-progress", cwd=tmp_path).returncode == 0
    _same_results(old, full)
    assert _cli("validate", str(old), cwd=tmp_path).returncode == 0

    # Created with checksums, then appended to by an l2l without them: the column stops at the row it wrote.
    mixed = tmp_path / "mixed.h5"
    shutil.copy(part, mixed)
    with h5py.File(mixed, "r+") as f:
        f["evaluations/checkpoint_crc32"].resize((row + 1,))
    assert _cli("validate", str(mixed), cwd=tmp_path).returncode == 0
    damaged = tmp_path / "mixed_damaged.h5"
    shutil.copy(mixed, damaged)
    _damage_weights(damaged, row)
    checked = _cli("validate", str(damaged), cwd=tmp_path)
    assert checked.returncode == 1 and f"(trial {trial})" in checked.stdout + checked.stderr
    resumed = _cli("resume", str(damaged), "--compute", "600", "--no-progress", cwd=tmp_path)
    assert resumed.returncode == 2 and f"the checkpoint of trial {trial} (row {row})" in resumed.stderr
    resumed = _cli("resume", str(mixed), "--compute", "600", "--no-progress", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    _same_results(mixed, full)
    assert _cli("validate", str(mixed), cwd=tmp_path).returncode == 0
    with h5py.File(mixed, "r") as f:  # the rows the resume appended have their checksums again
        crc = f["evaluations/checkpoint_crc32"][:]
        lengths = f["evaluations/checkpoint_length"][:]
    assert len(crc) == len(lengths) and (crc[-10:][lengths[-10:] > 0] >= 0).all()


def test_a_checkpoint_that_cannot_be_stored_names_its_key(tmp_path):
    config = _config(tmp_path, "train_with_generator")
    done = _cli("run", str(config), "--out", "rng.h5", "--compute", "20", "--no-progress", cwd=tmp_path)
    errors = l2l.load(tmp_path / "rng.h5", segments=True)["error"]
    assert len(errors) and errors.str.contains("checkpoint key 'rng' cannot be stored without pickle").all(), \
        done.stderr
    assert "cannot store a value of type Generator" in errors.iloc[0]
    assert "checkpoint key 'rng'" in done.stderr


def test_drop_unreadable_records_that_continuation_as_failed_and_the_run_finishes(tmp_path, made):
    full, part = _runs(tmp_path, made)
    row, trial = _continued_row(full, part)
    before = _segments(part)
    _damage_weights(part, row)
    assert _cli("resume", str(part), "--compute", "600", "--no-progress", cwd=tmp_path).returncode == 2

    resumed = _cli("resume", str(part), "--compute", "600", "--no-progress", "--drop-unreadable", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"the checkpoint of trial {trial} (row {row}) cannot be read" in resumed.stderr
    segments = _segments(part)
    failed = segments[segments["status"] != "ok"]
    assert len(failed) == 1, failed
    dropped = failed.iloc[0]
    assert dropped["trial"] == trial and dropped["from_budget"] > 0
    assert dropped["error"].startswith("unreadable checkpoint: ") and f"(row {row})" in dropped["error"]
    assert segments[segments["trial"] == trial]["budget"].max() == dropped["budget"]  # not continued after
    # Nothing else lost: every segment the file held is still there, and the run went on to its compute.
    columns = ["trial", "budget", "from_budget", "status", "loss"]
    kept = segments.merge(before[columns], on=["trial", "budget"], suffixes=("", "_before"))
    assert len(kept) == len(before)
    assert (kept["loss"] == kept["loss_before"]).all()
    assert len(segments) > len(before) + 50
    shown = _cli("show", str(part), cwd=tmp_path)
    assert shown.returncode == 0 and "status: finished" in shown.stdout, shown.stdout
    # The damaged bytes stay in the file, but the run recorded them and went on: validate says the file is valid,
    # with a note naming the dropped checkpoint (it reported them as a problem, exit 1).
    with h5py.File(part, "r") as f:  # the file's row of the failed segment: the trial's next one
        dropped_row = int(np.flatnonzero(f["evaluations/trial"][:] == trial)[-1])
    checked = _cli("validate", str(part), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.strip().splitlines()
    assert lines[0] == f"{part}: valid l2l trajectory" and len(lines) == 2 and not checked.stderr, checked.stdout
    assert lines[1].startswith(f"{part}: note: the checkpoint of evaluation row {row} (trial {trial}) cannot be "
                               f"read: ") and "checksum" in lines[1], lines[1]
    assert (f"it was dropped: l2l resume --drop-unreadable recorded the segment that would continue from it as "
            f"failed (row {dropped_row})") in lines[1], lines[1]
    assert l2l.validate(part) == []
    # Another damaged checkpoint, one nothing dropped, is still a problem.
    other = tmp_path / "other.h5"
    shutil.copy(part, other)
    with h5py.File(other, "r") as f:
        later = int(np.flatnonzero(f["evaluations/checkpoint_length"][:] > 0)[-1])
        later_trial = int(f["evaluations/trial"][later])
    _damage_weights(other, later)
    checked = _cli("validate", str(other), cwd=tmp_path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert f"{other}: the checkpoint of evaluation row {later} (trial {later_trial}) cannot be read" \
        in checked.stderr, checked.stderr
    # Once recorded, the run needs the option no more.
    again = _cli("resume", str(part), "--no-progress", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_drop_unreadable_is_refused_for_a_run_without_checkpoints(tmp_path):
    config = write_toml(tmp_path / "sweep.toml", {
        "run": {"name": "sweep", "generations": 1},
        "space": {"lr": {"type": "float", "low": 0.001, "high": 0.5}},
        "optimizer": {"name": "random", "population_size": 3},
        "simulator": {"name": "python", "function": "test_checkpoint_integrity:sweep_once", "path": str(TESTS)},
        "objectives": [{"name": "loss"}],
        "backend": {"name": "serial"}})
    assert _cli("run", str(config), "--out", "sweep.h5", "--no-progress", cwd=tmp_path).returncode == 0
    refused = _cli("resume", "sweep.h5", "--generations", "2", "--drop-unreadable", "--no-progress", cwd=tmp_path)
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert lines == ["l2l: error: --drop-unreadable applies to a run whose candidates continue from checkpoints "
                     "(a [policy] or run.inherit); this run stores none"], refused.stderr
    assert len(l2l.load(tmp_path / "sweep.h5")) == 3

"""Five details of what a run's results say: the text of a dropped checkpoint, the curve of a retried
segment, the key columns of a sweep's traces, the winner in ``l2l compare``, the overview of a sweep's curves."""

from __future__ import annotations

import h5py
import numpy as np

import l2l
from l2l import SimulationResult
from l2l.results_schema import layout
from l2l.results_schema.validate import validate_with_notes

TOP = 9


def train(params, seed, budget, checkpoint=None):
    """A learning curve that ends at ``(lr - 0.3) ** 2 + 1 / budget``, continued from its checkpoint."""
    done = 0 if checkpoint is None else int(checkpoint["epoch"])
    curve = [[e, float((params["lr"] - 0.3) ** 2 + 1.0 / e)] for e in range(done + 1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget)})


def _mapping(policy: dict | None = None, population: int = 4, **run) -> dict:
    mapping = {"run": {"name": "details", "seed": 3, "generations": 1, **run},
               "space": {"lr": {"type": "float", "low": 0.01, "high": 1.0}},
               "optimizer": {"name": "random", "population_size": population},
               "simulator": {"name": "python",
                             "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": TOP, "integer": True}},
               "objectives": [{"name": "loss", "direction": "minimize"}],
               "backend": {"name": "serial"}}
    if policy:
        mapping["policy"] = policy
        del mapping["run"]["generations"]
    return mapping


# -- 1. the text of a segment l2l resume --drop-unreadable recorded as failed --------------------------------

def test_validate_recognises_a_dropped_checkpoint_by_the_text_the_driver_writes_whatever_its_wording(
        tmp_path, monkeypatch):
    """The driver and ``l2l validate`` share one template (layout.DROPPED_ERROR): reworded, the file the
    driver writes still validates, with the note; the old wording no longer recognises it."""
    monkeypatch.setattr(layout, "DROPPED_ERROR", "checkpoint unusable ({reason}), segment dropped on resume",
                        raising=False)
    config = l2l.from_mapping(_mapping({"name": "hyperband", "eta": 3}, compute=60))
    full = l2l.run(config, tmp_path / "full.h5", simulator=train, progress=False)
    part = l2l.run(l2l.from_mapping(_mapping({"name": "hyperband", "eta": 3}, compute=12)),
                   tmp_path / "part.h5", simulator=train, progress=False)
    with h5py.File(part, "r") as f:
        trials = f["evaluations/trial"][:]
    with h5py.File(full, "r") as f:  # a checkpoint the resume continues from: the first continued after the cut
        later = zip(f["evaluations/trial"][len(trials):], f["evaluations/from_budget"][len(trials):])
        trial = next(int(t) for t, b in later if b > 0 and t in trials)
    row = int(np.flatnonzero(trials == trial)[-1])
    with h5py.File(part, "r+") as f:  # its bytes no longer match their checksum
        crc = f["evaluations/checkpoint_crc32"]
        crc[row] = (int(crc[row]) + 1) % (1 << 32)
    l2l.resume(part, compute=60, simulator=train, drop_unreadable=True)
    segments = l2l.load(part, segments=True)
    failed = segments[segments["status"] != "ok"]
    assert len(failed) == 1 and int(failed["trial"].iloc[0]) == trial
    assert failed["error"].iloc[0].startswith("checkpoint unusable (") and "dropped on resume" in \
        failed["error"].iloc[0]
    problems, notes = validate_with_notes(part)
    assert problems == [] and len(notes) == 1, (problems, notes)
    assert f"the checkpoint of evaluation row {row} (trial {trial})" in notes[0] and "it was dropped" in notes[0]
    monkeypatch.undo()  # another wording: the failed segment is no dropped one, the damage is a problem
    problems, notes = validate_with_notes(part)
    assert notes == [] and len(problems) == 1 and f"row {row} (trial {trial}) cannot be read" in problems[0]

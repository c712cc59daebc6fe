"""``l2l.load(path, segments=True)`` calls a segment ``promoted`` only where it succeeded and a later segment of its
trial continued from it: a failed segment (no checkpoint: nothing continues it) is ``stopped``, though its trial was
trained again after it, as ``l2l show`` counts promotions (before, every failed segment a later one followed read
``promoted``: a PBT run whose every segment failed had 4 promoted segments, show 0 promotions)."""

from __future__ import annotations

import numpy as np

import l2l
from l2l.summary import summary_of


def config(**run):
    return {"run": {"name": "f28", "seed": 0, "compute": 24, **run},
            "space": {"x": {"type": "float", "low": 0, "high": 1}},
            "policy": {"name": "pbt", "population": 4, "interval": 2},
            "simulator": {"name": "python", "function": "x:y",
                          "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 8}},
            "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


def failing(params, seed, budget, checkpoint=None):
    raise RuntimeError("diverged")


def first_fails(params, seed, budget, checkpoint=None):
    """Fails every candidate's first segment (from scratch to 2 epochs); trained again from scratch, succeeds."""
    if checkpoint is None and budget <= 2:
        raise RuntimeError("diverged")
    return l2l.SimulationResult(objectives={"loss": params["x"] / (1 + budget)},
                                checkpoint={"w": np.ones(2), "epoch": budget})


def followed(segments):
    """The segments a later segment of the same trial followed."""
    return segments["trial"].duplicated(keep="last")


def promoted_trials(segments) -> int:
    return int(segments.loc[segments["state"] == "promoted", "trial"].nunique())


def test_a_failed_segment_a_later_one_followed_is_stopped_not_promoted(tmp_path):
    path = l2l.run(config(), tmp_path / "r.h5", simulator=failing, progress=False)
    segments = l2l.load(path, segments=True)
    failed_then_more = (segments["status"] == "failed") & followed(segments)
    assert failed_then_more.any()  # the case: trials trained again after a failed segment
    assert (segments.loc[failed_then_more, "state"] == "stopped").all(), segments[["trial", "budget", "state"]]
    assert promoted_trials(segments) == summary_of(path).candidates["promoted"] == 0


def test_successful_segments_continued_stay_promoted_beside_failed_ones(tmp_path):
    path = l2l.run(config(compute=48), tmp_path / "r.h5", simulator=first_fails, progress=False)
    segments = l2l.load(path, segments=True)
    failed = segments["status"] == "failed"
    assert (failed & followed(segments)).any() and (~failed & followed(segments)).any()
    assert (segments.loc[failed & followed(segments), "state"] == "stopped").all()
    assert (segments.loc[~failed & followed(segments), "state"] == "promoted").all()
    assert promoted_trials(segments) == summary_of(path).candidates["promoted"] > 0  # as l2l show counts them

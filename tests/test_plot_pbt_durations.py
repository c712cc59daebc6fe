"""The overview's duration histogram of a multi-fidelity (PBT) run counts segments, as the status panel does.

Before, it counted candidates (one row each: 6 for a run of 16 segments) under the title "evaluation
durations", while the status panel beside it counted the segments.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import l2l  # noqa: E402
from l2l.plot import panels  # noqa: E402
from l2l.plot.data import load_run  # noqa: E402

CONFIG = {
    "run": {"name": "pb"}, "space": {"learning_rate": {"low": 0.001, "high": 0.3, "log": True}},
    "simulator": {"name": "noisy-sgd", "max_budget": 200},
    "objectives": [{"name": "loss", "direction": "minimize"}],
    "policy": {"name": "pbt", "population": 4, "interval": 50}, "backend": {"name": "serial"}}


def test_the_histogram_counts_and_names_the_segments(tmp_path):
    path = l2l.run(l2l.from_mapping(CONFIG), tmp_path / "pb.h5", progress=False)
    run = load_run(path)
    segments = len(l2l.load(path, segments=True))
    assert segments == 16 and len(run.frame) < segments
    fig, (histogram, status) = plt.subplots(1, 2)
    try:
        panels.draw_duration_histogram(histogram, run)
        panels.draw_status(status, run)
        counted = sum(patch.get_height() for patch in histogram.patches)
        assert counted == segments == sum(patch.get_height() for patch in status.patches)
        assert histogram.get_title() == "segment durations (16 segments)"
        assert histogram.get_ylabel() == "segments (count)"
    finally:
        plt.close(fig)

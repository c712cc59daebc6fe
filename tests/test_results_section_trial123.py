"""What a reader of a paper's figures and results section sees in l2l's plots, report and comparison.

Found in a new-user trial (helper-123): durations of sub-millisecond evaluations were drawn in seconds, with ticks
"0.000000 0.00005 0.00010" running into each other; ...
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import l2l  # noqa: E402
from l2l.plot import panels  # noqa: E402
from l2l.plot.data import load_run  # noqa: E402

SPHERE = {
    "run": {"name": "sphere-ga", "seed": 1, "generations": 3},
    "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [4]}},
    "optimizer": {"name": "ga", "population_size": 8},
    "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    return {"sphere": l2l.run(l2l.from_mapping(SPHERE), folder / "sphere-ga.h5", progress=False)}


def test_fast_evaluations_durations_are_drawn_in_microseconds(runs):
    run = load_run(runs["sphere"])
    assert run.frame["duration"].median() < 1e-3  # the sphere takes microseconds
    fig, (histogram, per_generation) = plt.subplots(1, 2)
    try:
        panels.draw_duration_histogram(histogram, run)
        panels.draw_duration_per_generation(per_generation, run)
        fig.canvas.draw()
        assert histogram.get_xlabel() == "duration of one evaluation (µs)"
        assert per_generation.get_ylabel() == "duration of one evaluation (µs)"
        for ticks in (histogram.get_xticklabels(), per_generation.get_yticklabels()):
            texts = [t.get_text().replace("\u2212", "-") for t in ticks if t.get_text()]
            assert texts and all(len(t) <= 5 for t in texts), texts  # '20', '40', not '0.00002'
    finally:
        plt.close(fig)

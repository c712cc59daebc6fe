"""The analysis commands on big files (session 27): ``l2l show`` reads the event log once, not about 18 times; the
curves plot of a frame of ``l2l.load`` knows from ``frame.attrs`` that the run reached its target; the hypervolume
curve of ``l2l compare`` is the exact one, computed point by point where that is faster.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

import l2l
from conftest import TESTS
from l2l.analysis import hypervolume as hv
from l2l.cli import main
from l2l.objectives import Objective
from l2l.results_schema import reader, structure


def _asha(tmp_path, **run):
    config = l2l.from_mapping({
        "run": {"seed": 2, "compute": 300, **run}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "python", "function": "models_compute_limit:curve",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}}, base_dir=TESTS)
    return l2l.run(config, tmp_path / "asha.h5", progress=False)


def test_show_of_a_multi_fidelity_run_reads_the_event_log_once(tmp_path, monkeypatch):
    path = _asha(tmp_path)
    reads = []
    read_events = structure.read_events
    monkeypatch.setattr(reader.structure, "read_events", lambda layout: reads.append(1) or read_events(layout))
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["show", str(path)]) == 0
    assert "status: finished" in out.getvalue()
    # opening checks the log and reads the resumed compute (no table built); then one table for every reader
    assert len(reads) <= 3, len(reads)  # was 20: every summary line, and every frame, read it again
    with l2l.Trajectory(path) as trajectory:  # each caller gets its own copy of the table read once
        first = trajectory.events()
        first.loc[len(first) - 1, "kind"] = "changed by a caller"
        assert list(trajectory.events()["kind"]) == ["started", "finished"] and trajectory.finished()


def test_the_curves_plot_of_a_loaded_frame_says_the_candidates_below_the_top_were_left_at_the_target(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from l2l.plot.curves import BY_TARGET, curves_figure

    path = _asha(tmp_path, target=1e9)  # the first top-budget result reaches it
    frame = l2l.load(path)
    assert isinstance(frame.attrs["target"], dict) and "stopped" in set(frame["state"])
    for source in (frame, path):  # a frame has no event log: its attrs say it (the file's plot said so already)
        figure = curves_figure(source)
        try:
            texts = [t.get_text() for ax in figure.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        finally:
            plt.close(figure)
        assert any(BY_TARGET in text for text in texts), texts


def _points(kind: str, rng: np.random.Generator, n: int, dims: int) -> np.ndarray:
    """``n`` rows of ``dims`` objectives: on a sphere (all join the front), uniform (most are dominated), on a grid
    of six values (ties in every objective) or trading off in the first two alone."""
    if kind == "sphere":
        points = np.abs(rng.normal(size=(n, dims)))
        return points / np.linalg.norm(points, axis=1, keepdims=True)
    if kind == "uniform":
        return rng.random((n, dims))
    if kind == "grid":
        return rng.integers(0, 6, (n, dims)).astype(float)
    first = rng.random(n)
    return np.c_[first, 1 - first, rng.integers(0, 3, (n, dims - 2))]


def _exact_curve(values, counted, candidates, objectives, reference, ends):
    """The hypervolume after the first k rows, for each k in ``ends``, each from scratch: the candidates counted
    once at their result, those counted more than once at the mean of their results so far."""
    repeated = {c for c in set(candidates[counted]) if (candidates[counted] == c).sum() > 1}
    curve = []
    for end in ends:
        rows = [r for r in range(end) if counted[r]]
        points = [values[r] for r in rows if candidates[r] not in repeated]
        for c in repeated:
            mine = [values[r] for r in rows if candidates[r] == c]
            if mine:
                points.append(np.mean(mine, axis=0))
        curve.append(hv.hypervolume(np.array(points).reshape(-1, len(objectives)), objectives, reference))
    return np.array(curve)


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("kind", ["sphere", "uniform", "grid", "tradeoff"])
def test_the_hypervolume_curve_is_the_exact_volume_after_each_of_its_rows(dims, kind, monkeypatch):
    objectives = [Objective("a"), Objective("b", direction="maximize"), Objective("c")][:dims]
    for seed in range(4):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(40, 300))
        values = _points(kind, rng, n, dims) * [1.0, -1.0, 1.0][:dims]  # the second objective maximized
        reference = [values[:, 0].max() + 0.1 * (seed % 2), values[:, 1].min(), *values[:, 2:].max(axis=0)]
        counted = rng.random(n) > 0.1
        candidates = np.arange(n)
        if seed >= 2:  # some candidates evaluated again (their means count), one non-finite result
            candidates[rng.random(n) < 0.2] = rng.integers(0, 10, n)[:1]
            values[rng.integers(0, n)] = np.nan
        for cost in ((0.0, 0.0), (np.inf, np.inf), hv.POINT_COST):  # point by point, by sweeps, as chosen
            monkeypatch.setattr(hv, "POINT_COST", cost)
            ends, curve = hv.hypervolume_curve(values, counted, candidates, objectives, reference,
                                               points=int(rng.integers(5, 60)))
            exact = _exact_curve(values, counted, candidates, objectives, reference, ends)
            np.testing.assert_allclose(curve, exact, rtol=1e-12, atol=1e-12 * max(1.0, exact.max()))

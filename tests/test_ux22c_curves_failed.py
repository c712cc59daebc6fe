"""``l2l plot FILE --kind curves`` marks the failed segments: a ring, in the legend with its count, at the point each
failed segment started from (its candidate's curve ends there). Before, a candidate whose segment failed ended in
the same cross as one the policy stopped, and the failures were nowhere on the plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import l2l  # noqa: E402
from l2l.plot.curves import curves_figure  # noqa: E402


def _config(policy: dict) -> l2l.Config:
    return l2l.from_mapping({
        "run": {"name": "c", "seed": 1, "generations": 1},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 27},
        "policy": policy,
        "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}})


def _rings(figure) -> tuple[str, np.ndarray]:
    ax = figure.axes[0]
    labels = [c.get_label() for c in ax.collections]
    found = [c for c in ax.collections if c.get_label().startswith("a segment failed from here")]
    assert len(found) == 1, labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert found[0].get_label() in legend, legend
    return found[0].get_label(), np.asarray(found[0].get_offsets())


def test_failed_segments_are_rings_where_they_started_in_the_legend(tmp_path):
    def train(params, seed, budget, checkpoint=None):
        if budget > 1 and params["x"] < 0.5:  # the promoted good half fails on its way up
            raise RuntimeError("diverged")
        if params["x"] > 0.97:  # and a few at once, which have no point to ring
            raise RuntimeError("at once")
        return l2l.SimulationResult(objectives={"loss": params["x"] + 1.0 / budget}, checkpoint={"epoch": budget})

    path = l2l.run(_config({"name": "successive-halving", "eta": 3}), tmp_path / "c.h5", simulator=train,
                   progress=False)
    segments = l2l.load(path, segments=True)
    failed = segments[(segments["status"] != "ok") & (segments["from_budget"] > 0)]
    assert len(failed) and (segments["from_budget"] == 0).sum() > 0
    ok = segments[segments["status"] == "ok"].set_index(["trial", "budget"])["loss"]
    expected = sorted((float(b), float(ok[(t, b)])) for t, b in zip(failed["trial"], failed["from_budget"]))
    label, rings = _rings(curves_figure(path))
    assert label == f"a segment failed from here ({len(failed)})"
    assert sorted(map(tuple, rings.tolist())) == expected


def test_a_segment_that_restarted_and_failed_is_ringed_at_the_candidates_last_point(tmp_path):
    def restarts(params, seed, budget):  # no checkpoint: every segment trains from scratch (from_budget 0)
        if budget > 1 and params["x"] < 0.5:
            raise RuntimeError("diverged")
        return {"loss": params["x"] + 1.0 / budget}

    path = l2l.run(_config({"name": "successive-halving", "eta": 3}), tmp_path / "r.h5", simulator=restarts,
                   progress=False)
    segments = l2l.load(path, segments=True)
    failed = segments[segments["status"] != "ok"]
    assert len(failed) and (failed["from_budget"] == 0).all() and (failed["budget"] > 1).all()
    ok = segments[segments["status"] == "ok"]
    expected = sorted((float(b), float(v)) for t in failed["trial"]
                      for b, v in [ok.loc[ok["trial"] == t, ["budget", "loss"]].sort_values("budget").iloc[-1]])
    label, rings = _rings(curves_figure(path))
    assert label == f"a segment failed from here ({len(failed)})"
    assert sorted(map(tuple, rings.tolist())) == expected

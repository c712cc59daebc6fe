"""pbt with fraction = 0.5 (Ray Tune's quantile_fraction = 0.5) and an odd population: the top and the bottom hold
at most half the members each, as Ray Tune's quantiles do, so a member ranked in the middle is neither a donor nor
an exploiter. Before, round(0.5 x 3) = 2 made a top and a bottom of 2 that shared the middle member: it went on
untouched, yet was the donor of half the exploits."""

from __future__ import annotations

import l2l


def _train(params, seed, budget, checkpoint=None):
    start = 0 if checkpoint is None else int(checkpoint["epoch"])
    loss = abs(params["lr"] - 0.1) + 1.0 / budget  # deterministic: the ranking is the parameters'
    curve = [[epoch, abs(params["lr"] - 0.1) + 1.0 / epoch] for epoch in range(start + 1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"loss": loss}, curve={"loss": curve}, checkpoint={"epoch": int(budget)})


def test_half_of_three_members_copies_the_best_only(tmp_path):
    config = {"run": {"name": "half", "seed": 3},
              "space": {"lr": {"type": "float", "low": 1e-3, "high": 1.0, "log": True}},
              "policy": {"name": "pbt", "population": 3, "interval": 1, "fraction": 0.5},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 10}},
              "objectives": [{"name": "loss", "direction": "minimize"}],
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "half.h5", simulator=_train, progress=False)
    segments = l2l.load(path, segments=True)
    exploits = segments[segments["parent"] >= 0]
    assert len(exploits) >= 5, len(exploits)
    for row in exploits.itertuples():  # each donor was the best of the three members at the budget copied
        there = segments[(segments["budget"] == row.from_budget) & (segments["status"] == "ok")]
        assert len(there) == 3, there
        assert row.parent == there.loc[there["loss"].idxmin(), "trial"], (row, there)

"""``l2l reevaluate`` of a run of several objectives re-evaluates its Pareto front, not the K best by one objective.

Before, ``l2l reevaluate FILE --top K`` (``l2l.reevaluate.reevaluate``, ``[run] reevaluate``) of a run of err and
spikes took the K best by err: the front member with the fewest spikes was never confirmed on fresh seeds unless K
covered the front. Now, without ``--objective``, the candidates are the front ``l2l show`` / ``l2l.front`` list (at
the means of their repeats), at most K of them spread evenly along it by the first objective, said in one line;
``--objective NAME`` keeps the K best by that objective.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import l2l
from l2l.cli import main
from l2l.reevaluate import reevaluate

TESTS = Path(__file__).resolve().parent


def trade_off(params, seed):
    """err and spikes fight over x; y only adds spikes, so the front is a curve of small y over x. A little noise
    from the seed so that fresh seeds have something to say."""
    x, y = params["x"], params["y"]
    noise = np.random.default_rng(seed).normal(0.0, 0.01)
    return {"err": x + noise, "spikes": (1.0 - x) ** 2 + y}


def _run(folder: Path, seed: int = 4, evaluations: int = 40) -> str:
    config = {"run": {"name": "mo", "seed": seed, "generations": 1},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0},
                        "y": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": evaluations},
              "simulator": {"name": "python", "function": "test_mo27b:trade_off", "path": str(TESTS)},
              "objectives": [{"name": "err"}, {"name": "spikes"}],
              "backend": {"name": "serial"}}
    return str(l2l.run(l2l.from_mapping(config), folder / "mo.h5", progress=False))


def _reevaluated(path: str) -> set[tuple[int, int]]:
    rows = l2l.load(path, reevaluations=True)
    return set(zip(rows["generation"].astype(int), rows["individual"].astype(int)))


def test_reevaluate_of_two_objectives_takes_the_whole_front_when_it_fits(tmp_path):
    for seed in (4, 5, 6):  # several runs: never one lucky front
        path = _run(tmp_path / str(seed), seed)
        front = {(c.generation, c.individual) for c in l2l.front(path)}
        by_err = l2l.load(path).sort_values("err")
        fewest_spikes = min(l2l.front(path), key=lambda c: c.objectives["spikes"])
        # the case the old code got wrong: the front's fewest-spikes end is not among its len(front) best by err
        best_by_err = set(list(zip(by_err["generation"], by_err["individual"]))[:len(front)])
        assert (fewest_spikes.generation, fewest_spikes.individual) not in best_by_err
        table = reevaluate(path, top=len(front), seeds=2)
        assert _reevaluated(path) == front
        assert table.attrs["picked"].startswith(f"picked: the Pareto front over err, spikes (candidates at the means "
                                                f"of their repeats, as l2l show lists it): all {len(front)} "
                                                f"candidates;")


def test_a_front_longer_than_top_is_spread_along_it_and_the_command_says_so(tmp_path, capsys):
    path = _run(tmp_path)
    front = sorted(l2l.front(path), key=lambda c: c.objectives["err"])
    assert len(front) >= 5
    assert main(["reevaluate", path, "--top", "3", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (f"picked: the Pareto front over err, spikes (candidates at the means of their "
                                   f"repeats, as l2l show lists it): {len(front)} candidates, 3 of them spread evenly "
                                   f"along it by err (both ends kept); --objective NAME takes the best by one "
                                   f"objective instead")
    ends = {(front[0].generation, front[0].individual), (front[-1].generation, front[-1].individual)}
    picked = _reevaluated(path)
    assert len(picked) == 3 and ends < picked  # both ends: the lowest err and the fewest spikes
    assert picked <= {(c.generation, c.individual) for c in front}
    assert "on the fresh seeds, every objective: " in out  # l2l show's front on the fresh seeds follows the ranking


def test_objective_named_keeps_the_best_by_that_objective(tmp_path, capsys):
    path = _run(tmp_path)
    assert main(["reevaluate", path, "--top", "3", "--seeds", "2", "--objective", "spikes"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ("picked: the 3 best by mean spikes (minimize), as --objective asks; without it, "
                                   "the Pareto front over every objective")
    rows = l2l.load(path)
    best = rows.sort_values("spikes", kind="stable").head(3)
    assert _reevaluated(path) == set(zip(best["generation"], best["individual"]))


def test_the_front_is_over_candidates_at_the_means_of_their_repeats_as_l2l_front(tmp_path):
    # a GA with weights evaluates its elites again every generation: the front counts each once, at its mean
    from l2l.reevaluate import candidates
    from l2l.results_schema.reader import Trajectory

    config = {"run": {"name": "ga", "seed": 4, "generations": 4},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0},
                        "y": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "ga", "population_size": 8, "weights": [1.0, 1.0]},
              "simulator": {"name": "python", "function": "test_mo27b:trade_off", "path": str(TESTS)},
              "objectives": [{"name": "err"}, {"name": "spikes"}],
              "backend": {"name": "serial"}}
    path = l2l.run(l2l.from_mapping(config), tmp_path / "ga.h5", progress=False)
    front = l2l.front(path)
    assert max(c.n for c in front) > 1  # repeats on the front: the case
    with Trajectory(path) as trajectory:
        chosen = candidates(trajectory, 100)
    assert {(c.generation, c.individual) for c in chosen} == {(c.generation, c.individual) for c in front}
    means = {(c.generation, c.individual): c.objectives["err"] for c in front}
    assert [c.value for c in chosen] == sorted(c.value for c in chosen)  # ordered by the first objective
    assert all(np.isclose(c.value, means[(c.generation, c.individual)]) for c in chosen)

"""The "beats random search / CMA-ES" claims of tests/test_optimizers.py, test_optimizer_nevergrad.py and
test_optimizer_quadratic.py on seeds of your choice.

The tests' own helpers and settings, imported so that the two cannot drift apart (the nevergrad loop is written
inside its test and repeated here: keep the two the same):

* sphere (test_optimizers.py): each learner's best on the 4-D sphere at its budget (BUDGET, default 600), every
  seed run to the whole budget; the test asserts median(learner) < median(random search) / 3 over its seeds
  (3 or 5). Per seed: log10(learner / random search) (the test's bar is log10(1/3) = -0.477).
* ZDT1 (test_optimizers.py): hypervolume after 25 generations of 40; the test asserts median(nsga2) >
  2 x median(random) on seeds 0-2, and nsga3 > random on seed 0. Per seed: nsga2 / random, nsga3 / random.
* NGOpt (test_optimizer_nevergrad.py): 50 asks of 4 on the 4-D sphere; the test asserts nevergrad < 0.05 x random
  on seed 0. Per seed: nevergrad / random.
* auto (test_optimizer_auto.py): 40 asks of 10 on the 4-D sphere, budget 400, with and without nevergrad; the
  test asserts auto < 0.01 x random on seed 1. Per seed: auto / random (loop repeated here: keep the two the same).
* cmaes-quadratic (test_optimizer_quadratic.py): 5-D rotated ellipsoid of seed 10 + s, 300 evaluations, batches of
  1 and 16; the test asserts, on s = 0, 1, 2 each, ours < 1e-6 and ours < 1e-4 x plain CMA-ES. Per seed: both.

For each claim the per-seed figures, how many seeds go the wrong way and whether the test's assertion holds on
these seeds. The last line is one JSON object.

    python scripts/optimizers_test_claims.py [first seed, default 200] [count, default 10]
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from optimizer_helpers import evaluate, sphere_problem  # noqa: E402
from test_optimizer_quadratic import _best, _rotated_ellipsoid  # noqa: E402 - the tests' own helpers
from test_optimizers import BUDGET, LEARNERS, _best_on_the_sphere, _zdt1_hypervolume  # noqa: E402
from l2l.optimizers import OPTIMIZERS  # noqa: E402


def _ngopt(job: tuple[str, int]) -> float:
    name, seed = job
    problem = sphere_problem(dimension=4)
    opt = OPTIMIZERS.create(name, {"budget": 200, "num_workers": 4} if name == "nevergrad" else {})
    state, best = opt.init(problem, seed=seed), np.inf
    for _ in range(50):
        candidates, state = opt.ask(problem, state, n=4)
        scores, _ = evaluate(problem, candidates)
        state = opt.tell(problem, state, candidates, scores)
        best = min(best, -scores[:, 0].max())
    return float(best)


def _auto(name: str, seed: int, nevergrad: bool) -> float:
    problem = sphere_problem(dimension=4)
    opt = OPTIMIZERS.create(name, {"budget": 400, "nevergrad": nevergrad} if name == "auto" else {})
    state, values = opt.init(problem, seed=seed), []
    for _ in range(40):
        candidates, state = opt.ask(problem, state, n=10)
        scores, _ = evaluate(problem, candidates)
        state = opt.tell(problem, state, candidates, scores)
        values.append(-scores[:, 0].max())
    return float(min(values))


def _job(job: tuple) -> float:
    kind, name, seed = job[:3]
    if kind == "auto":
        return _auto(name, seed, job[3])
    if kind == "sphere":
        return _best_on_the_sphere(name, seed, BUDGET.get(name, 600) if name != "random" else job[3])
    if kind == "zdt1":
        return _zdt1_hypervolume(name, seed)
    if kind == "ngopt":
        return _ngopt((name, seed))
    batch = job[3]
    return _best(name, _rotated_ellipsoid(5, seed=10 + seed), 5, 300, batch, seed)


def main(first: int, count: int) -> None:
    seeds = list(range(first, first + count))
    budgets = sorted({BUDGET.get(name, 600) for name in LEARNERS})
    jobs = ([("sphere", "random", s, b) for b in budgets for s in seeds]
            + [("sphere", name, s) for name in LEARNERS for s in seeds]
            + [("zdt1", name, s) for name in ("nsga2", "nsga3", "random") for s in seeds]
            + [("ngopt", name, s) for name in ("nevergrad", "random") for s in seeds]
            + [("auto", name, s, ng) for name in ("auto", "random") for ng in (True, False) for s in seeds]
            + [("quadratic", name, s, b) for name in ("cmaes-quadratic", "cmaes") for b in (1, 16) for s in seeds])
    with Pool(2) as pool:
        found = dict(zip(jobs, pool.map(_job, jobs)))
    summary = {}

    def report(name, values, wrong, holds, extra=""):
        values = np.asarray(values, dtype=float)
        summary[name] = {"holds": bool(holds), "wrong_way": int(wrong), "values": [float(f"{v:.4g}") for v in values]}
        print(f"{name:42s} {extra} wrong way on {int(wrong)} of {values.size}: test's assertion "
              f"{'holds' if holds else 'FAILS'}")

    for name in LEARNERS:
        budget = BUDGET.get(name, 600)
        random = np.array([found["sphere", "random", s, budget] for s in seeds])
        learner = np.array([found["sphere", name, s] for s in seeds])
        ratio = np.log10(np.maximum(learner, 1e-300) / random)
        report(f"sphere {name} ({budget})", ratio, (ratio > np.log10(1 / 3)).sum(),
               np.median(learner) < np.median(random) / 3,
               f"median {np.median(learner):.3g} vs random {np.median(random):.3g}; log10 ratio max {ratio.max():+.2f};")
    hv = {n: np.array([found["zdt1", n, s] for s in seeds]) for n in ("nsga2", "nsga3", "random")}
    report("zdt1 nsga2 / random (> 2 on the median)", hv["nsga2"] / hv["random"], (hv["nsga2"] < 2 * hv["random"]).sum(),
           np.median(hv["nsga2"]) > 2 * np.median(hv["random"]), f"min ratio {(hv['nsga2'] / hv['random']).min():.2f};")
    report("zdt1 nsga3 / random (> 1 per seed)", hv["nsga3"] / hv["random"], (hv["nsga3"] <= hv["random"]).sum(),
           (hv["nsga3"] > hv["random"]).all(), f"min ratio {(hv['nsga3'] / hv['random']).min():.2f};")
    ng = {n: np.array([found["ngopt", n, s] for s in seeds]) for n in ("nevergrad", "random")}
    ratio = ng["nevergrad"] / ng["random"]
    report("ngopt / random (< 0.05 per seed)", ratio, (ratio >= 0.05).sum(), (ratio < 0.05).all(),
           f"max ratio {ratio.max():.3g};")
    for ng in (True, False):
        ratio = (np.array([found["auto", "auto", s, ng] for s in seeds])
                 / np.array([found["auto", "random", s, ng] for s in seeds]))
        report(f"auto nevergrad={ng} / random (< 0.01 per seed)", ratio, (ratio >= 0.01).sum(), (ratio < 0.01).all(),
               f"max ratio {ratio.max():.3g};")
    for batch in (1, 16):
        ours = np.array([found["quadratic", "cmaes-quadratic", s, batch] for s in seeds])
        plain = np.array([found["quadratic", "cmaes", s, batch] for s in seeds])
        bad = (ours >= 1e-6) | (ours >= 1e-4 * plain)
        report(f"cmaes-quadratic batch {batch} (< 1e-6, < 1e-4 plain)", ours / plain, bad.sum(), not bad.any(),
               f"max ours {ours.max():.3g}, max ratio {(ours / plain).max():.3g};")
    print(json.dumps({"seeds": seeds, **summary}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 10)

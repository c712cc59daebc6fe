"""A researcher's own stateful learner under PBT against random search of the same compute, on fresh seeds.

The learner (persona trial 33a): a 2-32-1 tanh network regressing a noisy 2-D function by minibatch SGD (8
samples a step, labels with noise 0.5, validation on the clean function), 1,000 steps, four parameters: ``lr``
(log), ``weight_decay`` (log), ``grad_noise`` (log, Gaussian noise added to each gradient) and ``momentum``.
Each step's batch and noise come from ``(seed, step)``, so a learner continued from its checkpoint equals one
trained at once.

For each run seed: ``pbt`` (population 8, ``[run] policy = "pbt"`` on a sweep of 8 random members: interval 100,
the defaults) and ``random`` (the same sweep without that line: 8 random constant learners, the same 8,000
steps). The chosen learner (``l2l.best``) is measured on fresh seeds 10000..10004: PBT's by training its schedule
(``l2l.lineage``) piece by piece with the fresh seed, random search's constants from scratch. Seed 0's best PBT
learner is also replayed with its pieces' own ``seed`` column, which must give ``l2l.checkpoint`` array for array.
For context, hand-made schedules on the fresh seeds: constants of ``lr`` and a geometric fall of it over the 10
intervals (``weight_decay`` 1e-5, ``grad_noise`` 1e-4, ``momentum`` 0.5).

    python benchmarks/pbt_own_mlp.py --seeds 10      # about 1 minute at load 15 on 2 cores

The last line printed is one JSON object (docs/pbt.md, "Your own stateful learner").
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import l2l  # noqa: E402

HIDDEN, BATCH, NOISE, STEPS = 32, 8, 0.5, 1000
NAMES = ("lr", "weight_decay", "grad_noise", "momentum")
FRESH = range(10000, 10005)


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(123)
    x = rng.uniform(-2, 2, (1200, 2))
    f = np.sin(1.5 * x[:, 0]) * np.cos(x[:, 1]) + 0.3 * x[:, 0]
    return x[:1000], f[:1000] + rng.normal(0, NOISE, 1000), x[1000:], f[1000:]


X, Y, X_VALIDATION, F_VALIDATION = _data()


def _forward(w: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    hidden = np.tanh(x @ w["w1"] + w["b1"])
    return hidden, hidden @ w["w2"] + w["b2"]


def validation_mse(w: dict) -> float:
    """Mean squared error against the clean function on 200 held-out points."""
    return float(np.mean((_forward(w, X_VALIDATION)[1] - F_VALIDATION) ** 2))


def train(params, seed, budget, checkpoint=None):
    """Train from ``checkpoint`` (from scratch without one) up to ``budget`` steps."""
    if checkpoint is None:
        rng = np.random.default_rng(seed)
        w = {"w1": rng.normal(0, 1, (2, HIDDEN)), "b1": np.zeros(HIDDEN),
             "w2": rng.normal(0, 1 / np.sqrt(HIDDEN), HIDDEN), "b2": np.zeros(())}
        v, done = {k: np.zeros_like(a) for k, a in w.items()}, 0
    else:
        w = {k: np.array(a, dtype=float) for k, a in checkpoint["w"].items()}
        v = {k: np.array(a, dtype=float) for k, a in checkpoint["v"].items()}
        done = int(checkpoint["step"])
    curve = []
    with np.errstate(all="ignore"):  # a member drawn with a large lr diverges: its result is inf or nan
        for step in range(done + 1, int(budget) + 1):
            rng = np.random.default_rng([seed, step])
            i = rng.integers(0, len(Y), BATCH)
            hidden, p = _forward(w, X[i])
            e = (p - Y[i]) / BATCH
            back = np.outer(e, w["w2"]) * (1 - hidden ** 2)
            g = {"w1": X[i].T @ back, "b1": back.sum(0), "w2": hidden.T @ e, "b2": e.sum()}
            for k in w:
                gk = g[k] + params["weight_decay"] * w[k] + params["grad_noise"] * rng.normal(size=np.shape(w[k]))
                v[k] = params["momentum"] * v[k] - params["lr"] * gk
                w[k] = w[k] + v[k]
            if step % 20 == 0 or step == int(budget):
                curve.append([step, validation_mse(w)])
        result = validation_mse(w)
    return l2l.SimulationResult(objectives={"mse": result}, curve={"mse": curve},
                                checkpoint={"w": w, "v": v, "step": int(budget)})


def config(seed: int, pbt: bool) -> dict:
    return {"run": {"seed": seed, "generations": 1, **({"policy": "pbt"} if pbt else {})},
            "space": {"lr": {"type": "float", "low": 1e-3, "high": 0.3, "log": True},
                      "weight_decay": {"type": "float", "low": 1e-6, "high": 1e-2, "log": True},
                      "grad_noise": {"type": "float", "low": 1e-5, "high": 0.1, "log": True},
                      "momentum": {"type": "float", "low": 0.0, "high": 0.9}},
            "optimizer": {"name": "random", "population_size": 8},
            "simulator": {"name": "python", "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": STEPS}},
            "objectives": [{"name": "mse", "direction": "minimize"}],
            "backend": {"name": "serial"}}


def replay(pieces: list[dict], seed: int | None = None) -> tuple[float, dict]:
    """Train the pieces in turn, each checkpoint passed on; ``seed`` None: each piece's own ``seed``."""
    checkpoint = None
    for piece in pieces:
        result = train({k: piece[k] for k in NAMES}, int(piece["seed"]) if seed is None else seed,
                       int(piece["budget"]), checkpoint)
        checkpoint = result.checkpoint
    return result.objectives["mse"], checkpoint


def _stats(values: np.ndarray) -> str:
    return f"{values.mean():.4f} ± {values.std(ddof=1):.4f} [{values.min():.4f}..{values.max():.4f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="run seeds 0..N-1")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(args.seeds):
            row = {"seed": seed}
            for kind in ("pbt", "random"):
                path = l2l.run(config(seed, kind == "pbt"), Path(folder) / f"{kind}-{seed}.h5", simulator=train)
                best = l2l.best(path)
                if kind == "pbt":
                    pieces = l2l.lineage(path, [best.trial]).to_dict("records")
                    if seed == 0:
                        _, again = replay(pieces)
                        stored = l2l.checkpoint(path)
                        row["replay_equal"] = all(np.array_equal(again[part][k], stored[part][k])
                                                  for part in ("w", "v") for k in stored[part])
                        row["schedule_lr"] = [round(float(p["lr"]), 4) for p in pieces]
                else:
                    pieces = [dict(best.params, budget=STEPS, seed=0)]
                row[kind] = {"in_run": best.value, "fresh": float(np.mean([replay(pieces, f)[0] for f in FRESH]))}
            rows.append(row)
            print(seed, {k: row[k] for k in ("pbt", "random")}, flush=True)
    pbt = np.array([r["pbt"]["fresh"] for r in rows])
    rnd = np.array([r["random"]["fresh"] for r in rows])
    difference = pbt - rnd
    hand = {}
    for label, lrs in {"constant 0.01": [0.01], "constant 0.02": [0.02], "constant 0.03": [0.03],
                       "falling 0.1 -> 0.003": list(np.geomspace(0.1, 0.003, 10))}.items():
        pieces = [{"lr": lr, "weight_decay": 1e-5, "grad_noise": 1e-4, "momentum": 0.5, "seed": 0,
                   "budget": (j + 1) * STEPS // len(lrs)} for j, lr in enumerate(lrs)]
        hand[label] = float(np.mean([replay(pieces, f)[0] for f in FRESH]))
    print(f"fresh seeds: pbt {_stats(pbt)}, random {_stats(rnd)}; pbt - random {difference.mean():+.4f} ± "
          f"{difference.std(ddof=1):.4f} (2 standard errors {2 * difference.std(ddof=1) / np.sqrt(len(rows)):.4f}), "
          f"pbt better in {int((difference < 0).sum())}/{len(rows)}")
    print("hand-made on the fresh seeds:", {k: round(v, 4) for k, v in hand.items()})
    print(json.dumps({"seeds": args.seeds, "fresh_seeds": list(FRESH), "pbt_fresh": pbt.tolist(),
                      "random_fresh": rnd.tolist(), "pbt_in_run": [r["pbt"]["in_run"] for r in rows],
                      "random_in_run": [r["random"]["in_run"] for r in rows], "hand_made": hand,
                      "seed0_replay_equal": rows[0]["replay_equal"], "seed0_schedule_lr": rows[0]["schedule_lr"]}))


if __name__ == "__main__":
    main()

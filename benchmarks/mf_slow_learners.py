"""A user's sweep whose best candidates learn slowly: where the one-line policies lose, and what keeps the choice.

Session 32's persona trial (a PhD student's own script): a tanh network of 2 to 64 units classifies noisy spike
counts of 20 neurons into 3 stimuli by minibatch SGD (learning rate 1e-4 to 1 on a log scale, weight decay 1e-6
to 0.1, width), 1 to 27 epochs, continued from a checkpoint of the weights. The sweep is random search of 81
candidates at 27 epochs (2,187 epochs); each policy is that config with ``policy = "..."`` in ``[run]``, and
successive halving also with ``[policy] min_budget = 3`` and ``9``. ``serial`` backend, run seeds 1..8 (chosen
before the first run). The chosen candidate (``l2l.best``) is trained again on 3 fresh seeds (1001..1003) and
scored on the same validation data: a check against a lucky seed, not a test set. Differences to the sweep are
paired by run seed: mean and standard error. It also prints where the sweep's best candidate ranked among the 81
after 1, 3 and 9 epochs, and the rank correlation of all 81 there with their results at 27.

    nice -n 19 python benchmarks/mf_slow_learners.py          # about 2 minutes on 2 cores at load 8
    python benchmarks/mf_slow_learners.py --seeds 2
Last line: one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from scipy.stats import spearmanr

import l2l
from l2l.simulators import SimulationResult

DATA_SEED, SAMPLES, TRAIN, BATCH = 1234, 900, 600, 32


def data():
    rng = np.random.default_rng(DATA_SEED)
    rates = rng.uniform(0, 20, size=(3, 20))
    labels = rng.integers(0, 3, size=SAMPLES)
    counts = rng.poisson(rates[labels] * 0.04).astype(float)  # spike counts in 40 ms: classes overlap
    counts = (counts - counts.mean(0)) / (counts.std(0) + 1e-9)
    return counts[:TRAIN], labels[:TRAIN], counts[TRAIN:], labels[TRAIN:]


DATA = data()


def init(hidden, seed):
    rng = np.random.default_rng(seed)
    return {"w1": rng.normal(0, 1 / np.sqrt(20), (20, hidden)), "b1": np.zeros(hidden),
            "w2": rng.normal(0, 1 / np.sqrt(hidden), (hidden, 3)), "b2": np.zeros(3)}


def forward(net, x):
    hidden = np.tanh(x @ net["w1"] + net["b1"])
    z = hidden @ net["w2"] + net["b2"]
    z = z - z.max(1, keepdims=True)
    return hidden, np.exp(z) / np.exp(z).sum(1, keepdims=True)


def epoch(net, lr, wd, rng):
    x, y = DATA[0], DATA[1]
    order = rng.permutation(len(x))
    for start in range(0, len(x), BATCH):
        idx = order[start:start + BATCH]
        hidden, p = forward(net, x[idx])
        g = p.copy()
        g[np.arange(len(idx)), y[idx]] -= 1
        g /= len(idx)
        gh = (g @ net["w2"].T) * (1 - hidden ** 2)
        net["w2"] -= lr * (hidden.T @ g + wd * net["w2"])
        net["b2"] -= lr * g.sum(0)
        net["w1"] -= lr * (x[idx].T @ gh + wd * net["w1"])
        net["b1"] -= lr * gh.sum(0)


def val_loss(net):
    _, p = forward(net, DATA[2])
    return float(-np.mean(np.log(p[np.arange(len(DATA[3])), DATA[3]] + 1e-12)))


def train(params, seed, budget, checkpoint=None):
    if checkpoint is None:
        done, net = 0, init(int(params["hidden"]), seed)
    else:
        done, net = int(checkpoint["epoch"]), {k: np.array(checkpoint[k]) for k in ("w1", "b1", "w2", "b2")}
    curve = []
    for e in range(done, int(budget)):
        epoch(net, params["lr"], params["wd"], np.random.default_rng([seed, e]))
        curve.append([e + 1, val_loss(net)])
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget), **net})


def fresh(params):
    scores = []
    for seed in (1001, 1002, 1003):
        net = init(int(params["hidden"]), seed)
        for e in range(27):
            epoch(net, params["lr"], params["wd"], np.random.default_rng([seed, e]))
        scores.append(val_loss(net))
    return float(np.mean(scores))


BASE = {"space": {"lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
                  "wd": {"type": "float", "low": 1e-6, "high": 1e-1, "log": True},
                  "hidden": {"type": "int", "low": 2, "high": 64}},
        "optimizer": {"name": "random", "population_size": 81},
        "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 27}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
METHODS = {"sweep": {}, "successive-halving": {}, "asha": {}, "hyperband": {}, "median-stopping": {},
           "successive-halving min_budget 3": {"min_budget": 3},
           "successive-halving min_budget 9": {"min_budget": 9}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--dir", default=".", help="folder for the runs' files (they are not deleted)")
    args = parser.parse_args(argv)
    import os
    import tempfile

    folder = tempfile.mkdtemp(prefix="mf_slow_learners_", dir=args.dir)
    rows: dict[str, list] = {m: [] for m in METHODS}
    ranks = []
    for seed in range(1, args.seeds + 1):
        for method, options in METHODS.items():
            run = {"name": "slow", "seed": seed, "generations": 1}
            config = {**BASE, "run": run}
            if method != "sweep":
                config["policy"] = {"name": method.split()[0], **options}
            path = l2l.run(config, os.path.join(folder, f"{method.replace(' ', '-')}-{seed}.h5"), simulator=train,
                           progress=False)
            best, frame = l2l.best(path), l2l.load(path)
            compute = float(frame["compute"].sum()) if "compute" in frame else 81 * 27.0
            rows[method].append([best.value, compute, fresh(best.params)])
            if method == "sweep":
                curves = l2l.traces(path).pivot_table(index="individual", columns="step", values="value")
                top = curves[27.0].idxmin()
                ranks.append({b: [int(curves[b].rank()[top]), float(spearmanr(curves[b], curves[27.0])[0])]
                              for b in (1.0, 3.0, 9.0)})
    sweep = np.array(rows["sweep"])
    out = {}
    for method, values in rows.items():
        values = np.array(values)
        d, f = values[:, 0] - sweep[:, 0], values[:, 2] - sweep[:, 2]
        se = (lambda a: float(np.std(a, ddof=1) / np.sqrt(len(a)))) if len(d) > 1 else (lambda a: float("nan"))
        out[method] = {"compute": float(values[:, 1].mean()), "validation_minus_sweep": [float(d.mean()), se(d)],
                       "fresh_seeds": float(values[:, 2].mean()), "fresh_minus_sweep": [float(f.mean()), se(f)]}
        print(f"{method:34s} compute {values[:, 1].mean():7.0f}  validation minus sweep {d.mean():+.4f} "
              f"({out[method]['validation_minus_sweep'][1]:.4f})  fresh seeds {values[:, 2].mean():.4f}, minus sweep "
              f"{f.mean():+.4f} ({out[method]['fresh_minus_sweep'][1]:.4f})")
    for seed, r in enumerate(ranks, 1):
        print(f"seed {seed}: the sweep's best ranked " + ", ".join(
            f"{v[0]} of 81 at {b:g} epochs (rank correlation {v[1]:.2f})" for b, v in r.items()))
    print(json.dumps({"methods": out, "ranks": [{f"{b:g}": v for b, v in r.items()} for r in ranks]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

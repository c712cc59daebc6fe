"""A small numpy MLP tuned by Optuna (TPE with a pruner) and by l2l's policies, on the same seeds and compute
(docs/coming_from_optuna.md, "A second study: a small MLP on several seeds" and "Bringing Optuna's finished trials
along").

The study of session 33 was a user's, its scripts not kept; this script rebuilds it as the page describes it. The
model: one hidden layer (``hidden`` units, ``tanh`` or ``relu``), a sigmoid output, SGD with momentum and weight
decay, minibatches of 32, trained for up to 27 epochs on 500 examples of a synthetic binary task (10 features,
the label a noisy nonlinear function of them, drawn once from seed 0); the objective the cross-entropy on 300
validation examples. Five parameters: ``lr`` (1e-3 to 1, log), ``weight_decay`` (1e-6 to 0.1, log), ``momentum``
(0 to 0.95), ``hidden`` (int 4 to 64, log), ``activation`` (``tanh``, ``relu``). The held-out loss of a choice:
its parameters trained again for 27 epochs on 3 fresh seeds (1001 to 1003), on 4,000 examples no run saw.

``--part compare`` (seeds 11 to 16): Optuna, ``TPESampler(seed)`` with ``HyperbandPruner(1, 27, 3)`` and with
``MedianPruner(n_startup_trials = 5, n_warmup_steps = 1)``, ``n_trials = 40``, one process (the peers); l2l,
``tpe`` under ``hyperband``, ``median-stopping`` and ``asha``, and ``model-based``, each with ``run.compute`` the
epochs that seed's Optuna study with ``HyperbandPruner`` reported, and ``tpe`` + ``median-stopping`` at the
compute of the study with ``MedianPruner``; ``serial``. Best value is what each reports (``study.best_value``,
``l2l.best(path).value``); compute is the epochs trained in all (Optuna: every reported epoch of every trial;
l2l: the ``compute`` column).

``--part initial`` (seeds 21 to 26): the 5 best completed trials of each seed's Optuna study (``HyperbandPruner``)
given as ``run.initial_points`` to ``tpe`` + ``hyperband`` with ``run.compute = 300``, beside the same run without
them, with the policy's ``min_budget`` 1 (rungs 1, 3, 9, 27) and 9 (rungs 9, 27): how many of the points reached
27 epochs, and the held-out loss with the points minus without.

``--part names`` (seeds 11 to 16): the epochs Optuna's study with ``HyperbandPruner`` spends on the same seed under
two study names (``mlp-seedN``, as above, and ``other-seedN``). ``--part agreement`` (seed 11): ``tpe`` +
``hyperband`` with ``run.compute = 6000``, the rank correlation of each lower rung's loss with the 27-epoch loss.

    nice -n 19 python benchmarks/optuna_mlp_study.py                       # both parts, their seeds
    python benchmarks/optuna_mlp_study.py --part compare --seeds 11 12
    python benchmarks/optuna_mlp_study.py --part names
    python benchmarks/optuna_mlp_study.py --part agreement --seeds 11 12 13

Per seed and method it prints one line; then means, standard deviations and paired differences (standard errors
over seeds). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    import l2l
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import l2l

EPOCHS, TRIALS, BATCH = 27, 40, 32
FEATURES, TRAIN, VALIDATION, HELD_OUT = 10, 500, 300, 4000
_DATA: dict = {}


def teacher(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The label: a noisy nonlinear function of the features (a linear model does not fit it)."""
    a, b = _DATA["a"], _DATA["b"]
    score = np.sin(2.0 * x @ a) + 0.5 * (x @ b) ** 2 - 0.5 + 0.3 * rng.normal(size=len(x))
    return (score > 0).astype(float)


def dataset() -> tuple[np.ndarray, ...]:
    """The fixed training and validation examples, drawn once from seed 0."""
    if "split" not in _DATA:
        rng = np.random.default_rng(0)
        _DATA["a"] = rng.normal(size=FEATURES) / np.sqrt(FEATURES)
        _DATA["b"] = rng.normal(size=FEATURES) / np.sqrt(FEATURES)
        x = rng.normal(size=(TRAIN + VALIDATION, FEATURES))
        y = teacher(x, rng)
        _DATA["split"] = (x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:])
    return _DATA["split"]


def held_out_data() -> tuple[np.ndarray, np.ndarray]:
    if "held_out" not in _DATA:
        dataset()
        rng = np.random.default_rng(7)
        x = rng.normal(size=(HELD_OUT, FEATURES))
        _DATA["held_out"] = (x, teacher(x, rng))
    return _DATA["held_out"]


def forward(net: dict, x: np.ndarray, activation: str) -> tuple[np.ndarray, np.ndarray]:
    z = x @ net["w1"] + net["b1"]
    h = np.tanh(z) if activation == "tanh" else np.maximum(z, 0.0)
    p = 1.0 / (1.0 + np.exp(-np.clip(h @ net["w2"] + net["b2"], -30, 30)))
    return h, p


def loss(net: dict, x: np.ndarray, y: np.ndarray, activation: str) -> float:
    p = np.clip(forward(net, x, activation)[1], 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def new_net(hidden: int, seed: int) -> dict:
    rng = np.random.default_rng([seed, 0])
    net = {"w1": rng.normal(size=(FEATURES, hidden)) / np.sqrt(FEATURES), "b1": np.zeros(hidden),
           "w2": rng.normal(size=hidden) / np.sqrt(hidden), "b2": np.zeros(())}
    return {**net, **{"v_" + k: np.zeros_like(v) for k, v in net.items()}}


def one_epoch(params: dict, seed: int, epoch: int, net: dict) -> dict:
    """One pass over the training examples in the order of ``(seed, epoch)``."""
    x, y, _, _ = dataset()
    lr, decay, momentum = float(params["lr"]), float(params["weight_decay"]), float(params["momentum"])
    activation = params["activation"]
    order = np.random.default_rng([seed, epoch]).permutation(len(y))
    net = dict(net)
    for start in range(0, len(y), BATCH):
        b = order[start:start + BATCH]
        h, p = forward(net, x[b], activation)
        d_out = (p - y[b]) / len(b)
        d_h = np.outer(d_out, net["w2"]) * ((1 - h ** 2) if activation == "tanh" else (h > 0))
        grads = {"w2": h.T @ d_out, "b2": d_out.sum(), "w1": x[b].T @ d_h, "b1": d_h.sum(axis=0)}
        for k, g in grads.items():
            net["v_" + k] = momentum * net["v_" + k] - lr * (g + decay * net[k])
            net[k] = net[k] + net["v_" + k]
    return net


def train(params, seed, budget, checkpoint=None):
    """l2l's side: train from ``checkpoint`` (or from scratch) up to ``budget`` epochs."""
    _, _, xv, yv = dataset()
    if checkpoint is None:
        net, done = new_net(int(params["hidden"]), seed), 0
    else:
        net, done = {k: v for k, v in checkpoint.items() if k != "epoch"}, int(checkpoint["epoch"])
    curve = []
    value = float("nan")
    for epoch in range(done + 1, int(budget) + 1):
        net = one_epoch(params, seed, epoch, net)
        value = loss(net, xv, yv, params["activation"])
        curve.append([epoch, value])
    if not curve:
        value = loss(net, xv, yv, params["activation"])
    if not np.isfinite(value):
        value = 10.0  # a diverged network: a large loss, as Optuna's objective returns it below
    return l2l.SimulationResult(objectives={"loss": value}, curve={"loss": curve},
                                checkpoint={**net, "epoch": int(budget)})


def held_out(params: dict, seeds=(1001, 1002, 1003)) -> float:
    x, y = held_out_data()
    values = []
    for seed in seeds:
        net = new_net(int(params["hidden"]), seed)
        for epoch in range(1, EPOCHS + 1):
            net = one_epoch(params, seed, epoch, net)
        value = loss(net, x, y, params["activation"])
        values.append(value if np.isfinite(value) else 10.0)
    return float(np.mean(values))


SPACE = {"lr": {"type": "float", "low": 1e-3, "high": 1.0, "log": True},
         "weight_decay": {"type": "float", "low": 1e-6, "high": 0.1, "log": True},
         "momentum": {"type": "float", "low": 0.0, "high": 0.95},
         "hidden": {"type": "int", "low": 4, "high": 64, "log": True},
         "activation": {"type": "categorical", "choices": ["tanh", "relu"]}}


def optuna_study(seed: int, pruner: str, name: str = "mlp"):
    """The peer: Optuna's TPE with a pruner, 40 trials, one process; the study and its epochs."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    _, _, xv, yv = dataset()

    def objective(trial):
        params = {"lr": trial.suggest_float("lr", 1e-3, 1.0, log=True),
                  "weight_decay": trial.suggest_float("weight_decay", 1e-6, 0.1, log=True),
                  "momentum": trial.suggest_float("momentum", 0.0, 0.95),
                  "hidden": trial.suggest_int("hidden", 4, 64, log=True),
                  "activation": trial.suggest_categorical("activation", ["tanh", "relu"])}
        trial_seed = seed * 100_000 + trial.number
        net = new_net(params["hidden"], trial_seed)
        value = float("nan")
        for epoch in range(1, EPOCHS + 1):
            net = one_epoch(params, trial_seed, epoch, net)
            value = loss(net, xv, yv, params["activation"])
            if not np.isfinite(value):
                value = 10.0
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return value

    chosen = (optuna.pruners.HyperbandPruner(min_resource=1, max_resource=EPOCHS, reduction_factor=3)
              if pruner == "hyperband" else optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1))
    # a fixed study name: the HyperbandPruner puts a trial in a bracket by a hash of it
    study = optuna.create_study(study_name=f"{name}-seed{seed}", direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=seed), pruner=chosen)
    study.optimize(objective, n_trials=TRIALS, n_jobs=1)
    return study, sum(len(t.intermediate_values) for t in study.trials)


def l2l_study(seed: int, folder: str, policy: str, compute: float, min_budget: int = 1,
              initial_points: list | None = None, tag: str = "") -> Path:
    pol = {"name": policy, **({"min_budget": min_budget} if min_budget != 1 else {})}
    data = {"run": {"name": f"mlp-{policy}-{seed}{tag}", "seed": seed, "compute": compute,
                    **({"initial_points": initial_points} if initial_points else {})},
            "space": SPACE,
            **({} if policy == "model-based" else {"optimizer": {"name": "tpe"}}),
            "policy": pol,
            "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": EPOCHS}},
            "objectives": [{"name": "loss", "direction": "minimize"}],
            "backend": {"name": "serial"}}
    path = Path(f"{folder}/mlp-{policy}-{seed}{tag}.h5")
    l2l.run(l2l.from_mapping(data), path, simulator=train, progress=False)
    return path


def plain(params: dict) -> dict:
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items() if k in SPACE}


def stats(values: list[float]) -> list[float]:
    return [round(statistics.mean(values), 4), round(statistics.stdev(values), 4) if len(values) > 1 else 0.0]


def paired(a: list[float], b: list[float]) -> dict:
    d = [x - y for x, y in zip(a, b)]
    return {"mean": round(statistics.mean(d), 4),
            "se": round(statistics.stdev(d) / len(d) ** 0.5, 4) if len(d) > 1 else 0.0,
            "lower_of": sum(x < -1e-12 for x in d), "equal_of": sum(abs(x) <= 1e-12 for x in d), "n": len(d)}


def compare(seeds: list[int], folder: str) -> dict:
    labels = ["Optuna: TPE + HyperbandPruner", "Optuna: TPE + MedianPruner", "l2l: tpe + hyperband",
              "l2l: tpe + median-stopping", "l2l: tpe + asha", "l2l: model-based",
              "l2l: tpe + median-stopping at MedianPruner's compute"]
    rows: dict[str, list[dict]] = {label: [] for label in labels}
    for seed in seeds:
        for label, pruner in ((labels[0], "hyperband"), (labels[1], "median")):
            study, epochs = optuna_study(seed, pruner)
            rows[label].append({"best": study.best_value, "compute": float(epochs),
                                "held_out": held_out(study.best_params)})
        for label, policy, compute in ((labels[2], "hyperband", rows[labels[0]][-1]["compute"]),
                                       (labels[3], "median-stopping", rows[labels[0]][-1]["compute"]),
                                       (labels[4], "asha", rows[labels[0]][-1]["compute"]),
                                       (labels[5], "model-based", rows[labels[0]][-1]["compute"]),
                                       (labels[6], "median-stopping", rows[labels[1]][-1]["compute"])):
            path = l2l_study(seed, folder, policy, compute, tag="-m" if label == labels[6] else "")
            best = l2l.best(path)
            rows[label].append({"best": float(best.value), "compute": float(l2l.load(path)["compute"].sum()),
                                "held_out": held_out(plain(best.params)), "best_n": int(best.n)})
        print(f"seed {seed}: " + " | ".join(f"{label}: {r[-1]['best']:.4f} / {r[-1]['compute']:g} / "
                                             f"{r[-1]['held_out']:.4f}" for label, r in rows.items()), flush=True)
    table = {label: {k: stats([r[k] for r in runs]) for k in ("best", "compute", "held_out")}
             for label, runs in rows.items()}
    print(f"\nseeds {seeds}: mean (sd) over seeds: best value, compute (epochs), held-out loss")
    for label, t in table.items():
        print(f"  {label:55s} {t['best'][0]:.4f} ({t['best'][1]:.4f})  {t['compute'][0]:5.0f} ({t['compute'][1]:3.0f})"
              f"  {t['held_out'][0]:.4f} ({t['held_out'][1]:.4f})")
    differences = {}
    for label, reference in ((labels[2], labels[0]), (labels[3], labels[0]), (labels[4], labels[0]),
                             (labels[5], labels[0]), (labels[6], labels[1])):
        differences[f"{label} minus {reference}"] = {
            k: paired([r[k] for r in rows[label]], [r[k] for r in rows[reference]]) for k in ("best", "held_out")}
        d = differences[f"{label} minus {reference}"]
        print(f"  {label} minus {reference}: best {d['best']['mean']:+.4f} (SE {d['best']['se']:.4f}), lower on "
              f"{d['best']['lower_of']} of {d['best']['n']}; held-out {d['held_out']['mean']:+.4f} "
              f"(SE {d['held_out']['se']:.4f}), lower on {d['held_out']['lower_of']}")
    return {"seeds": seeds, "per_seed": rows, "table": table, "paired": differences}


def initial(seeds: list[int], folder: str, compute: float = 300.0) -> dict:
    out: dict = {"seeds": seeds, "compute": compute, "min_budget": {}}
    studies = {}
    for seed in seeds:
        study, _ = optuna_study(seed, "hyperband")
        done = sorted((t for t in study.trials if t.state.name == "COMPLETE"), key=lambda t: t.value)[:5]
        studies[seed] = [plain(t.params) for t in done]
    for min_budget in (1, 9):
        rows = []
        for seed in seeds:
            points = studies[seed]
            with_points = l2l_study(seed, folder, "hyperband", compute, min_budget, points, tag=f"-p{min_budget}")
            without = l2l_study(seed, folder, "hyperband", compute, min_budget, None, tag=f"-n{min_budget}")
            frame = l2l.load(with_points)
            first = frame.sort_values("trial").head(len(points))
            reached = int((first["budget"] >= EPOCHS).sum())
            row = {"seed": seed, "points": len(points), "points_reached_top": reached,
                   "held_out_with": held_out(plain(l2l.best(with_points).params)),
                   "held_out_without": held_out(plain(l2l.best(without).params))}
            rows.append(row)
            print(f"min_budget {min_budget}, seed {seed}: {reached} of {len(points)} points reached {EPOCHS} epochs; "
                  f"held-out with {row['held_out_with']:.4f}, without {row['held_out_without']:.4f}", flush=True)
        d = paired([r["held_out_with"] for r in rows], [r["held_out_without"] for r in rows])
        out["min_budget"][str(min_budget)] = {"rows": rows, "held_out_with_minus_without": d,
                                              "points_reached_top": [r["points_reached_top"] for r in rows]}
        print(f"min_budget {min_budget}: points reaching {EPOCHS} epochs per seed "
              f"{[r['points_reached_top'] for r in rows]}; held-out with minus without {d['mean']:+.4f} "
              f"(SE {d['se']:.4f}), lower with the points on {d['lower_of']} of {d['n']}, equal on {d['equal_of']}")
    return out


def names(seeds: list[int]) -> dict:
    """Optuna's compute under HyperbandPruner with the same seed and two study names (its brackets hash the name)."""
    rows = {}
    for seed in seeds:
        rows[str(seed)] = {name: optuna_study(seed, "hyperband", name)[1] for name in ("mlp", "other")}
        print(f"seed {seed}: epochs with the study named mlp-seed{seed} {rows[str(seed)]['mlp']}, "
              f"other-seed{seed} {rows[str(seed)]['other']}", flush=True)
    return {"seeds": seeds, "epochs": rows}


def agreement(seeds: list[int], folder: str, compute: float = 6000.0) -> dict:
    """How well the low budgets rank: ``tpe`` + ``hyperband`` with ``run.compute = 6000``, the rank correlation
    (Spearman) of each rung's validation loss with the 27-epoch one, over the candidates that reached both."""
    from scipy.stats import spearmanr

    out = {}
    for seed in seeds:
        path = l2l_study(seed, folder, "hyperband", compute, tag="-agreement")
        segments = l2l.load(path, segments=True)
        by_budget = {b: dict(zip(g["trial"], g["loss"])) for b, g in segments.groupby("budget")}
        top = by_budget.get(float(EPOCHS), {})
        row = {}
        for budget in sorted(b for b in by_budget if b < EPOCHS):
            both = [t for t in by_budget[budget] if t in top]
            if len(both) >= 3:
                rho = spearmanr([by_budget[budget][t] for t in both], [top[t] for t in both])[0]
                row[f"{budget:g}"] = {"rho": round(float(rho), 3), "candidates": len(both)}
        out[str(seed)] = row
        print(f"seed {seed}: rank correlation with {EPOCHS} epochs, tpe + hyperband, compute {compute:g}: " + ", ".join(
            f"{b} epochs {v['rho']:+.2f} ({v['candidates']} candidates)" for b, v in row.items()), flush=True)
    return {"compute": compute, "seeds": seeds, "rho": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["compare", "initial", "names", "agreement", "both"], default="both",
                        help="both: compare and initial")
    parser.add_argument("--seeds", type=int, nargs="+",
                        help="compare and names: 11 to 16; initial: 21 to 26; agreement: 11")
    args = parser.parse_args(argv)
    import optuna

    result: dict = {"script": "optuna_mlp_study", "optuna": optuna.__version__}
    started, cpu = time.monotonic(), time.process_time()
    with tempfile.TemporaryDirectory() as folder:
        if args.part in ("compare", "both"):
            result["compare"] = compare(args.seeds or list(range(11, 17)), folder)
        if args.part in ("initial", "both"):
            result["initial"] = initial(args.seeds or list(range(21, 27)), folder)
        if args.part == "names":
            result["names"] = names(args.seeds or list(range(11, 17)))
        if args.part == "agreement":
            result["agreement"] = agreement(args.seeds or [11], folder)
    result["wall_s"] = round(time.monotonic() - started, 1)
    result["cpu_s"] = round(time.process_time() - cpu, 1)
    result["date_utc"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

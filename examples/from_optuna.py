"""An Optuna study with a HyperbandPruner, moved to l2l: the same model, space, searcher and trial count.

For a user coming from Optuna (docs/coming_from_optuna.md). The model is a small numpy logistic regression
trained by minibatch SGD (with or without momentum) on fixed synthetic data; its hyper-parameters are the
learning rate and L2 penalty (log scale), the batch size (an int on a log scale) and the optimizer (a
categorical). Optuna's ``objective(trial)`` trains all epochs in one call and reports each; l2l's ``train``
trains one *segment*, from a checkpoint up to a budget, and returns the curve and a new checkpoint, so that
the policy can continue a candidate instead of pruning and retraining it::

    python examples/from_optuna.py                   # the l2l study (seed 1): summary, figures
    python examples/from_optuna.py --optuna          # the Optuna study beside it (same problem, seed, trials)
    python examples/from_optuna.py --compare 1-5     # both on seeds 1..5: best value, compute, held-out loss

The l2l study is written to ``examples/from-optuna/study-seed1.h5`` (``--out-dir`` to change it). Running the
script again continues a run that was stopped (Ctrl-C, ``kill -9``) and only reads one that finished: the
file plays the part of Optuna's sqlite storage with ``load_if_exists=True``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

import l2l

HERE = Path(__file__).resolve().parent
EPOCHS = 27          # the top budget: Optuna's max_resource
TRIALS = 40          # Optuna's n_trials; l2l's [policy] max_candidates
WORKERS = 2          # Optuna's n_jobs; l2l's [backend] workers
KNOWN_GOOD = {"lr": 0.1, "l2": 1e-4, "batch": 32, "optimizer": "sgd"}   # what the Optuna study enqueues
FEATURES, TRAIN, VALIDATION = 10, 600, 300
_DATA: dict = {}


def dataset() -> tuple[np.ndarray, ...]:
    """The fixed training and validation examples, drawn once from seed 0."""
    if not _DATA:
        rng = np.random.default_rng(0)
        x = rng.normal(size=(TRAIN + VALIDATION, FEATURES))
        _DATA["w_true"] = rng.normal(size=FEATURES)
        y = (x @ _DATA["w_true"] + rng.normal(size=len(x)) > 0).astype(float)
        _DATA["split"] = (x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:])
    return _DATA["split"]


def loss(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Cross-entropy of the weights ``w`` on ``x, y``."""
    p = np.clip(1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30))), 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def one_epoch(params: dict, seed: int, epoch: int, w: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One pass over the training examples in the order of ``(seed, epoch)``: the weights and the velocity after."""
    x, y, _, _ = dataset()
    lr, l2, batch = float(params["lr"]), float(params["l2"]), int(params["batch"])
    momentum = 0.9 if params["optimizer"] == "momentum" else 0.0
    order = np.random.default_rng([seed, epoch]).permutation(len(y))
    for start in range(0, len(y), batch):
        b = order[start:start + batch]
        p = 1.0 / (1.0 + np.exp(-np.clip(x[b] @ w, -30, 30)))
        v = momentum * v - lr * (x[b].T @ (p - y[b]) / len(b) + l2 * w)
        w = w + v
    return w, v


def train(params, seed, budget, checkpoint=None):
    """l2l's side: train from ``checkpoint`` (or from zero) up to ``budget`` epochs; the validation loss there,
    the curve of the epochs trained here (what Optuna's trial.report saw) and the checkpoint to go on from."""
    _, _, xv, yv = dataset()
    if checkpoint is None:
        w, v, done = np.zeros(FEATURES), np.zeros(FEATURES), 0
    else:
        w, v, done = checkpoint["w"], checkpoint["v"], int(checkpoint["epoch"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        w, v = one_epoch(params, seed, epoch, w, v)
        curve.append([epoch, loss(w, xv, yv)])
    return l2l.SimulationResult(objectives={"loss": loss(w, xv, yv)}, curve={"loss": curve},
                                checkpoint={"w": w, "v": v, "epoch": int(budget)})


def config(seed: int, backend: str = "local", candidates: int = TRIALS, compute: float = 0,
           policy: str = "hyperband") -> dict:
    """The Optuna study as an l2l config (the tables a TOML file holds, as dicts); ``compute``: the epochs to
    spend instead of a number of candidates."""
    run = {"name": f"study-seed{seed}", "seed": seed, **({"compute": compute} if compute else {})}
    return {
        "run": run,
        "space": {                                                   # trial.suggest_*
            "lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
            "l2": {"type": "float", "low": 1e-6, "high": 1e-1, "log": True},
            "batch": {"type": "int", "low": 8, "high": 128, "log": True},
            "optimizer": {"type": "categorical", "choices": ["sgd", "momentum"]},
        },
        "optimizer": {"name": "tpe"},                                # TPESampler (Optuna's own, inside)
        "policy": {"name": policy, "eta": 3,                         # HyperbandPruner(reduction_factor=3)
                   **({} if compute else {"max_candidates": candidates})},   # n_trials
        "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": EPOCHS}},
        "objectives": [{"name": "loss", "direction": "minimize"}],  # create_study(direction="minimize")
        "backend": {"name": backend, **({"workers": WORKERS} if backend == "local" else {})},   # n_jobs
    }


def l2l_study(seed: int, folder: Path, backend: str = "local", compute: float = 0,
              progress: bool = False, policy: str = "hyperband") -> Path:
    """Run (or continue, or only read) the l2l study of ``seed`` in ``folder``; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"study-seed{seed}" + (f"-{policy}" if policy != "hyperband" else "")
                     + (f"-compute{compute:g}" if compute else "") + ".h5")
    if path.exists():   # load_if_exists=True: a stopped run goes on, a finished one is only read
        return l2l.resume(path, simulator=train, progress=progress)
    return l2l.run(config(seed, backend, compute=compute, policy=policy), path, simulator=train, progress=progress)


def optuna_study(seed: int, trials: int = TRIALS, enqueue: bool = True, storage: str | None = None):
    """The Optuna study this example replaces; its study and the epochs its trials trained."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    _, _, xv, yv = dataset()

    def objective(trial):
        params = {"lr": trial.suggest_float("lr", 1e-4, 1.0, log=True),
                  "l2": trial.suggest_float("l2", 1e-6, 1e-1, log=True),
                  "batch": trial.suggest_int("batch", 8, 128, log=True),
                  "optimizer": trial.suggest_categorical("optimizer", ["sgd", "momentum"])}
        w, v = np.zeros(FEATURES), np.zeros(FEATURES)
        for epoch in range(1, EPOCHS + 1):
            w, v = one_epoch(params, seed * 100_000 + trial.number, epoch, w, v)
            value = loss(w, xv, yv)
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return value

    # a fixed study name: the HyperbandPruner assigns brackets by a hash of it
    study = optuna.create_study(study_name=f"study-seed{seed}", storage=storage, load_if_exists=True,
                                direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=EPOCHS,
                                                                      reduction_factor=3))
    if enqueue:
        study.enqueue_trial(KNOWN_GOOD)
    study.optimize(objective, n_trials=trials, n_jobs=WORKERS)
    epochs = sum(len(t.intermediate_values) for t in study.trials)
    return study, epochs


def held_out(params: dict, seeds=(1001, 1002, 1003), examples: int = 5000) -> float:
    """Test loss of ``params`` trained for all epochs on fresh seeds, on examples no study saw."""
    dataset()
    rng = np.random.default_rng(7)
    x = rng.normal(size=(examples, FEATURES))
    y = (x @ _DATA["w_true"] + rng.normal(size=examples) > 0).astype(float)
    values = []
    for seed in seeds:
        w, v = np.zeros(FEATURES), np.zeros(FEATURES)
        for epoch in range(1, EPOCHS + 1):
            w, v = one_epoch(params, seed, epoch, w, v)
        values.append(loss(w, x, y))
    return float(np.mean(values))


def l2l_summary(path: Path) -> dict:
    """What Optuna's study.best_params, best_value and trials_dataframe() say, read from the run's file."""
    best = l2l.best(path)                    # the candidate `l2l show` puts first: at the top budget
    frame = l2l.load(path)                   # one row per candidate (Optuna: per trial)
    print(f"best params: {best.params}")
    print(f"best value:  {best.value:.4f} (trial {best.trial}, {best.budget:g} epochs)")
    print(frame[["trial", "budget", "state", "loss", "lr", "l2", "batch", "optimizer"]].tail().to_string())
    print(f"states: {frame['state'].value_counts().to_dict()}; compute {frame['compute'].sum():g} epochs")
    return {"best": best.value, "compute": float(frame["compute"].sum()), "params": best.params,
            "trials": len(frame), "completed": int((frame["state"] == "completed").sum())}


def optuna_summary(study, epochs: int) -> dict:
    """The same summary from the Optuna study."""
    frame = study.trials_dataframe()
    print(f"best params: {study.best_params}")
    print(f"best value:  {study.best_value:.4f} (trial {study.best_trial.number})")
    print(frame[["number", "value", "state"]].tail().to_string())
    print(f"states: {frame['state'].value_counts().to_dict()}; compute {epochs} epochs")
    return {"best": study.best_value, "compute": float(epochs), "params": study.best_params,
            "trials": len(frame), "completed": int((frame["state"] == "COMPLETE").sum())}


def figures(path: Path) -> list[Path]:
    """optuna.visualization's history and intermediate values, as l2l draws them, beside the file."""
    from l2l import plot

    out = []
    for kind in ("fitness", "curves", "parameters"):   # plot_optimization_history, _intermediate_values, _slice
        target = path.with_suffix(f".{kind}.png")
        if not target.exists():
            plot.save(plot.figure(path, kind), target)
        out.append(target)
    return out


def seeds_of(text: str) -> list[int]:
    """'1-5' or '1,2,3' as a list of seeds."""
    if "-" in text:
        low, high = text.split("-", 1)
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",")]


def compare(seeds: list[int], folder: Path) -> dict:
    """Both libraries on ``seeds``: best value, compute in epochs and held-out loss of the choice, with spread."""
    rows: dict[str, list[dict]] = {"l2l hyperband, 40 candidates": [], "l2l hyperband, Optuna's compute": [],
                                   "l2l model-based, Optuna's compute": [], "optuna + enqueue": [], "optuna": []}
    for seed in seeds:
        for label, enqueue in (("optuna + enqueue", True), ("optuna", False)):
            study, epochs = optuna_study(seed, enqueue=enqueue)
            rows[label].append({"best": study.best_value, "compute": epochs,
                                "held_out": held_out(study.best_params)})
        path = l2l_study(seed, folder)
        best, frame = l2l.best(path), l2l.load(path)
        rows["l2l hyperband, 40 candidates"].append({"best": best.value, "compute": float(frame["compute"].sum()),
                                                     "held_out": held_out(best.params)})
        # the compute Optuna spent on this seed (without enqueue), as run.compute
        for policy in ("hyperband", "model-based"):
            path = l2l_study(seed, folder, compute=rows["optuna"][-1]["compute"], policy=policy)
            best, frame = l2l.best(path), l2l.load(path)
            rows[f"l2l {policy}, Optuna's compute"].append({"best": best.value,
                                                             "compute": float(frame["compute"].sum()),
                                                             "held_out": held_out(best.params)})
    print(f"\nper seed: best value / compute in epochs / held-out loss")
    for i, seed in enumerate(seeds):
        print(f"seed {seed}: " + " | ".join(f"{label}: {runs[i]['best']:.4f} / {runs[i]['compute']:g} / "
                                           f"{runs[i]['held_out']:.4f}" for label, runs in rows.items()))
    print(f"\nseeds {seeds[0]}..{seeds[-1]}: mean (sd) over seeds")
    print(f"{'method':34s} {'best value':>18s} {'compute (epochs)':>18s} {'held-out loss':>18s}")
    table = {}
    for label, runs in rows.items():
        stats = {k: (statistics.mean(r[k] for r in runs), statistics.stdev(r[k] for r in runs) if len(runs) > 1
                     else 0.0) for k in ("best", "compute", "held_out")}
        table[label] = {k: [round(m, 4), round(s, 4)] for k, (m, s) in stats.items()}
        print(f"{label:34s} " + " ".join(f"{m:>10.4f} ({s:.4f})" if k != "compute" else f"{m:>10.0f} ({s:>5.0f})"
                                          for k, (m, s) in stats.items()))
    # the same seed's runs side by side: l2l at Optuna's compute minus Optuna (without enqueue)
    for policy in ("hyperband", "model-based"):
        for key in ("best", "held_out"):
            differences = [a[key] - b[key] for a, b in zip(rows[f"l2l {policy}, Optuna's compute"], rows["optuna"])]
            error = statistics.stdev(differences) / len(differences) ** 0.5 if len(differences) > 1 else 0.0
            label = f"l2l {policy} at Optuna's compute minus optuna, {key}"
            table[label] = [round(statistics.mean(differences), 4), round(error, 4)]
            print(f"{label}: {statistics.mean(differences):+.4f} (standard error {error:.4f})")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", default="local", choices=("local", "serial"))
    parser.add_argument("--out-dir", type=Path, default=HERE / "from-optuna")
    parser.add_argument("--optuna", action="store_true", help="run the Optuna study beside it")
    parser.add_argument("--compare", metavar="SEEDS", help="both on these seeds (1-5 or 1,3,5); last line JSON")
    parser.add_argument("--no-figures", action="store_true")
    args = parser.parse_args(argv)
    if args.compare:
        table = compare(seeds_of(args.compare), args.out_dir)
        print(json.dumps(table))
        return 0
    print(f"== l2l: tpe + hyperband, {TRIALS} candidates, {WORKERS} workers, seed {args.seed}")
    path = l2l_study(args.seed, args.out_dir, args.backend)
    mine = l2l_summary(path)
    if not args.no_figures:
        print("figures: " + ", ".join(str(p) for p in figures(path)))
    if args.optuna:
        print(f"\n== optuna: TPESampler + HyperbandPruner, n_trials={TRIALS}, n_jobs={WORKERS}, seed {args.seed}")
        theirs = optuna_summary(*optuna_study(args.seed))
        print(f"\nheld-out loss of the choice: l2l {held_out(mine['params']):.4f}, "
              f"optuna {held_out(theirs['params']):.4f}")
    return 0


if __name__ == "__main__":   # the local backend's workers import this script
    sys.exit(main())

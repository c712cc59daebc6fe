"""A Ray Tune script (ASHA with OptunaSearch, and a PBT variant) moved to l2l: the same model, space and schedules.

For a user coming from Ray Tune (docs/coming_from_ray_tune.md). The model is a small numpy logistic regression
trained by minibatch SGD with momentum on fixed synthetic data; its hyper-parameters are the learning rate and
L2 penalty (log scale), the batch size (a choice) and the momentum (Ray's ``tune.quniform(0.0, 0.95, 0.05)``:
l2l has no step ``q``, so it is counted in steps of 0.05 by an int). Ray Tune calls ``train_fn(config)`` once per
trial; it trains every epoch, reports each with a checkpoint and is stopped from outside. l2l calls ``train``
once per *segment*: from a checkpoint (``train.get_checkpoint()``) up to a budget, returning the result there,
the curve of the epochs trained (the ``train.report`` calls) and the new checkpoint::

    python examples/from_ray_tune.py              # the ASHA tuner, then the PBT tuner, ported: summaries
    python examples/from_ray_tune.py --asha       # only one of them (--pbt)
    python examples/from_ray_tune.py --show-ray   # print the Ray Tune script this replaces (Ray is not needed)

The runs are written to ``examples/from-ray-tune/asha.h5`` and ``pbt.h5`` (``--out-dir`` to change it).
Running the script again continues a run that was stopped (Ctrl-C, ``kill -9``) and only reads one that
finished: ``Tuner.restore(path, trainable)`` is ``l2l.resume(path, simulator=...)``.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np

import l2l

HERE = Path(__file__).resolve().parent
EPOCHS = 27            # RunConfig(stop={"training_iteration": 27}); ASHAScheduler(max_t=27)
SAMPLES = 40           # TuneConfig(num_samples=40) under ASHA: [policy] max_candidates
POPULATION = 8         # TuneConfig(num_samples=8) under PBT: [policy] population
WORKERS = 2            # TuneConfig(max_concurrent_trials=2): [backend] workers
MOMENTUM_STEP = 0.05   # tune.quniform(0.0, 0.95, 0.05): momentum_steps 0..19
KNOWN_GOOD = {"lr": 0.1, "l2": 1e-4, "batch": 32, "momentum_steps": 18}   # OptunaSearch(points_to_evaluate=[...])
FEATURES, TRAIN, VALIDATION = 10, 600, 300

RAY_SCRIPT = '''\
import os, tempfile
import numpy as np
from ray import train, tune
from ray.train import Checkpoint, CheckpointConfig, RunConfig
from ray.tune.schedulers import ASHAScheduler, PopulationBasedTraining
from ray.tune.search.optuna import OptunaSearch

def train_fn(config, data=None):
    w, v, start = np.zeros(10), np.zeros(10), 0
    checkpoint = train.get_checkpoint()
    if checkpoint:
        with checkpoint.as_directory() as folder:
            state = np.load(os.path.join(folder, "state.npz"))
            w, v, start = state["w"], state["v"], int(state["epoch"])
    for epoch in range(start + 1, 28):
        w, v = one_epoch(config, data, epoch, w, v)
        with tempfile.TemporaryDirectory() as folder:
            np.savez(os.path.join(folder, "state.npz"), w=w, v=v, epoch=epoch)
            train.report({"loss": val_loss(w, data)}, checkpoint=Checkpoint.from_directory(folder))

space = {"lr": tune.loguniform(1e-4, 1.0), "l2": tune.loguniform(1e-6, 1e-1),
         "batch": tune.choice([16, 32, 64, 128]), "momentum": tune.quniform(0.0, 0.95, 0.05)}
asha = tune.Tuner(
    tune.with_parameters(train_fn, data=dataset()), param_space=space,
    tune_config=tune.TuneConfig(
        metric="loss", mode="min", num_samples=40, max_concurrent_trials=2,
        scheduler=ASHAScheduler(max_t=27, grace_period=1, reduction_factor=3),
        search_alg=OptunaSearch(points_to_evaluate=[{"lr": 0.1, "l2": 1e-4, "batch": 32, "momentum": 0.9}])),
    run_config=RunConfig(storage_path="~/ray_results", name="asha", stop={"training_iteration": 27},
                         checkpoint_config=CheckpointConfig(num_to_keep=2)))
best = asha.fit().get_best_result()          # best.config, best.metrics["loss"], best.checkpoint

pbt = tune.Tuner(
    tune.with_parameters(train_fn, data=dataset()), param_space=space,
    tune_config=tune.TuneConfig(
        metric="loss", mode="min", num_samples=8, max_concurrent_trials=2,
        scheduler=PopulationBasedTraining(
            time_attr="training_iteration", perturbation_interval=3, quantile_fraction=0.25,
            resample_probability=0.25,
            hyperparam_mutations={"lr": tune.loguniform(1e-4, 1.0), "momentum": tune.uniform(0.0, 0.95)})),
    run_config=RunConfig(storage_path="~/ray_results", name="pbt", stop={"training_iteration": 27}))
results = pbt.fit()                          # results.get_dataframe(); tune.Tuner.restore(path, train_fn)
'''


def dataset(seed: int = 0) -> tuple[np.ndarray, ...]:
    """The fixed training and validation examples, drawn from ``seed`` (0: the runs' data)."""
    rng = np.random.default_rng(seed)
    w_true = np.random.default_rng(0).normal(size=FEATURES)
    x = rng.normal(size=(TRAIN + VALIDATION, FEATURES))
    y = (x @ w_true + rng.normal(size=len(x)) > 0).astype(float)
    return x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:]


def loss(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Cross-entropy of the weights ``w`` on ``x, y``."""
    p = np.clip(1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30))), 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def one_epoch(params: dict, data: tuple, seed: int, epoch: int, w: np.ndarray,
              v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One pass over the training examples in the order of ``(seed, epoch)``: the weights and velocity after."""
    x, y, _, _ = data
    lr, l2, batch = float(params["lr"]), float(params["l2"]), int(params["batch"])
    momentum = MOMENTUM_STEP * int(params["momentum_steps"])
    order = np.random.default_rng([seed, epoch]).permutation(len(y))
    for start in range(0, len(y), batch):
        b = order[start:start + batch]
        p = 1.0 / (1.0 + np.exp(-np.clip(x[b] @ w, -30, 30)))
        v = momentum * v + x[b].T @ (p - y[b]) / len(b) + l2 * w
        w = w - lr * v
    return w, v


def train(params: dict, seed: int, budget: float, checkpoint: dict | None = None,
          data: tuple | None = None) -> l2l.SimulationResult:
    """Ray's ``train_fn``, one segment at a time: from ``checkpoint`` (``train.get_checkpoint()``) to ``budget``
    epochs; the loss there, the curve of the epochs trained (``train.report``) and the new checkpoint."""
    data = dataset() if data is None else data
    if checkpoint is None:
        w, v, done = np.zeros(FEATURES), np.zeros(FEATURES), 0
    else:
        w, v, done = checkpoint["w"], checkpoint["v"], int(checkpoint["epoch"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        w, v = one_epoch(params, data, seed, epoch, w, v)
        curve.append([epoch, loss(w, data[2], data[3])])
    return l2l.SimulationResult(objectives={"loss": loss(w, data[2], data[3])}, curve={"loss": curve},
                                checkpoint={"w": w, "v": v, "epoch": int(budget)})


SPACE = {                                                             # param_space
    "lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},   # tune.loguniform(1e-4, 1.0)
    "l2": {"type": "float", "low": 1e-6, "high": 1e-1, "log": True},  # tune.loguniform(1e-6, 1e-1)
    "batch": {"type": "categorical", "choices": [16, 32, 64, 128]},   # tune.choice([16, 32, 64, 128])
    "momentum_steps": {"type": "int", "low": 0, "high": 19},          # tune.quniform(0.0, 0.95, 0.05)
}


def config(kind: str, seed: int = 1, backend: str = "local", samples: int = SAMPLES,
           population: int = POPULATION, epochs: int = EPOCHS) -> dict:
    """The l2l config of the Ray tuner ``kind`` ('asha' or 'pbt')."""
    if kind == "asha":
        policy = {"name": "asha", "eta": 3, "min_budget": 1, "max_budget": epochs,   # ASHAScheduler(...)
                  "max_candidates": samples}                                       # num_samples
        run = {"initial_points": [KNOWN_GOOD]}                                     # points_to_evaluate
        optimizer = {"name": "tpe"}                                                # OptunaSearch
    else:
        policy = {"name": "pbt", "population": population,                        # num_samples
                  "interval": 3, "fraction": 0.25, "resample_probability": 0.25,  # perturbation_interval, ...
                  "keep": ["l2", "batch"],           # hyperparam_mutations names lr and momentum only
                  "synchronous": False}              # Ray's PBT decides for each trial as it reports
        run, optimizer = {}, {"name": "random"}      # the first population: drawn from param_space
    return {
        "run": {"name": kind, "seed": seed, **run},
        "space": SPACE,
        "optimizer": optimizer,
        "policy": policy,
        "simulator": {"name": "python",                                            # stop={"training_iteration": 27}
                      "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": epochs}},
        "objectives": [{"name": "loss", "direction": "minimize"}],                 # metric="loss", mode="min"
        "backend": {"name": backend, **({"workers": WORKERS} if backend == "local" else {})},
    }


def tune(kind: str, folder: Path, seed: int = 1, backend: str = "local", samples: int = SAMPLES,
         population: int = POPULATION, epochs: int = EPOCHS) -> Path:
    """``Tuner(...).fit()``, or ``Tuner.restore(...)`` where the file exists: run, continue or only read it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}.h5"
    trainable = functools.partial(train, data=dataset())      # tune.with_parameters(train_fn, data=dataset())
    if path.exists():
        return l2l.resume(path, simulator=trainable)
    return l2l.run(config(kind, seed, backend, samples, population, epochs), path, simulator=trainable)


def summary(path: Path) -> dict:
    """What ``ResultGrid`` gave: the best result's config, loss and checkpoint, the dataframe's states."""
    best = l2l.best(path)                                   # results.get_best_result()
    frame = l2l.load(path)                                  # results.get_dataframe(): one row per trial
    weights = l2l.checkpoint(path)                          # best.checkpoint: the dict the function returned
    curve = l2l.traces(path).query("trial == @best.trial")  # best.metrics_dataframe: its loss per epoch
    print(f"best config:  {best.params}")
    # under PBT a trial continues another's checkpoint: its curve holds the epochs it trained itself, the checkpoint
    # counts every epoch since the first trial of its line (l2l.lineage gives the whole schedule)
    print(f"best loss:    {best.value:.4f} (trial {best.trial}, {len(curve)} epochs of its own)")
    print(f"trials:       {len(frame)}; states {frame['state'].value_counts().to_dict()}; "
          f"epochs trained {frame['compute'].sum():g}")
    print(f"checkpoint:   epoch {weights['epoch']}, w {np.round(weights['w'][:3], 3).tolist()} ...")
    return {"params": best.params, "value": best.value, "trials": len(frame), "compute": frame["compute"].sum()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asha", action="store_true", help="only the ASHA tuner")
    parser.add_argument("--pbt", action="store_true", help="only the PBT tuner")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", default="local", choices=("local", "serial"))
    parser.add_argument("--samples", type=int, default=SAMPLES, help="ASHA's num_samples (max_candidates)")
    parser.add_argument("--population", type=int, default=POPULATION, help="PBT's num_samples (population)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="stop={'training_iteration': N} (max_t)")
    parser.add_argument("--out-dir", type=Path, default=HERE / "from-ray-tune")
    parser.add_argument("--show-ray", action="store_true", help="print the Ray Tune script this replaces")
    args = parser.parse_args(argv)
    if args.show_ray:
        print(RAY_SCRIPT, end="")
        return 0
    kinds = [k for k in ("asha", "pbt") if getattr(args, k)] or ["asha", "pbt"]
    for kind in kinds:
        print(f"== {kind}: seed {args.seed}, backend {args.backend}")
        summary(tune(kind, args.out_dir, args.seed, args.backend, args.samples, args.population, args.epochs))
        if kind == "pbt":   # pbt_policy_<trial>.txt: the best learner's schedule of lr and momentum
            schedule = l2l.lineage(args.out_dir / "pbt.h5")
            best = schedule[schedule["member"] == l2l.best(args.out_dir / "pbt.h5").trial]
            print("schedule:     " + ", ".join(f"{r.from_budget:g}-{r.budget:g}: lr {r.lr:.3g} momentum "
                                               f"{MOMENTUM_STEP * r.momentum_steps:.2f}"
                                               for r in best.itertuples()))
    return 0


if __name__ == "__main__":   # the local backend's workers import this script
    sys.exit(main())

"""A DEHB (or SMAC3 Hyperband) study moved to l2l: the same training script, space, fidelities and compute.

For a user coming from DEHB or SMAC3 (docs/coming_from_dehb_smac.md). The model is a small numpy network (one
hidden layer of 4 to 64 tanh or relu units) regressing a noisy function of 4 inputs by minibatch SGD; its
hyper-parameters are the learning rate and the L2 penalty (log scale), the width, the batch size and the
activation. The fidelity is the number of epochs (1 to 27, ``eta = 3``: rungs 1, 3, 9, 27).

DEHB calls ``objective(config, fidelity)`` and trains from scratch each time; l2l calls
``train(params, seed, budget, checkpoint)``, which continues from the checkpoint a lower rung returned. Both
sides here count compute in epochs trained: DEHB's evaluation at fidelity b costs b, l2l's continued segment
``budget - from_budget``::

    python examples/from_dehb.py                    # the l2l study (seed 0, 2 local workers): summary,
                                                    # incumbent trajectory, best configuration; Ctrl-C and
                                                    # run it again: it resumes (DEHB's resume=True)
    python examples/from_dehb.py --dehb 0           # DEHB on the same problem (needs `pip install dehb`)
    python examples/from_dehb.py --compare 0-9      # both on seeds 0..9 (serial): chosen config's test loss

The l2l study is written to ``examples/from-dehb/study-seed0.h5`` (``--out-dir`` to change it). It trains 2,000
epochs: 9 minutes on 2 cores at load 40 (2026-12-06), each DEHB or serial l2l seed of ``--compare`` 1 to 3 minutes
at load 15 to 30.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
EPOCHS = 27            # DEHB's max_fidelity
COMPUTE = 2000         # epochs the whole study may train (DEHB: stop once the fidelities told add up to this)
INPUTS, TRAIN = 4, 800
_DATA: dict = {}


def _target(x: np.ndarray) -> np.ndarray:
    return np.sin(2 * x[:, 0]) * np.cos(x[:, 1]) + 0.3 * x[:, 2] ** 2 - 0.2 * x[:, 3]


def dataset() -> tuple[np.ndarray, ...]:
    """800 training and 400 validation examples (seed 7), and 4,000 test examples (seed 99) that no search sees."""
    if not _DATA:
        rng = np.random.default_rng(7)
        x = rng.uniform(-2, 2, size=(1200, INPUTS))
        y = _target(x) + rng.normal(0, 0.1, 1200)
        test = np.random.default_rng(99)
        xt = test.uniform(-2, 2, size=(4000, INPUTS))
        _DATA["split"] = (x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:], xt, _target(xt) + test.normal(0, 0.1, 4000))
    return _DATA["split"]


def _act(z: np.ndarray, name: str) -> np.ndarray:
    return np.tanh(z) if name == "tanh" else np.maximum(z, 0.0)


def mse(w: dict, params: dict, x: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of the network ``w`` on ``x, y`` (1000 where it diverged)."""
    h = _act(x @ w["W1"] + w["b1"], params["act"])
    value = float(np.mean((h @ w["W2"] + w["b2"] - y) ** 2))
    return value if np.isfinite(value) else 1e3


def fit(params: dict, seed: int, budget: float, checkpoint: dict | None = None) -> tuple[float, dict, list]:
    """Train up to ``budget`` epochs from ``checkpoint`` (from scratch when None): the validation loss, the weights
    and the learning curve of the epochs trained. Each epoch's batch order comes from ``(seed, epoch)``, so a
    candidate continued from its checkpoint equals one trained at once."""
    x, y, xv, yv, _, _ = dataset()
    lr, l2, hidden, batch = float(params["lr"]), float(params["l2"]), int(params["hidden"]), int(params["batch"])
    if checkpoint is None:
        rng = np.random.default_rng(seed)
        w = {"W1": rng.normal(0, 0.5, (INPUTS, hidden)), "b1": np.zeros(hidden),
             "W2": rng.normal(0, 1 / np.sqrt(hidden), hidden), "b2": np.zeros(())}
        done = 0
    else:
        w = {k: np.array(checkpoint[k], dtype=float) for k in ("W1", "b1", "W2", "b2")}
        done = int(checkpoint["epoch"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        order = np.random.default_rng([seed, epoch]).permutation(len(y))
        for start in range(0, len(y), batch):
            b = order[start:start + batch]
            z = x[b] @ w["W1"] + w["b1"]
            h = _act(z, params["act"])
            err = (h @ w["W2"] + w["b2"] - y[b]) / len(b)
            dh = np.outer(err, w["W2"]) * (1 - h ** 2 if params["act"] == "tanh" else (z > 0).astype(float))
            grads = {"W1": x[b].T @ dh + l2 * w["W1"], "b1": dh.sum(0), "W2": h.T @ err + l2 * w["W2"],
                     "b2": err.sum()}
            for k, g in grads.items():
                w[k] = w[k] - lr * np.clip(g, -10, 10)
        curve.append([epoch, mse(w, params, xv, yv)])
    return mse(w, params, xv, yv), w, curve


def train(params: dict, seed: int, budget: float, checkpoint: dict | None = None):
    """l2l's call: one segment, from ``checkpoint`` up to ``budget``, with its curve and a new checkpoint."""
    import l2l

    loss, w, curve = fit(params, seed, budget, checkpoint)
    return l2l.SimulationResult(objectives={"loss": loss}, curve={"loss": curve},
                                checkpoint={**w, "epoch": int(budget)})


def test_loss(params: dict, seeds: tuple[int, ...] = (1001, 1002, 1003)) -> float:
    """The held-out quality of a configuration: trained to the top budget on fresh seeds, its mean squared error on
    the 4,000 test examples."""
    _, _, _, _, xt, yt = dataset()
    return float(np.mean([mse(fit(params, s, EPOCHS)[1], params, xt, yt) for s in seeds]))


SPACE = {"lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},       # UniformFloat(log=True)
         "l2": {"type": "float", "low": 1e-6, "high": 1e-1, "log": True},
         "hidden": {"type": "int", "low": 4, "high": 64},                          # UniformInteger
         "batch": {"type": "int", "low": 16, "high": 128},
         "act": {"type": "categorical", "choices": ["relu", "tanh"]}}              # Categorical


def config(seed: int, backend: dict | None = None, policy: dict | None = None) -> dict:
    """The study: DEHB(min_fidelity=1, max_fidelity=27, eta=3, n_workers=2, seed=seed), run until 2000 epochs."""
    return {"run": {"seed": seed, "compute": COMPUTE, "max_time": 3600},    # max_time: DEHB's total_cost (s)
            "space": SPACE,
            "simulator": {"name": "python", "function": "from_dehb:train", "path": str(HERE),
                          "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": EPOCHS}},
            "policy": policy or {"name": "model-based", "eta": 3},
            "objectives": [{"name": "loss", "direction": "minimize"}],
            "backend": backend or {"name": "local", "workers": 2}}


def incumbents(path) -> "pandas.DataFrame":
    """DEHB's ``traj`` (SMAC's trajectory): the best single result at the top budget after each segment, in the
    order the segments completed, against the epochs spent so far and the seconds since the first segment started
    (a resumed run's pauses between sessions included).

    Rows only where the incumbent changed. A running minimum of single results, as DEHB's is; ``l2l compare FILE``
    draws the same against compute and wall time, following the chosen candidate's *mean* over its repeats
    instead (what ``l2l.best`` returns), and leaves out the pauses between sessions."""
    import pandas as pd

    import l2l

    seg = l2l.load(path, segments=True)
    done = seg["started"] + pd.to_timedelta(seg["duration"], unit="s")
    seg = seg.assign(done=done).sort_values("done", kind="stable")
    spent = ((seg["budget"] - seg["from_budget"]) * seg["attempts"]).cumsum()   # what l2l show counts
    top = np.isclose(seg["budget"], EPOCHS) & (seg["status"] == "ok")
    best = seg["loss"].where(top).cummin().ffill()   # cummin leaves NaN where a row is below the top budget
    traj = pd.DataFrame({"compute": spent, "seconds": (seg["done"] - seg["started"].min()).dt.total_seconds(),
                         "incumbent": best, "trial": seg["trial"]})
    return traj[best.notna() & best.ne(best.shift())].reset_index(drop=True)


def run_l2l(seed: int, out_dir: Path, backend: dict | None = None, progress: bool = True) -> dict:
    """The l2l study of ``seed``: run it, or resume it where a file is there (a finished one is only read)."""
    import l2l

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"study-seed{seed}.h5"
    started = time.time()
    if path.exists():
        l2l.resume(path, simulator=train, progress=progress)
    else:
        l2l.run(config(seed, backend), path, simulator=train, progress=progress)
    best = l2l.best(path)
    return {"seed": seed, "method": "l2l model-based", "val": best.value, "n": best.n, "params": best.params,
            "compute": float(l2l.load(path)["compute"].sum()), "test": test_loss(best.params),
            "seconds": time.time() - started, "path": str(path)}


def run_dehb(seed: int, out_dir: Path) -> dict:
    """DEHB 0.1.2 on the same problem: ask/tell, one worker, each evaluation trained from scratch to its fidelity
    (cost = the fidelity, in epochs), until the fidelities told add up to COMPUTE. Its incumbent is its best
    single result at any fidelity (``get_incumbents``)."""
    import ConfigSpace as CS
    from dehb import DEHB

    cs = CS.ConfigurationSpace(seed=0)
    cs.add([CS.UniformFloatHyperparameter("lr", 1e-4, 1e-1, log=True),
            CS.UniformFloatHyperparameter("l2", 1e-6, 1e-1, log=True),
            CS.UniformIntegerHyperparameter("hidden", 4, 64),
            CS.UniformIntegerHyperparameter("batch", 16, 128),
            CS.CategoricalHyperparameter("act", ["relu", "tanh"])])
    started = time.time()
    dehb = DEHB(cs=cs, min_fidelity=1, max_fidelity=EPOCHS, eta=3, n_workers=1, seed=seed,
                output_path=str(out_dir / f"dehb-seed{seed}"), log_level="ERROR")
    spent = 0.0
    while spent < COMPUTE:
        job = dehb.ask()
        fidelity = int(round(job["fidelity"]))
        loss = fit(dict(job["config"]), seed * 1000 + len(dehb.traj), fidelity)[0]
        spent += fidelity
        dehb.tell(job, {"fitness": loss, "cost": float(fidelity)})
    config_, score = dehb.get_incumbents()
    params = dict(config_)
    return {"seed": seed, "method": "DEHB", "val": float(score), "n": 1, "params": params, "compute": spent,
            "test": test_loss(params), "seconds": time.time() - started}


def _seeds(text: str) -> list[int]:
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dehb", type=int, metavar="SEED", help="run DEHB on this seed instead")
    parser.add_argument("--compare", metavar="SEEDS", help="l2l (serial) and DEHB on these seeds, e.g. 0-9")
    parser.add_argument("--out-dir", type=Path, default=HERE / "from-dehb")
    args = parser.parse_args(argv)
    if args.dehb is not None:
        print(json.dumps(run_dehb(args.dehb, args.out_dir)))
        return 0
    if args.compare:
        rows = []
        for seed in _seeds(args.compare):
            for row in (run_l2l(seed, args.out_dir / "compare", {"name": "serial"}, progress=False),
                        run_dehb(seed, args.out_dir / "compare")):
                rows.append(row)
                print(json.dumps(row), flush=True)
        for method in ("l2l model-based", "DEHB"):
            tests = [r["test"] for r in rows if r["method"] == method]
            print(f"{method}: test loss {statistics.mean(tests):.4f} "
                  f"(se {statistics.stdev(tests) / len(tests) ** 0.5 if len(tests) > 1 else float('nan'):.4f}, "
                  f"{len(tests)} seeds)")
        return 0
    try:
        result = run_l2l(args.seed, args.out_dir)
    except KeyboardInterrupt as exc:  # Ctrl-C: what is kept (l2l's note, without the traceback); run this again
        print(*getattr(exc, "__notes__", ["interrupted"]), "(or run this script again)", sep="\n", file=sys.stderr)
        return 130
    print("incumbent trajectory (DEHB's traj):")
    print(incumbents(result["path"]).to_string(index=False))
    print(f"best configuration (DEHB's get_incumbents): {result['params']}, validation loss {result['val']:.4f} "
          f"(mean of {result['n']}), test loss {result['test']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

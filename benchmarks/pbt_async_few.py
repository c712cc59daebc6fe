"""Asynchronous PBT with few members per worker: does every member get judged, and do bad learners survive?

A Ray Tune user's setting (helper-274's script, session 34): a numpy linear regression trained by SGD with
momentum (``train`` below, 8 features, 300 training and 100 validation rows, one fixed data set), searched over
``lr``, ``momentum``, ``l2`` and ``batch`` by ``[policy] name = "pbt"`` with ``population`` members, ``interval = 5``,
``fraction = 0.25``, ``resample_probability = 0.25``, ``factors = [0.8, 1.2]``, ``burn_in = 0``, 40 epochs, on a
``local`` backend with ``--workers`` workers. For each run seed it counts the exploits (trials that start from
another member's checkpoint: a ``parent``) and the completed learners' losses; the figure that matters to a user is
the worst final learner's loss over the best one's (a bad learner that trained to the end untouched shows as a
large ratio), and what the learner a user would pick (the lowest validation loss) is worth on 10,000 held-out rows
of the same regression that no run sees (``held_out_loss``, a metric no policy reads).

    python benchmarks/pbt_async_few.py --members 4 8 --workers 2 --seeds 0..9 --synchronous

prints one table per setting (members x synchronous): per run the exploits, best / worst loss and their ratio,
then the exploits' range, the ratio's range, how many runs have a ratio above 1.5, and the best loss's mean ± sd
(sd over runs). The last line is one JSON object; ``targets_met`` is whether the worst final learner is at most
1.5 times the best one's in every asynchronous run with 4 members (``null`` when no such run was made).
``--quick`` is one seed, 4 members, 10 epochs: a check that the script runs, not a measurement.

``--timings 0..5`` runs each seed once per timing seed on simulated workers instead (``SimulatedWorkers``: in this
process, each segment taking ``(1 + 0.05 x epochs x 300 / batch) x lognormal(0, 0.5)`` units of a simulated clock
drawn from the timing seed), so that an asynchronous run, which on ``local`` depends on the machine's timing, is
reproduced exactly: ``--seeds 3 --timings 1`` is session 35's reproduction of seed 3's poor final learner (9.4 times
the best on the code before).

The figures of docs/pbt.md's paragraphs on asynchronous PBT with few members come from this script
(``benchmarks/results/pbt_async_few.json``; session 35's, ranked against the whole population:
``benchmarks/results/pbt_async_few35.json``).
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import copy  # noqa: E402
import dataclasses  # noqa: E402
import heapq  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import ClassVar  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import l2l  # noqa: E402
from l2l.jobs import BACKENDS, Executor  # noqa: E402
from l2l.jobs.base import evaluate  # noqa: E402

FEATURES = 8
TARGET_RATIO = 1.5


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training and validation rows, and 10,000 held-out rows of the same regression that no run sees."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, FEATURES))
    w = rng.normal(size=FEATURES)
    y = x @ w + 0.3 * rng.normal(size=400)
    held = np.random.default_rng(12345)
    xh = held.normal(size=(10_000, FEATURES))
    yh = xh @ w + 0.3 * held.normal(size=10_000)
    return x[:300], y[:300], x[300:], y[300:], xh, yh


DATA = _data()


def train(params: dict, seed: int, budget: float, checkpoint: dict | None = None) -> l2l.SimulationResult:
    """SGD with momentum on the fixed regression up to epoch ``budget``, from ``checkpoint`` if given."""
    xt, yt, xv, yv, xh, yh = DATA
    if checkpoint is None:
        rng = np.random.default_rng(seed)
        w = rng.normal(size=FEATURES) * 0.1
        v = np.zeros(FEATURES)
        done = 0
    else:
        w, v, done = np.array(checkpoint["w"]), np.array(checkpoint["v"]), int(checkpoint["epoch"])
    lr, mom = float(params["lr"]), float(params["momentum"])
    batch = int(params["batch"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        order = np.random.default_rng([seed, epoch]).permutation(len(yt))
        for s in range(0, len(yt), batch):
            b = order[s:s + batch]
            g = xt[b].T @ (xt[b] @ w - yt[b]) / len(b) + params["l2"] * w
            v = mom * v + g
            w = w - lr * v
        loss = float(np.mean((xv @ w - yv) ** 2))
        if not np.isfinite(loss):
            loss = 1e6
        curve.append([epoch, loss])
    loss = curve[-1][1] if curve else float(np.mean((xv @ w - yv) ** 2))
    held_out = float(np.mean((xh @ w - yh) ** 2))  # read by no policy: what the chosen learner is worth
    return l2l.SimulationResult(objectives={"loss": loss}, curve={"loss": curve},
                                metrics={"held_out_loss": held_out if np.isfinite(held_out) else 1e6},
                                checkpoint={"w": w, "v": v, "epoch": int(budget)})


@dataclass
class SimulatedWorkers(Executor):
    """``workers`` simulated workers in this process: segments are evaluated one at a time, in the order in which
    they would finish on a clock where each takes ``(1 + 0.05 x epochs x steps per epoch) x lognormal(0, 0.5)``
    units (``timing`` seeds the draws; a smaller batch is slower). The same seeds give the same run."""

    name: ClassVar[str] = "simulated-workers"
    workers: int = 2
    timing: int = 0

    def __post_init__(self) -> None:
        self._queue: list = []
        self._busy: list = []
        self._clock, self._count = 0.0, 0
        self._rng = np.random.default_rng([self.timing, 99])

    def start(self, simulator, settings) -> None:
        self._simulator, self._settings = simulator, settings

    def submit(self, tasks) -> None:
        self._queue.extend(tasks)

    def wait(self, timeout: float | None = None) -> list:
        while self._queue and len(self._busy) < self.workers:
            task = self._queue.pop(0)
            epochs = float(task.budget or 0) - float(task.from_budget or 0)
            took = (1.0 + 0.05 * epochs * 300 / int(task.params.get("batch", 32))) * float(
                np.exp(0.5 * self._rng.normal()))
            self._count += 1
            heapq.heappush(self._busy, (self._clock + took, self._count, task))
        if not self._busy:
            return []
        self._clock, _, task = heapq.heappop(self._busy)
        if task.checkpoint is not None:  # the function's own copy, as a worker's unpickled one is
            task = dataclasses.replace(task, checkpoint=copy.deepcopy(task.checkpoint))
        return [evaluate(self._simulator, task, self._settings)]

    @property
    def pending(self) -> int:
        return len(self._queue) + len(self._busy)

    @property
    def worker_count(self) -> int:
        return self.workers


BACKENDS.register(SimulatedWorkers.name, SimulatedWorkers)


def mapping(seed: int, members: int, workers: int, synchronous: bool, epochs: int, interval: int) -> dict:
    """The user's config (helper-274's ``meas/p4_s0_false.toml``) with the given settings."""
    return {
        "run": {"name": "pbt", "seed": seed},
        "space": {
            "lr": {"type": "float", "low": 1e-4, "high": 0.5, "log": True},
            "momentum": {"type": "float", "low": 0.0, "high": 0.99},
            "l2": {"type": "float", "low": 1e-6, "high": 1e-1, "log": True},
            "batch": {"type": "categorical", "choices": [16, 32, 64]},
        },
        "optimizer": {"name": "random"},
        "policy": {"name": "pbt", "population": members, "interval": interval, "fraction": 0.25,
                   "resample_probability": 0.25, "factors": [0.8, 1.2], "burn_in": 0,
                   "synchronous": synchronous},
        "simulator": {"name": "python", "function": f"{Path(__file__).stem}:train", "path": str(HERE),
                      "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": epochs}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "local", "workers": workers},
    }


def one_run(seed: int, members: int, workers: int, synchronous: bool, epochs: int, interval: int,
            folder: Path, timing: int | None = None) -> dict:
    table = mapping(seed, members, workers, synchronous, epochs, interval)
    if timing is not None:
        table["backend"] = {"name": SimulatedWorkers.name, "workers": workers, "timing": timing}
    config = l2l.from_mapping(table)
    tag = "sync" if synchronous else "async"
    path = l2l.run(config, folder / f"{tag}-{members}-{seed}-{timing}.h5", progress=False)
    trials = l2l.load(path)
    finished = trials.loc[trials["state"] == "completed"]
    completed = finished["loss"].astype(float)
    best, worst = float(completed.min()), float(completed.max())
    chosen = float(finished.loc[completed.idxmin(), "held_out_loss"])
    return {"seed": seed, **({} if timing is None else {"timing": timing}), "members": members,
            "synchronous": synchronous,
            "exploits": int((trials["parent"] >= 0).sum()), "completed": int(len(completed)),
            "best": best, "median": float(completed.median()), "worst": worst, "ratio": worst / best,
            "best_held_out": chosen}


def summary(runs: list[dict]) -> dict:
    best = np.array([r["best"] for r in runs])
    ratios = [r["ratio"] for r in runs]
    exploits = [r["exploits"] for r in runs]
    return {"members": runs[0]["members"], "synchronous": runs[0]["synchronous"],
            "seeds": [r["seed"] for r in runs], "exploits_min": min(exploits), "exploits_max": max(exploits),
            "ratio_max": max(ratios), "runs_above_target": sum(r > TARGET_RATIO for r in ratios),
            "best_mean": float(best.mean()), "best_sd": float(best.std(ddof=1)) if len(best) > 1 else None,
            "best_held_out_mean": float(np.mean([r["best_held_out"] for r in runs])),
            "runs": runs}


def seeds(text: str) -> list[int]:
    """``0..9`` (inclusive), ``4401..4410``, ``0,3,5`` or ``4501..4520,0..9``."""
    try:
        values = []
        for part in (part.strip() for part in text.split(",")):
            if ".." in part:
                low, high = part.split("..")
                values += range(int(low), int(high) + 1)
            elif part:
                values.append(int(part))
    except ValueError:
        values = []
    if not values:
        raise argparse.ArgumentTypeError(f"seeds must be like 0..9 or 0,3,5, not {text!r}")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, nargs="+", default=[4], help="population sizes (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="local workers (default 2)")
    parser.add_argument("--seeds", type=seeds, default=list(range(10)), help="run seeds, 0..9 (default) or 0,3,5")
    parser.add_argument("--synchronous", action="store_true",
                        help="also run each setting with synchronous = true, for comparison")
    parser.add_argument("--epochs", type=int, default=40, help="top budget (default 40)")
    parser.add_argument("--interval", type=int, default=5, help="[policy] interval (default 5)")
    parser.add_argument("--quick", action="store_true", help="one seed, 4 members, 10 epochs: a smoke check")
    parser.add_argument("--timings", type=seeds, default=None,
                        help="timing seeds, e.g. 0..5: each run seed once per timing seed on simulated workers (a "
                             "run reproduced exactly) instead of local ones")
    args = parser.parse_args()
    if args.quick:
        args.members, args.seeds, args.epochs = [4], args.seeds[:1], 10
    if min(args.members) < 2 or args.workers < 1:
        parser.error("--members must be 2 or more and --workers 1 or more")
    modes = [False, True] if args.synchronous else [False]
    settings = []
    with tempfile.TemporaryDirectory(prefix="l2l-pbt-async-few-") as folder:
        for members in args.members:
            for synchronous in modes:
                runs = [one_run(seed, members, args.workers, synchronous, args.epochs, args.interval,
                                Path(folder), timing) for seed in args.seeds for timing in args.timings or [None]]
                settings.append(summary(runs))
    for setting in settings:
        mode = "synchronous" if setting["synchronous"] else "asynchronous"
        where = "simulated" if args.timings else "local"
        print(f"\n{setting['members']} members, {mode}, {args.workers} {where} workers, {args.epochs} epochs, "
              f"interval {args.interval}")
        print("  seed  timing  exploits      best     worst  worst/best  best's held-out loss")
        for r in setting["runs"]:
            timing = r.get("timing", "-")
            print(f"  {r['seed']:4d}  {timing:>6}  {r['exploits']:8d}  {r['best']:.4f}  {r['worst']:.4f}  "
                  f"{r['ratio']:10.2f}  {r['best_held_out']:20.5f}")
        sd = f"{setting['best_sd']:.4f}" if setting["best_sd"] is not None else "n/a (one run)"
        print(f"  exploits {setting['exploits_min']}..{setting['exploits_max']}; worst/best at most "
              f"{setting['ratio_max']:.2f}, above {TARGET_RATIO} in {setting['runs_above_target']} of "
              f"{len(setting['runs'])} runs; best loss {setting['best_mean']:.4f} ± {sd} (sd over runs), its "
              f"held-out loss {setting['best_held_out_mean']:.5f} on average")
    checked = [s for s in settings if s["members"] == 4 and not s["synchronous"]]
    targets_met = all(s["runs_above_target"] == 0 for s in checked) if checked else None
    print(json.dumps({"benchmark": "pbt_async_few", "workers": args.workers, "epochs": args.epochs,
                      "interval": args.interval, "seeds": args.seeds, "quick": args.quick,
                      "backend": "simulated-workers" if args.timings else "local", "timings": args.timings,
                      "target": f"worst final learner <= {TARGET_RATIO}x the best's in every asynchronous "
                                f"4-member run",
                      "targets_met": targets_met, "settings": settings}))


if __name__ == "__main__":
    main()

"""How long plotting takes on a large trajectory (the budget: `l2l plot` on 1,000,000 evaluations in < 30 s).

Writes a synthetic trajectory with the writer API (no simulator runs): two
objectives, a mixed space of 10 columns, 3 % failures with error texts,
log-normal durations. Then times, side by side, reading it with `l2l.load`
(the floor any plot pays), each plot kind through the Python API, and the
`l2l plot` command as a user runs it (a fresh process, imports included).

    python benchmarks/plot_large.py                      # 1,000,000 evaluations
    python benchmarks/plot_large.py --evaluations 100000 --keep /tmp/big.h5

The last line is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from l2l.errors import TrajectoryError
from l2l.objectives import Objective
from l2l.results_schema.writer import TrajectoryWriter, create
from l2l.space import Space

SPACE = Space.from_json({
    "learning_rate": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
    "momentum": {"type": "float", "low": 0.0, "high": 1.0},
    "w": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2, 3]},
    "hidden": {"type": "int", "low": 4, "high": 512},
    "activation": {"type": "categorical", "choices": ["tanh", "relu", "sigmoid"]},
})
OBJECTIVES = (Objective("loss", "minimize"), Objective("cost", "minimize"))


def write_trajectory(path: Path, evaluations: int, population: int, seed: int = 0) -> None:
    """A complete trajectory of ``evaluations`` rows in generations of ``population``."""
    rng = np.random.default_rng(seed)
    run = {"name": "synthetic-large", "seed": seed, "user": "benchmark", "host": "benchmark",
           "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "versions": {"l2l": "benchmark"},
           "optimizer": {"name": "synthetic"}, "simulator": {"name": "synthetic"},
           "backend": {"name": "none"},
           "config": {"run": {"name": "synthetic-large", "generations": -(-evaluations // population)}}}
    create(path, run=run, space=SPACE, objectives=OBJECTIVES)
    clock = time.time() - evaluations * 0.01
    with TrajectoryWriter(path) as writer:
        writer.event("started", {"benchmark": True})
        for generation, start in enumerate(range(0, evaluations, population)):
            n = min(population, evaluations - start)
            progress = generation / max(1, evaluations // population)
            lr = 10 ** rng.uniform(-5, -1, n)
            momentum = np.clip(rng.normal(0.9 * progress + 0.5 * (1 - progress), 0.2, n), 0, 1)
            w = rng.uniform(-1, 1, (n, 2, 3)) * (1 - 0.5 * progress)
            hidden = rng.integers(4, 513, n)
            activation = rng.integers(0, 3, n)
            loss = (np.abs(np.log10(lr) + 3) / 3 + (1 - momentum) ** 2 + (w ** 2).mean(axis=(1, 2))
                     + 0.1 * activation + rng.normal(0, 0.02, n) + 20 / hidden)
            cost = hidden * (1 + 0.2 * activation) * rng.lognormal(0, 0.1, n)
            duration = rng.lognormal(-3, 0.8, n)
            failed = rng.random(n) < 0.03
            outcomes, params = [], []
            for i in range(n):
                bad = bool(failed[i])
                outcomes.append(SimpleNamespace(
                    generation=generation, individual=i, seed=int(rng.integers(2 ** 62)),
                    status="failed" if bad else "ok", metrics={}, traces={}, outputs=None, attempt=0,
                    objectives={} if bad else {"loss": float(loss[i]), "cost": float(cost[i])},
                    error=("Traceback (most recent call last):\n  ...\nFloatingPointError: "
                           f"divergence at step {i % 7}") if bad else "",
                    started=clock + i * 0.01, duration=float(duration[i])))
                params.append({"learning_rate": lr[i], "momentum": momentum[i], "w": w[i],
                               "hidden": int(hidden[i]), "activation": ["tanh", "relu", "sigmoid"][activation[i]]})
            writer.append(outcomes, params)
            good = ~failed
            summary = {stat: {o.name: float(fn(values[good])) if good.any() else float("nan")
                              for o, values in zip(OBJECTIVES, (loss, cost))}
                       for stat, fn in (("best", np.min), ("median", np.median), ("worst", np.max))}
            writer.commit_generation(generation, evaluations=start + n, failed=int(failed.sum()), started=clock,
                                     finished=clock + n * 0.01, summary=summary, state={"generation": generation})
            clock += n * 0.01
        writer.event("finished", {"evaluations": evaluations})


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--evaluations", type=int, default=1_000_000)
    parser.add_argument("--population", type=int, default=1_000)
    parser.add_argument("--keep", help="write the trajectory here (and reuse it if it exists)")
    args = parser.parse_args()

    import l2l
    from l2l import plot

    folder = tempfile.TemporaryDirectory()
    path = Path(args.keep) if args.keep else Path(folder.name) / "large.h5"
    if path.exists():
        write_seconds = float("nan")
    else:
        write_seconds, _ = timed(write_trajectory, path, args.evaluations, args.population)
    size_mb = path.stat().st_size / 1e6
    print(f"trajectory: {args.evaluations:,} evaluations, {size_mb:.0f} MB, written in {write_seconds:.1f} s")

    load_seconds, frame = timed(l2l.load, path)
    print(f"{'step':<34}{'seconds':>9}")
    print(f"{'l2l.load (floor: read the table)':<34}{load_seconds:>9.2f}")
    kinds = {}
    for kind in plot.KINDS:
        out = Path(folder.name) / f"{kind}.png"
        try:
            seconds, _ = timed(lambda: plot.save(plot.figure(path, kind), out))
        except TrajectoryError as error:
            # curves, lineage and schedules draw what only multi-fidelity and PBT runs store; this run has none
            kinds[kind] = None
            print(f"{'plot.' + kind:<34}{'-':>9}   not for this run: {error}")
            continue
        kinds[kind] = round(seconds, 2)
        print(f"{'plot.' + kind + ' + save png':<34}{seconds:>9.2f}")
    out = Path(folder.name) / "cli.png"
    cli_seconds, result = timed(subprocess.run, [sys.executable, "-m", "l2l.cli", "plot", str(path), "-o", str(out)],
                                capture_output=True, text=True)
    if result.returncode:
        print(result.stderr, file=sys.stderr)
        raise SystemExit(f"l2l plot failed with exit status {result.returncode}")
    print(f"{'l2l plot (new process, overview)':<34}{cli_seconds:>9.2f}   budget 30 s: "
          f"{'within' if cli_seconds < 30 else 'OVER'}")
    print(json.dumps({"evaluations": args.evaluations, "file_mb": round(size_mb, 1),
                      "load_s": round(load_seconds, 2), "cli_plot_s": round(cli_seconds, 2),
                      "within_budget": cli_seconds < 30, "kinds_s": kinds,
                      "cpus": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2),
                      "targets_met": cli_seconds < 30}))


if __name__ == "__main__":
    main()

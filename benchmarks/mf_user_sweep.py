"""A user's sweep with one line changed to a policy: a third of the compute, the same best result?

The promise of issue 11: a user adds a budget and a checkpoint to their training function, changes one
line of the config, and the same sweep finishes in a third of the compute with the same best result. The
training function is ``examples/logreg_train.py`` (numpy logistic regression by minibatch SGD, 3
hyper-parameters, 1 to 27 epochs). The sweep (``SWEEP`` below) is random search of 81 candidates, each
trained the full 27 epochs: 2,187 epochs. Each policy is that config with one line added in ``[run]``::

    policy = "hyperband"          # or successive-halving, asha, median-stopping

The model-based policy refuses ``run.generations`` (it proposes candidates until ``run.compute`` is spent),
so its change is ``policy = "model-based"`` with ``compute = 729`` (a third of the sweep) in place of
``generations = 1``.

Every run goes through the public API (``l2l.from_mapping`` + ``l2l.run``) on the ``serial`` backend, so it
is deterministic; its compute is read from its file. Each run chooses as ``l2l show`` does: the lowest
validation loss among the candidates trained to 27 epochs (a candidate the model-based policy trained
again is one candidate with the mean of its results). The chosen candidate is then scored apart from
anything a run saw: trained 27 epochs from 3 fresh seeds (no run draws them: run seeds are 64-bit hashes),
cross-entropy on 5,000 fresh examples (``logreg_train.fresh_examples``) that no selection used, mean over
the 3 seeds. Differences to the sweep are paired by run seed: mean and standard error over seeds.

Target, per policy: compute at most a third of the sweep's, and held-out test loss not worse than the
sweep's by more than one standard error of the difference. Last line: one JSON object, with ``targets``
(per policy) and ``targets_met`` (all of them).

    nice -n 10 python benchmarks/mf_user_sweep.py --out benchmarks/results/mf_user_sweep.json  # 10 seeds
    python benchmarks/mf_user_sweep.py --seeds 3 --methods sweep,hyperband
    python benchmarks/mf_user_sweep.py --quick       # 2 seeds, 27 candidates of 1 to 9 epochs: seconds
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))

import l2l  # noqa: E402
import logreg_train  # noqa: E402
from l2l.analysis.best import average_repeats, ranked  # noqa: E402

#: The user's sweep: the training function takes a budget, no policy, every candidate trained to the top.
SWEEP = """
[run]
name = "logreg-sweep"
seed = 0
generations = 1

[space]
lr = { type = "float", low = 1e-4, high = 3.0, log = true }
l2 = { type = "float", low = 1e-6, high = 1.0, log = true }
batch = { type = "int", low = 8, high = 128 }

[optimizer]
name = "random"
population_size = 81

[simulator]
name = "python"
function = "logreg_train:train"
multi_fidelity = { name = "epochs", minimum = 1, maximum = 27 }

[[objectives]]
name = "loss"
direction = "minimize"

[backend]
name = "serial"
"""
PARAMETERS = ("lr", "l2", "batch")
POLICIES = ("hyperband", "successive-halving", "asha", "median-stopping", "model-based")
METHODS = ("sweep",) + POLICIES
FRESH_SEEDS = (900_001, 900_002, 900_003)
TEST_EXAMPLES, TEST_SEED = 5_000, 999


def config(method: str, seed: int, candidates: int, top: int) -> dict:
    """The sweep's config (``candidates`` of ``top`` epochs), or the same with the method's one change."""
    data = tomllib.loads(SWEEP)
    data["run"].update(seed=seed, name=f"logreg-{method}-{seed}")
    data["optimizer"]["population_size"] = candidates
    data["simulator"]["multi_fidelity"]["maximum"] = top
    if method == "model-based":  # refuses generations: a compute budget of a third of the sweep instead
        del data["run"]["generations"]
        data["run"].update(policy=method, compute=candidates * top / 3)
    elif method != "sweep":
        data["run"]["policy"] = method  # the one line
    return data


def test_loss(params: dict, top: int) -> float:
    """Held-out loss of the candidate: trained ``top`` epochs from each fresh seed, on fresh examples."""
    x, y = logreg_train.fresh_examples(TEST_EXAMPLES, TEST_SEED)
    return float(np.mean([logreg_train.loss(logreg_train.fit(params, s, top), x, y) for s in FRESH_SEEDS]))


def one(method: str, seed: int, candidates: int, top: int, folder: Path) -> dict:
    out = folder / f"{method}-{seed}.h5"
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    l2l.run(l2l.from_mapping(config(method, seed, candidates, top), base_dir=ROOT / "examples"), out,
            progress=False)
    wall = time.perf_counter() - started
    frame = l2l.load(out)  # one row per candidate; "compute": what it cost in epochs
    compute = float(frame["compute"].sum()) if "compute" in frame else float(len(frame) * top)
    ok = ranked(frame, float(top))
    ok = ok[np.isclose(ok["budget"].astype(float), top)] if "budget" in ok else ok
    pooled = average_repeats(ok, PARAMETERS, "loss")
    table = ok if pooled is None else pooled
    best = table.loc[table["loss"].idxmin()]
    params = {"lr": float(best["lr"]), "l2": float(best["l2"]), "batch": int(best["batch"])}
    return {"method": method, "seed": seed, "compute": compute, "wall": wall, "candidates": len(frame),
            "at_top": len(table), "chosen": params, "validation_loss": float(best["loss"]),
            "test_loss": test_loss(params, top)}


def mean_se(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), (float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="10", help="how many seeds: 0..N-1 (default 10)")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated; the sweep is always run")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 27 candidates of 1 to 9 epochs")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON summary to this file")
    args = parser.parse_args(argv)
    try:
        n_seeds = int(args.seeds)
        if n_seeds < 1:
            raise ValueError
    except ValueError:
        print(f"mf_user_sweep: --seeds must be a whole number of seeds, at least 1 (got {args.seeds!r})",
              file=sys.stderr)
        return 2
    methods = [m for m in args.methods.split(",") if m]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        print(f"mf_user_sweep: unknown method {unknown[0]!r} (known: {', '.join(METHODS)})", file=sys.stderr)
        return 2
    methods = ["sweep"] + [m for m in methods if m != "sweep"]
    if args.quick:
        n_seeds = 2
    candidates, top = (27, 9) if args.quick else (81, 27)
    seeds = list(range(n_seeds))
    load_before = os.getloadavg()
    started = datetime.now(timezone.utc)
    print(f"{started:%Y-%m-%d %H:%M} UTC, load before {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f} on {os.cpu_count()} cores; seeds 0..{n_seeds - 1}, {candidates} candidates, "
          f"1 to {top} epochs", flush=True)
    results: dict[str, dict[int, dict]] = {m: {} for m in methods}
    with tempfile.TemporaryDirectory(prefix="mf-user-sweep-") as folder:
        for seed in seeds:
            for method in methods:
                r = one(method, seed, candidates, top, Path(folder))
                results[method][seed] = r
                print(f"seed {seed} {method:<20} compute {r['compute']:6.0f}  validation {r['validation_loss']:.4f}"
                      f"  test {r['test_loss']:.4f}  ({r['wall']:.1f} s)", flush=True)
    load_after = os.getloadavg()
    return report(results, seeds, methods, candidates, top, started, load_before, load_after, args.out)


def report(results, seeds, methods, candidates, top, started, load_before, load_after, out) -> int:
    base = results["sweep"]
    sweep_compute = float(np.mean([base[s]["compute"] for s in seeds]))
    print(f"\nseeds 0..{seeds[-1]} ({len(seeds)}); {candidates} candidates, 1 to {top} epochs; serial backend. "
          f"validation: the loss the runs choose by; test: the chosen candidate's loss on {TEST_EXAMPLES:,} fresh "
          f"examples after {top} epochs from {len(FRESH_SEEDS)} fresh seeds. Differences to the sweep on the same "
          "seed: mean (standard error); same: seeds on which it chose the sweep's candidate")
    print(f"{'method':<20}{'compute (range)':>17}{'of sweep':>10}{'validation - sweep':>22}{'test loss':>18}"
          f"{'test - sweep':>22}{'same':>6}{'seeds':>7}")
    summary, targets = {}, {}
    for method in methods:
        rows = [results[method][s] for s in seeds]
        spent = np.array([r["compute"] for r in rows])
        test = np.array([r["test_loss"] for r in rows])
        dv = mean_se(np.array([r["validation_loss"] - base[s]["validation_loss"] for r, s in zip(rows, seeds)]))
        dt = mean_se(test - np.array([base[s]["test_loss"] for s in seeds]))
        share = float(spent.mean()) / sweep_compute
        entry = {"compute": float(spent.mean()), "compute_range": [float(spent.min()), float(spent.max())],
                 "compute_share": share, "candidates": float(np.mean([r["candidates"] for r in rows])),
                 "validation_minus_sweep": dv[0], "validation_minus_sweep_se": dv[1],
                 "test_loss": float(test.mean()), "test_loss_sd": float(test.std(ddof=1)) if len(test) > 1 else 0.0,
                 "test_minus_sweep": dt[0], "test_minus_sweep_se": dt[1],
                 "same_choice": sum(results[method][s]["chosen"] == base[s]["chosen"] for s in seeds),
                 "seeds": len(seeds), "wall_mean": float(np.mean([r["wall"] for r in rows])),
                 "per_seed": {key: [r[key] for r in rows] for key in ("compute", "validation_loss", "test_loss")}}
        summary[method] = entry
        if method != "sweep":
            targets[method] = bool(share <= 1 / 3 + 1e-9 and dt[0] <= dt[1])
        span = f"({spent.min():.0f}-{spent.max():.0f})" if spent.min() < spent.max() else ""
        print(f"{method:<20}{entry['compute']:6.0f} {span:>10}{share:10.2f}{dv[0]:+13.4f} ({dv[1]:.4f})"
              f"{entry['test_loss']:9.4f} ({entry['test_loss_sd']:.4f}){dt[0]:+13.4f} ({dt[1]:.4f})"
              f"{entry['same_choice']:6d}{len(seeds):7d}")
    met = [m for m, ok in targets.items() if ok]
    print(f"target (compute <= 1/3 of the sweep's, test loss - sweep <= its standard error) met by: "
          f"{', '.join(met) if met else 'none'}; load after {load_after[0]:.2f} {load_after[1]:.2f} "
          f"{load_after[2]:.2f}")
    final = {"benchmark": "mf_user_sweep", "date": f"{started:%Y-%m-%dT%H:%M}Z", "seeds": seeds,
             "candidates": candidates, "top_budget": top, "fresh_seeds": list(FRESH_SEEDS),
             "test_examples": TEST_EXAMPLES, "cores": os.cpu_count(), "load_before": list(load_before),
             "load_after": list(load_after), "methods": summary, "targets": targets,
             "targets_met_by": met, "targets_met": bool(targets) and len(met) == len(targets)}
    if out:
        out.write_text(json.dumps(final, indent=1) + "\n")
    print(json.dumps(final))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The same sweep with a [policy]: does it find as good a candidate with a third of the compute?

A user's training script with a budget and a checkpoint (``examples/digits_train.py``: a small network
learns scikit-learn's digits by SGD, 1 to 27 epochs) is swept by random search, 81 candidates trained for
27 epochs each (``examples/digits_sweep.toml``: 2,187 epochs). The same config with a ``[policy]`` table
and ``compute = 729`` (a third; ``examples/digits_halving.toml``) runs successive halving; Hyperband, ASHA
and the model-based policy get the same compute, and so does the control that shows whether a third of the
compute is simply enough: random search of 27 candidates at 27 epochs.

The one-line methods ``early-<policy>`` are the sweep's config with one line added, ``run.policy = "<policy>"``
(``examples/digits_early_stopping.toml`` is the one of successive halving): the same 81 candidates, each
trained until the policy stops it or to 27 epochs; no compute budget is given, the compute saved is what the
policy saves.

Each run chooses the candidate with the lowest validation loss among those trained to 27 epochs (the
rule of ``l2l show``). Its quality is measured apart from anything the run saw: its test error (360 images
no run scores) after training 27 epochs from 3 fresh seeds no run used. Seeds of the runs: 0..9, chosen
before the first run. Serial backend, so that the runs are deterministic; the compute is read from the
files. Last line: one JSON object with ``targets_met``: successive halving with a third of the compute and
the one-line successive halving (chosen as the example before it was measured) each spend at most a third
of the sweep's compute and their chosen candidates' test error is within one standard error of the
difference of the sweep's (or better).

    nice -n 10 python benchmarks/one_line_sweep.py                # 10 seeds, 10 methods, ~30 min on 2 cores
    python benchmarks/one_line_sweep.py --seeds 0,1 --methods sweep,successive-halving
    python benchmarks/one_line_sweep.py --keep kept/               # each (method, seed) kept as JSON, reused
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))

import l2l  # noqa: E402
import digits_train  # noqa: E402

TOP = 27
FRESH_SEEDS = (900_001, 900_002, 900_003)  # no run draws these: run seeds are 64-bit hashes
METHODS = ("sweep", "successive-halving", "hyperband", "asha", "model-based", "sweep-third",
           "early-successive-halving", "early-hyperband", "early-asha", "early-median-stopping")
#: The one-line method of examples/digits_early_stopping.toml, and the methods the targets are checked on.
EXAMPLE = "early-successive-halving"
TARGETS = ("successive-halving", EXAMPLE)


def config(method: str, seed: int) -> dict:
    """The sweep's config, or the same with the method's one change."""
    data = tomllib.loads((ROOT / "examples" / "digits_sweep.toml").read_text())
    data["run"]["seed"] = seed
    data["backend"] = {"name": "serial"}
    data["run"]["name"] = f"digits-{method}-{seed}"
    if method == "sweep-third":
        data["optimizer"]["population_size"] = 27
    elif method.startswith("early-"):  # the one line: the sweep's 81 candidates, stopped early by the policy
        data["run"]["policy"] = method.removeprefix("early-")
    elif method != "sweep":
        del data["run"]["generations"], data["optimizer"]["population_size"]
        data["run"]["compute"] = 81 * TOP / 3
        data["policy"] = {"name": method, "eta": 3}
    return data


def quality(params: dict) -> float:
    """Test error after 27 epochs, mean over the fresh seeds."""
    return float(np.mean([digits_train.train(params, s, TOP).metrics["test_error"] for s in FRESH_SEEDS]))


def one(method: str, seed: int, folder: Path) -> dict:
    out = folder / f"{method}-{seed}.h5"
    out.unlink(missing_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    l2l.run(l2l.from_mapping(config(method, seed), base_dir=ROOT / "examples"), out, progress=False)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    top = l2l.load(out)  # one row per candidate; under a policy its "compute" is what it cost in epochs
    compute = float(top["compute"].sum()) if "compute" in top else float(len(top) * TOP)
    candidates = len(top)
    at_top = int((top["budget"] >= TOP - 1e-9).sum()) if "budget" in top else candidates
    if "budget" in top:
        top = top[top["budget"] >= TOP - 1e-9]
    top = top[top["status"] == "ok"]
    best = top.loc[top["loss"].idxmin()]
    params = {name: best[name] for name in ("learning_rate", "momentum", "weight_decay", "hidden")}
    return {"method": method, "seed": seed, "compute": compute, "wall": wall, "cpu": cpu,
            "candidates": candidates, "at_top": at_top, "chosen": {k: float(v) for k, v in params.items()},
            "chosen_loss": float(best["loss"]), "quality": quality(params)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--keep", type=Path, default=None, help="folder: keep each result as JSON, reuse it")
    parser.add_argument("--out", type=Path, default=None, help="write the summary as JSON")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    methods = args.methods.split(",")
    folder = args.keep or Path(os.environ.get("TMPDIR", "/tmp")) / f"one-line-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[int, dict]] = {m: {} for m in methods}
    for seed in seeds:
        for method in methods:
            kept = folder / f"{method}-{seed}.json"
            if kept.exists():
                results[method][seed] = json.loads(kept.read_text())
                continue
            result = one(method, seed, folder)
            kept.write_text(json.dumps(result))
            results[method][seed] = result
            print(f"seed {seed} {method:<24} compute {result['compute']:7.0f}  test error "
                  f"{result['quality']:.4f}  ({result['wall']:.1f} s, load {os.getloadavg()[0]:.1f})", flush=True)
    return report(results, seeds, methods, args.out)


def report(results: dict, seeds: list[int], methods: list[str], out: Path | None) -> int:
    base = results.get("sweep", {})
    print(f"\nseeds {seeds[0]}..{seeds[-1]} ({len(seeds)}); quality: test error of the chosen candidate after "
          f"{TOP} epochs from {len(FRESH_SEEDS)} fresh seeds, mean over seeds (sd); difference to the sweep: "
          "mean (standard error); same: seeds on which it chose the sweep's candidate")
    print(f"{'method':<26}{'cand.':>6}{'at top':>7}{'compute':>9}{'of sweep':>10}{'test error':>18}"
          f"{'minus sweep':>20}{'wall s':>9}{'same':>6}")
    summary = {}
    for method in methods:
        rows = [results[method][s] for s in seeds]
        q = np.array([r["quality"] for r in rows])
        compute = float(np.mean([r["compute"] for r in rows]))
        spent = np.array([r["compute"] for r in rows])
        entry = {"compute": compute, "compute_sd": float(spent.std(ddof=1)) if len(rows) > 1 else 0.0,
                 "compute_range": [float(spent.min()), float(spent.max())],
                 "candidates": float(np.mean([r["candidates"] for r in rows])),
                 # (results kept from before the count was recorded have none)
                 "at_top": float(np.mean([r["at_top"] for r in rows])) if all("at_top" in r for r in rows) else None,
                 "quality_mean": float(q.mean()), "quality_sd": float(q.std(ddof=1)) if len(q) > 1 else 0.0,
                 "wall_mean": float(np.mean([r["wall"] for r in rows])), "per_seed": [float(x) for x in q]}
        at_top = f"{entry['at_top']:7.1f}" if entry["at_top"] is not None else f"{'':>7}"
        line = f"{method:<26}{entry['candidates']:6.0f}{at_top}{compute:9.0f}"
        if base:
            sweep_compute = float(np.mean([base[s]["compute"] for s in seeds]))
            d = q - np.array([base[s]["quality"] for s in seeds])
            se = float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else 0.0
            entry.update(compute_fraction=compute / sweep_compute, minus_sweep=float(d.mean()), minus_sweep_se=se,
                         # seeds on which it chose the very candidate the sweep chose (the same draws, in order)
                         same_choice=sum(results[method][s]["chosen"] == base[s]["chosen"] for s in seeds))
            line += f"{compute / sweep_compute:10.2f}"
        else:
            line += f"{'':>10}"
        line += f"{q.mean():10.4f} ({entry['quality_sd']:.4f})"
        line += f"{entry.get('minus_sweep', float('nan')):+11.4f} ({entry.get('minus_sweep_se', float('nan')):.4f})"
        line += f"{entry['wall_mean']:9.1f}"
        line += f"{entry['same_choice']:6d}" if "same_choice" in entry else ""
        print(line)
        summary[method] = entry
    checked = {m: bool("compute_fraction" in summary[m] and summary[m]["compute_fraction"] <= 1 / 3 + 1e-9
                       and summary[m]["minus_sweep"] <= summary[m]["minus_sweep_se"])
               for m in TARGETS if m in summary}
    met = bool(checked) and all(checked.values())
    final = {"benchmark": "one_line_sweep", "seeds": seeds, "fresh_seeds": list(FRESH_SEEDS),
             "load": os.getloadavg()[0], "methods": summary, "targets": checked, "targets_met": met}
    if out:
        out.write_text(json.dumps(final, indent=1))
    print(json.dumps(final))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Paired comparison of two versions of one method from the kept results of benchmarks/multifidelity.py.

A policy change is judged against the code before it on the same problems and seeds: each version's runs are
kept by ``multifidelity.py --keep FOLDER`` (one folder per version, the same method name in both), and this
script pairs them by seed. For every problem it reads each run's chosen candidate (the one rule of
``peers.mf_problems.incumbent_at``) after each compute fraction asked for, looks up its honest quality in the
folders' ``truth-*.json`` files (never computes one: run the benchmark with ``--keep`` first), and prints the mean
over seeds of each version, their paired difference (new minus old; lower is better) with its standard error,
and on how many seeds the two versions chose the same candidate. Last line: one JSON object.

    python benchmarks/mf_paired.py --new K13 --old K13-OLD --method model-based \\
        --problems lsnn,egru --seeds 105..124 --fractions 1/3,1
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers.mf_problems import SPECS, Problem  # noqa: E402
from peers.mf_report import chosen, standard_error  # noqa: E402


def seed_list(text: str) -> list[int]:
    """'105..124' or '1,2,5' (or both, comma-separated)."""
    seeds: list[int] = []
    for part in text.split(","):
        if ".." in part:
            low, high = part.split("..")
            seeds.extend(range(int(low), int(high) + 1))
        elif part.strip():
            seeds.append(int(part))
    return seeds


def truth(folders: list[Path], name: str) -> dict[tuple, float]:
    """Every honest quality kept for ``name`` in ``folders`` (their truth files, of any fresh-seed count: the
    learning curves' must agree, so only files of the same name are merged)."""
    values: dict[tuple, float] = {}
    for folder in folders:
        for path in sorted(folder.glob(f"truth-{name}*.json")):
            suffix = path.stem[len(f"truth-{name}"):]
            if suffix and not suffix.startswith("-fresh"):  # another problem whose name starts alike
                continue
            values.update({tuple(key): value for key, value in json.loads(path.read_text())})
    return values


def compare(new: Path, old: Path, method: str, name: str, seeds: list[int], fractions: list[float]) -> dict:
    problem = Problem(name)
    values = truth([new, old], name)
    out: dict = {}
    logs: dict[str, dict[int, list]] = {}
    for version, folder in (("new", new), ("old", old)):
        logs[version] = {}
        for seed in seeds:
            path = Path(folder, f"{name}-{method}-{seed}.json")
            if path.exists():
                logs[version][seed] = [(spent, budget, value, tuple(key))
                                       for spent, budget, value, key in json.loads(path.read_text())["log"]]
    paired = sorted(set(logs["new"]) & set(logs["old"]))
    for k, fraction in enumerate(fractions):
        keys = {version: {s: chosen(problem, logs[version][s], fractions)[k] for s in paired} for version in logs}
        quality = {version: np.array([values.get(keys[version][s], np.nan) for s in paired]) for version in keys}
        missing = int(np.isnan(quality["new"]).sum() + np.isnan(quality["old"]).sum())
        difference = quality["new"] - quality["old"]
        out[f"{fraction:g}"] = {
            "new": round(float(np.nanmean(quality["new"])), 4), "old": round(float(np.nanmean(quality["old"])), 4),
            "new_minus_old": round(float(np.nanmean(difference)), 4),
            "se": round(standard_error(difference[np.isfinite(difference)]), 4),
            "same_choice": sum(keys["new"][s] == keys["old"][s] for s in paired),
            "seeds": len(paired), "missing_truth": missing}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--new", type=Path, required=True, help="--keep folder of the new code's runs")
    parser.add_argument("--old", type=Path, required=True, help="--keep folder of the old code's runs")
    parser.add_argument("--method", default="model-based", help="the method both folders ran")
    parser.add_argument("--problems", required=True, help="comma-separated problems")
    parser.add_argument("--seeds", required=True, help="seeds: 105..124 or 1,2,3")
    parser.add_argument("--fractions", default="1", help="compute fractions at which to read the choice (1/3, 0.5)")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON summary here")
    args = parser.parse_args()
    problems = [p for p in args.problems.split(",") if p]
    unknown = [p for p in problems if p not in SPECS]
    if unknown:
        parser.error(f"unknown problem {unknown[0]!r}; problems: {', '.join(SPECS)}")
    for folder in (args.new, args.old):
        if not folder.is_dir():
            parser.error(f"no such folder: {folder}")
    try:
        seeds = seed_list(args.seeds)
        fractions = [float(Fraction(f)) for f in args.fractions.split(",") if f]
    except (ValueError, ZeroDivisionError) as error:
        parser.error(f"--seeds / --fractions: {error}")
    if not seeds or not fractions or not all(0 < f <= 1 for f in fractions):
        parser.error("give at least one seed and fractions in (0, 1]")
    summary = {"benchmark": "multifidelity-paired", "method": args.method, "new": str(args.new),
               "old": str(args.old), "seeds": seeds, "problems": {}}
    for name in problems:
        summary["problems"][name] = result = compare(args.new, args.old, args.method, name, seeds, fractions)
        for fraction, row in result.items():
            print(f"{name:18s} at {fraction:>8s} of the compute: new {row['new']:.4f}, old {row['old']:.4f}, "
                  f"new - old {row['new_minus_old']:+.4f} (SE {row['se']:.4f}), same choice on "
                  f"{row['same_choice']} of {row['seeds']} seeds" +
                  (f", {row['missing_truth']} without an honest quality" if row["missing_truth"] else ""))
    line = json.dumps(summary)
    if args.out:
        args.out.write_text(line + "\n")
    print(line)


if __name__ == "__main__":
    main()

"""The eighth round's development runs of docs/multifidelity_benchmark.md ("The option, from the development seeds"),
on the Hartmann functions: the model-based policy with its defaults, with ``pooled_ranks`` and with ``pooled_ranks``
and ``screening``, beside full-fidelity ``tpe``, seeds 10 to 24, from a ``git archive`` of the round's
pre-registered snapshot 0c43abc (the options' code as it was then).

For each variant it runs (or, where ``--keep`` already holds them, reads)::

    python benchmarks/multifidelity.py --problems hartmann3-agree,hartmann6-agree,hartmann3-mislead,hartmann6-mislead
        --methods tpe,model-based --first-seed 10 --seeds 15 --jobs 1 --wall-problem "" --keep KEEP/VARIANT
        --out KEEP/VARIANT.json [--model-based-options '{"pooled_ranks": true[, "screening": true]}']

with ``PYTHONPATH`` the snapshot, then prints the compute fraction at which the model-based policy's mean reached
full-fidelity TPE's final quality on the agreeing functions (``to_tpe``) and, on the misleading ones, the seeds whose final value differs from the defaults' (by more
than 1e-9). egru and lsnn, part of the original development runs, are not run (minutes per seed).

    python scripts/mf_round8_dev_seeds.py --keep /tmp/r8dev            # about 15 to 30 min at load 5 to 15

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_COMMIT = "0c43abc"
PROBLEMS = ["hartmann3-agree", "hartmann6-agree", "hartmann3-mislead", "hartmann6-mislead"]
VARIANTS = {"default": "", "pooled_ranks": '{"pooled_ranks": true}',
            "pooled_ranks+screening": '{"pooled_ranks": true, "screening": true}'}


def final_value(path: Path) -> float:
    return float(json.loads(path.read_text())["log"][-1][2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True, help="folder for the snapshot and the kept results")
    parser.add_argument("--first-seed", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=15)
    args = parser.parse_args(argv)
    if args.seeds < 2:
        print("mf_round8_dev_seeds.py: error: --seeds must be at least 2", file=sys.stderr)
        return 2
    args.keep.mkdir(parents=True, exist_ok=True)
    snapshot = args.keep / f"snapshot-{SNAPSHOT_COMMIT}"
    if not (snapshot / "benchmarks" / "multifidelity.py").exists():
        snapshot.mkdir(exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", SNAPSHOT_COMMIT], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive.stdout, check=True)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    summaries = {}
    for variant, options in VARIANTS.items():
        command = [sys.executable, str(snapshot / "benchmarks" / "multifidelity.py"), "--problems", ",".join(PROBLEMS),
                   "--methods", "tpe,model-based", "--first-seed", str(args.first_seed), "--seeds", str(args.seeds),
                   "--jobs", "1", "--wall-problem", "", "--keep", str(args.keep / variant),
                   "--out", str(args.keep / f"{variant}.json")]
        if options:
            command += ["--model-based-options", options]
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(snapshot)})
        if done.returncode != 0:
            print(f"mf_round8_dev_seeds.py: {variant}: the benchmark failed: {done.stderr.strip()[-300:]}",
                  file=sys.stderr)
            return 1
        summaries[variant] = json.loads((args.keep / f"{variant}.json").read_text())
    result: dict = {"script": "mf_round8_dev_seeds", "snapshot": SNAPSHOT_COMMIT, "seeds": seeds, "to_tpe": {},
                    "final": {}, "mislead_changed": {}}
    for variant, summary in summaries.items():
        for problem in PROBLEMS:
            figures = summary["figures"][problem]["model-based"]
            result["final"].setdefault(variant, {})[problem] = figures["final"]
            if problem.endswith("agree"):
                fraction = figures["to_tpe"]
                result["to_tpe"].setdefault(variant, {})[problem] = round(fraction, 3) if fraction is not None else None
        if variant != "default":
            changed = []
            for problem in (p for p in PROBLEMS if p.endswith("mislead")):
                for seed in seeds:
                    ours = final_value(args.keep / variant / f"{problem}-model-based-{seed}.json")
                    base = final_value(args.keep / "default" / f"{problem}-model-based-{seed}.json")
                    if abs(ours - base) > 1e-9:
                        changed.append({"problem": problem, "seed": seed, "default": base, "option": ours})
            result["mislead_changed"][variant] = changed
    for variant in VARIANTS:
        agree = ", ".join(f"{p} {v}" for p, v in result["to_tpe"][variant].items())
        line = f"{variant}: compute to TPE's final quality: {agree}; final " + ", ".join(
            f"{p} {v:.4f}" for p, v in result["final"][variant].items())
        if variant != "default":
            line += (f"; misleading functions: {len(result['mislead_changed'][variant])} of {2 * len(seeds)} seeds "
                     f"changed from the defaults")
        print(line)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

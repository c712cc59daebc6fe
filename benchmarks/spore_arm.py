"""SPORE with spiking neurons on the two-joint arm: temperature, annealing and controls over seeds.

Every setting runs the ``spore-arm`` simulator with its defaults (400 s of learning unless ``--duration``, dt 5 ms, beta 0.01/s,
reward gain 3000, prior N(1, 1)) on the same seeds (default 100-107, seeds no tuning used):

* controls: ``frozen`` (learning_rate 0: the initial synapses), ``T only`` (reward_gain 0: the prior sampled
  at T = 0.1, no reward term);
* constant temperature T in {0.1, 0.3, 1, 3} (the prior alone spreads theta by sqrt(T) = 0.3 to 1.7);
* annealed from T in {1, 3} to 0.1 with a 60 s time constant.

Early and late reward are means over fixed windows (20-40 % and the last 25 % of learning; no best bin is
picked). Prints a table (mean +- sd over seeds, and the 95 % t interval half width of paired differences),
writes ``benchmarks/results/spore_arm.json`` and ``docs/img/spore_arm.png``; last line: one JSON object.

    OMP_NUM_THREADS=1 nice python benchmarks/spore_arm.py [--seeds 8] [--first-seed 100] [--processes 2]
    OMP_NUM_THREADS=1 nice python benchmarks/spore_arm.py --duration 1200 \
        --out benchmarks/results/spore_arm_1200s.json --figure docs/img/spore_arm_1200s.png

``--pbt-fresh`` instead runs the example ``examples/spore_arm.toml`` (PBT over T and beta, 6 learners, 400 s)
again and trains its chosen learner (the best at 400 s, the figure the run reports) again on ``--fresh-count``
fresh seeds from ``--fresh-first-seed`` (default 20 seeds from 30000; neither the run, whose seeds are derived
from its run seed, nor any tuning above used them), by replaying its whole schedule (``l2l.lineage``: ``run_to``
piece by piece with the parameters in force, the checkpoint passed on). On the same seeds: its final
parameters held constant from the start, the defaults (constant T = 0.1, beta = 0.01) and constant T = 0.3.
Per setting mean, sd and standard error over the seeds, and the paired difference minus the defaults; also the
schedule replayed on the run's own seed (it must give the run's value: the check that the replay is the
learner). Writes ``benchmarks/results/spore_arm_pbt_fresh.json`` (or ``--out``); nothing else.

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/spore_arm.py --pbt-fresh [--fresh-count 20] [--processes 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from l2l.simulators.spore_arm import SporeArm

SETTINGS = {
    "frozen": {"learning_rate": 0.0},
    "T only (no reward), T=0.1": {"reward_gain": 0.0, "temperature": 0.1},
    "constant T=0.1": {"temperature": 0.1},
    "constant T=0.3": {"temperature": 0.3},
    "constant T=1": {"temperature": 1.0},
    "constant T=3": {"temperature": 3.0},
    "anneal T=1->0.1": {"temperature": 1.0, "schedule": "anneal", "temperature_final": 0.1},
    "anneal T=3->0.1": {"temperature": 3.0, "schedule": "anneal", "temperature_final": 0.1},
}
KEYS = ("reward_initial", "reward_early", "reward_late", "reward_lost", "distance_late", "retracted")
PAIRS = [("anneal T=1->0.1", "constant T=1"), ("anneal T=3->0.1", "constant T=3"),
         ("anneal T=3->0.1", "constant T=0.1"), ("constant T=0.1", "T only (no reward), T=0.1"),
         ("constant T=0.1", "frozen"), ("constant T=3", "constant T=0.1")]


def one_run(job: tuple[str, int, float]) -> dict:
    name, seed, duration = job
    result = SporeArm(**SETTINGS[name], duration=duration).run({}, seed)
    return {"setting": name, "seed": seed, **{key: result.metrics[key] for key in KEYS},
            "curve": [round(float(v), 5) for v in result.traces["reward_curve"]]}


PBT_EXAMPLE = ROOT / "examples" / "spore_arm.toml"


def replay(job: tuple[str, list, int, dict]) -> dict:
    """One setting's schedule [(from, to, params), ...] learned on ``seed``: run_to piece by piece."""
    label, schedule, seed, options = job
    simulator, checkpoint, result = SporeArm(**options), None, None
    for _, budget, params in schedule:
        result = simulator.run_to(params, seed, budget, checkpoint)
        checkpoint = result.checkpoint
    return {"setting": label, "seed": seed, "reward": float(result.objectives["reward"])}


def spread(values) -> dict:
    """Mean, sd, standard error, min and max over seeds."""
    values = np.asarray(values, dtype=float)
    sd = float(values.std(ddof=1))
    return {"n": int(len(values)), "mean": round(float(values.mean()), 4), "sd": round(sd, 4),
            "se": round(sd / np.sqrt(len(values)), 4), "min": round(float(values.min()), 4),
            "max": round(float(values.max()), 4)}


def pbt_fresh(args) -> None:
    """The example PBT run's chosen learner and three constant settings on fresh seeds (module docstring)."""
    import l2l

    started, cpu = time.time(), time.process_time()
    mapping = tomllib.loads(PBT_EXAMPLE.read_text())
    options = {k: v for k, v in mapping["simulator"].items() if k != "name"}
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "spore-arm-pbt.h5"
        l2l.run(l2l.from_mapping(mapping, base_dir=scratch), path)
        run_seconds = round(time.time() - started, 1)
        history = l2l.lineage(path)
        segments = l2l.load(path, segments=True)
    finals = history.groupby("member")["reward"].last()
    member = int(finals.idxmax())
    pieces = history[history["member"] == member]
    names = ("temperature", "learning_rate")
    schedule = [(float(r["from_budget"]), float(r["budget"]), {n: float(r[n]) for n in names})
                for _, r in pieces.iterrows()]
    first = segments[(segments["trial"] == pieces["trial"].iloc[0]) & (segments["from_budget"] == 0)]
    run_seed = int(first["seed"].iloc[0])
    duration = float(options.get("duration", SporeArm().duration))
    final = schedule[-1][2]
    settings = {
        "PBT learner (schedule replayed)": schedule,
        "its final parameters, constant": [(0.0, duration, final)],
        "defaults (constant T=0.1, beta=0.01)": [(0.0, duration, {})],
        "constant T=0.3, beta=0.01": [(0.0, duration, {"temperature": 0.3})],
    }
    seeds = list(range(args.fresh_first_seed, args.fresh_first_seed + args.fresh_count))
    jobs = [(label, pieces_, seed, options) for label, pieces_ in settings.items() for seed in seeds]
    jobs.append(("check: PBT learner on the run's seed", schedule, run_seed, options))
    with ProcessPoolExecutor(args.processes) as pool:
        runs = list(pool.map(replay, jobs))
    check = runs.pop()
    by = {label: {run["seed"]: run["reward"] for run in runs if run["setting"] == label} for label in settings}
    baseline = "defaults (constant T=0.1, beta=0.01)"
    summary = {}
    for label in settings:
        difference = [by[label][seed] - by[baseline][seed] for seed in seeds]
        summary[label] = {"fresh": spread([by[label][seed] for seed in seeds]),
                          "minus_defaults": {**spread(difference), "better": int(np.sum(np.asarray(difference) > 0))}}
        fresh, minus = summary[label]["fresh"], summary[label]["minus_defaults"]
        print(f"{label:40s} {fresh['mean']:.4f} ± {fresh['se']:.4f} (SE; sd {fresh['sd']:.4f}); minus defaults "
              f"{minus['mean']:+.4f} ± {minus['se']:.4f}, better in {minus['better']}/{minus['n']}")
    in_run = float(finals[member])
    print(f"the run's chosen learner: {in_run:.4f} in the run (best of {len(finals)}); replayed on its seed "
          f"{check['reward']:.4f}")
    record = {"benchmark": "spore-arm-pbt-fresh", "example": str(PBT_EXAMPLE.relative_to(ROOT)),
              "chosen": {"member": member, "in_run": round(in_run, 4), "of_learners": int(len(finals)),
                         "finals": {str(k): round(float(v), 4) for k, v in finals.items()},
                         "schedule": schedule, "run_seed": run_seed,
                         "replayed_on_run_seed": round(check["reward"], 4),
                         "replay_reproduces_run": bool(np.isclose(check["reward"], in_run, rtol=0, atol=1e-9))},
              "fresh_seeds": seeds, "settings": {k: v for k, v in settings.items()}, "summary": summary,
              "per_seed": {label: {str(s): round(v, 5) for s, v in values.items()} for label, values in by.items()},
              "run_wall_s": run_seconds, "wall_s": round(time.time() - started, 1),
              "cpu_s_main": round(time.process_time() - cpu, 1), "processes": args.processes,
              "load_average": [round(v, 2) for v in os.getloadavg()]}
    out = Path(args.out or ROOT / "benchmarks" / "results" / "spore_arm_pbt_fresh.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps({k: record[k] for k in ("benchmark", "chosen", "wall_s", "load_average")}))


def interval(values) -> tuple[float, float]:
    """Mean and half width of the 95 % t interval."""
    values = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return float(values.mean()), float(half)


def figure(runs: list[dict], seeds: list[int], duration: float, path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.2))
    axis = fig.add_subplot(1, 1, 1)
    for name in SETTINGS:
        curves = np.array([run["curve"] for run in runs if run["setting"] == name])
        time_axis = (np.arange(curves.shape[1]) + 0.5) * duration / curves.shape[1]
        mean, sd = curves.mean(axis=0), curves.std(axis=0, ddof=1)
        line, = axis.plot(time_axis, mean, label=name, lw=1.8 if "anneal" in name else 1.2,
                          ls="--" if name in ("frozen", "T only (no reward), T=0.1") else "-")
        axis.fill_between(time_axis, mean - sd / np.sqrt(len(curves)), mean + sd / np.sqrt(len(curves)),
                          color=line.get_color(), alpha=0.15)
    for start, end in ((0.2, 0.4), (0.75, 1.0)):
        axis.axvspan(start * duration, end * duration, color="grey", alpha=0.08)
    axis.set_xlabel("learning time (s)")
    axis.set_ylabel("reward (progress per step)")
    axis.set_title(f"spore-arm, {duration:g} s, seeds {seeds[0]}-{seeds[-1]}: mean ± s.e.m. over {len(seeds)} seeds; "
                   "shaded: early and late windows", fontsize=9)
    axis.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--duration", type=float, default=SporeArm().duration, help="seconds of learning per run")
    parser.add_argument("--out", help="default benchmarks/results/spore_arm.json "
                                          "(--pbt-fresh: benchmarks/results/spore_arm_pbt_fresh.json)")
    parser.add_argument("--figure", default=str(ROOT / "docs" / "img" / "spore_arm.png"))
    parser.add_argument("--pbt-fresh", action="store_true",
                        help="only: the example PBT run's chosen learner on fresh seeds (see the module docstring)")
    parser.add_argument("--fresh-count", type=int, default=20, help="--pbt-fresh: how many fresh seeds")
    parser.add_argument("--fresh-first-seed", type=int, default=30000, help="--pbt-fresh: the first fresh seed")
    args = parser.parse_args()
    if args.pbt_fresh:
        if args.fresh_count < 2:  # one line and exit status 2, as the l2l command's bad input
            print(f"l2l: error: --fresh-count: 2 or more fresh seeds expected (a standard error needs two), "
                  f"got {args.fresh_count}", file=sys.stderr)
            raise SystemExit(2)
        pbt_fresh(args)
        return
    args.out = args.out or str(ROOT / "benchmarks" / "results" / "spore_arm.json")
    started = time.time()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    jobs = [(name, seed, args.duration) for name in SETTINGS for seed in seeds]
    with ProcessPoolExecutor(args.processes) as pool:
        runs = list(pool.map(one_run, jobs))
    by = {name: {seed: run for run in runs if run["setting"] == name for seed in [run["seed"]]} for name in SETTINGS}

    summary = {}
    print(f"{'setting':28s} " + " ".join(f"{key:>16s}" for key in KEYS))
    for name in SETTINGS:
        values = {key: np.array([by[name][seed][key] for seed in seeds]) for key in KEYS}
        summary[name] = {key: [round(float(v.mean()), 4), round(float(v.std(ddof=1)), 4)] for key, v in values.items()}
        print(f"{name:28s} " + " ".join(f"{v.mean():+8.3f} ± {v.std(ddof=1):5.3f}" for v in values.values()))
    differences = {}
    print("\npaired differences over seeds (mean, 95 % t half width):")
    for a, b in PAIRS:
        entry = {key: interval([by[a][seed][key] - by[b][seed][key] for seed in seeds])
                 for key in ("reward_early", "reward_late", "reward_lost")}
        differences[f"{a} minus {b}"] = {key: [round(m, 4), round(h, 4)] for key, (m, h) in entry.items()}
        print(f"{a} - {b}: " + "; ".join(f"{key} {m:+.3f} ± {h:.3f}" for key, (m, h) in entry.items()))
    path = figure(runs, seeds, args.duration, Path(args.figure))

    learned = differences["constant T=0.1 minus T only (no reward), T=0.1"]["reward_late"]
    frozen = differences["constant T=0.1 minus frozen"]["reward_late"]
    targets = learned[0] - learned[1] > 0 and frozen[0] - frozen[1] > 0
    record = {"seeds": seeds, "duration": args.duration, "settings": SETTINGS, "summary": summary, "differences": differences,
              "runs": runs, "figure": str(Path(path).relative_to(ROOT)) if Path(path).is_relative_to(ROOT) else str(path),
              "seconds": round(time.time() - started, 1), "targets_met": bool(targets)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    headline = {key: record[key] for key in ("seeds", "duration", "summary", "differences", "figure", "seconds", "targets_met")}
    print(json.dumps(headline))


if __name__ == "__main__":
    main()

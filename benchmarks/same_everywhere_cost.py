"""What ``same_everywhere = true`` costs in time (docs/multifidelity.md, "same_everywhere"): the loop's CPU and a
``local`` run's idle time, the option beside the default (the reference) in the same process, alternated per seed.

1. The loop's CPU: ``tpe`` (defaults) under ``hyperband`` (defaults) on instant multi-fidelity Hartmann-3 (budgets 1
   to 27, ``low_fidelity = "agree"``), ``run.compute`` 1500 (``--compute``), ``serial``: the CPU of ``l2l.run``
   (``time.process_time``; the function itself costs microseconds, so this is the loop's), and of it ``tpe``'s asks
   (``ask`` of the optimizer's class, timed around each call).
2. Idle time: the ``sleep`` simulator at 0.01 s a unit (budgets 1 to 27, ``x`` in [-1, 1]^2), ``hyperband`` with
   ``brackets = 4`` (one Hyperband iteration: 27, 12, 6 and 4 candidates), ``tpe``, ``local`` with 2 workers.
   Idle is ``1 - (sum of the segments' durations) / (2 x the span from the first segment's start to the last
   one's end)``: the share of the two workers' time, while the run evaluated, spent not in a segment (waiting for
   an ask, for the loop to hand out the next segment, or for a bracket's rung to fill).

    nice -n 19 python benchmarks/same_everywhere_cost.py                # seeds 1 to 3, both parts
    python benchmarks/same_everywhere_cost.py --seeds 1 --parts cpu

A first run of each part, not counted, takes the imports. The last line printed is one JSON object (per seed
and variant, and the range over seeds of each).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

try:
    import l2l  # noqa: F401  (a tree given by PYTHONPATH comes first)
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ASK_CPU = [0.0]


def count_asks() -> None:
    """Time every ``ask`` of ``tpe``'s class (this process's CPU)."""
    from l2l.optimizers import OPTIMIZERS

    cls = OPTIMIZERS.get("tpe")
    original = cls.ask

    @functools.wraps(original)
    def ask(self, *args, **kwargs):
        start = time.process_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            ASK_CPU[0] += time.process_time() - start

    cls.ask = ask


def loop_cpu(option: bool, seed: int, compute: float, folder: str) -> dict:
    import l2l

    data = {"run": {"seed": seed, "compute": compute}, "space": {"x": {"low": 0.0, "high": 1.0, "shape": [3]}},
            "optimizer": {"name": "tpe"},
            "policy": {"name": "hyperband", **({"same_everywhere": True} if option else {})},
            "simulator": {"name": "hartmann3", "multi_fidelity": True, "low_fidelity": "agree", "min_budget": 1,
                          "max_budget": 27},
            "backend": {"name": "serial"}}
    path = Path(f"{folder}cpu-{int(option)}-{seed}.h5")
    ASK_CPU[0] = 0.0
    start = time.process_time()
    l2l.run(l2l.from_mapping(data), path, progress=False)
    cpu = time.process_time() - start
    segments = l2l.load(path, segments=True)
    return {"cpu_s": round(cpu, 3), "tpe_ask_cpu_s": round(ASK_CPU[0], 3), "segments": len(segments),
            "best": round(float(l2l.best(path).value), 4)}


def idle(option: bool, seed: int, folder: str) -> dict:
    import l2l

    data = {"run": {"seed": seed}, "space": {"x": {"low": -1.0, "high": 1.0, "shape": [2]}},
            "optimizer": {"name": "tpe"},
            "policy": {"name": "hyperband", "brackets": 4, **({"same_everywhere": True} if option else {})},
            "simulator": {"name": "sleep", "seconds_per_unit": 0.01, "min_budget": 1, "max_budget": 27},
            "backend": {"name": "local", "workers": 2}}
    path = Path(f"{folder}idle-{int(option)}-{seed}.h5")
    wall = time.monotonic()
    l2l.run(l2l.from_mapping(data), path, progress=False)
    wall = time.monotonic() - wall
    segments = l2l.load(path, segments=True)
    starts = segments["started"].astype("int64") / 1e9
    ends = starts + segments["duration"]
    span = float(ends.max() - starts.min())
    busy = float(segments["duration"].sum())
    return {"idle_percent": round(100 * (1 - busy / (2 * span)), 1), "span_s": round(span, 2),
            "busy_s": round(busy, 2), "run_wall_s": round(wall, 2), "segments": len(segments)}


def ranges(rows: dict, key: str) -> dict:
    out = {}
    for variant in ("default", "option"):
        values = [r[key] for r in rows[variant].values()]
        out[variant] = {"min": min(values), "median": round(statistics.median(values), 3), "max": max(values)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--compute", type=float, default=1500.0)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each seed and variant (1); even rounds run "
                        "the default first, odd ones the option")
    parser.add_argument("--parts", nargs="+", choices=["cpu", "idle"], default=["cpu", "idle"])
    args = parser.parse_args(argv)
    if args.compute <= 0 or args.rounds < 1:
        print("same_everywhere_cost.py: error: --compute and --rounds must be positive", file=sys.stderr)
        return 2
    count_asks()
    load_before = os.getloadavg()
    result: dict = {"script": "same_everywhere_cost", "seeds": args.seeds, "rounds": args.rounds,
                    "compute": args.compute}
    with tempfile.TemporaryDirectory() as tmp:
        if "cpu" in args.parts:
            loop_cpu(False, args.seeds[0], args.compute, f"{tmp}/warm-up-")  # imports, first compilations
            rows = {"default": {}, "option": {}}
            for round_ in range(args.rounds):
                for seed in args.seeds:
                    for option in ((False, True) if round_ % 2 == 0 else (True, False)):  # alternated, back to back
                        row = loop_cpu(option, seed, args.compute, f"{tmp}/r{round_}-")
                        rows["option" if option else "default"][f"{seed}/{round_}"] = row
                        label = "same_everywhere" if option else "default        "
                        print(f"loop CPU, seed {seed}, round {round_}, {label}: "
                              f"{row['cpu_s']:.2f} s, tpe's asks {row['tpe_ask_cpu_s']:.2f} s, {row['segments']} "
                              f"segments, best {row['best']}", flush=True)
            result["loop_cpu"] = {"runs": rows, "cpu_s_range": ranges(rows, "cpu_s"),
                                  "tpe_ask_cpu_s_range": ranges(rows, "tpe_ask_cpu_s")}
        if "idle" in args.parts:
            idle(False, args.seeds[0], f"{tmp}/warm-up-")
            rows = {"default": {}, "option": {}}
            for round_ in range(args.rounds):
                for seed in args.seeds:
                    for option in ((False, True) if round_ % 2 == 0 else (True, False)):  # alternated, back to back
                        row = idle(option, seed, f"{tmp}/r{round_}-")
                        rows["option" if option else "default"][f"{seed}/{round_}"] = row
                        label = "same_everywhere" if option else "default        "
                        print(f"local idle, seed {seed}, round {round_}, {label}: "
                              f"{row['idle_percent']} % of 2 x {row['span_s']} s ({row['busy_s']} s in "
                              f"{row['segments']} segments; run {row['run_wall_s']} s)", flush=True)
            result["idle"] = {"runs": rows, "idle_percent_range": ranges(rows, "idle_percent")}
    result["load_average"] = [round(x, 1) for x in load_before] + [round(x, 1) for x in os.getloadavg()]
    result["date_utc"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""SPORE and SPORE-arm give the same numbers, to the last bit, as at an earlier commit; and their cost per step.

    python benchmarks/spore_same_numbers.py [REVISION] [--full]      (default REVISION: 857a45b, before the cheaper
                                                                       step loops of session 43)

Unpacks REVISION (``git archive``) into a temporary folder and runs the same cases under it and under this tree,
each in its own process: whole runs of ``spore`` (reaching and lane, the settings of tests/test_spore.py, other
sizes, update intervals and schedules) and ``spore-arm`` (tests/test_spore_arm.py's, other sizes, 5 ms steps), and
runs continued from checkpoints cut inside an update interval and at the end of a block of random numbers. Every
result's objectives, metrics, traces, curve and checkpoint are compared exactly (numpy.array_equal). ``--full``
adds the tests' seeds and fresh seeds at the tests' lengths (several minutes). Prints the cases that differ (0
expected) and the CPU per simulated step of both trees, the better of three runs.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _pack(result) -> dict:
    return {"objectives": result.objectives, "metrics": result.metrics, "traces": result.traces,
            "curve": getattr(result, "curve", None), "checkpoint": getattr(result, "checkpoint", None)}


def _cases(full: bool) -> dict:
    """Every case's packed results, computed with the l2l found on the path."""
    from l2l.simulators.spore import Spore
    from l2l.simulators.spore_arm import SporeArm, _ArmLearner

    out = {}
    for seed in ([0, 3, 5, 300, 301, 302] if full else [0]):
        for learning_rate in (None, 0.0):
            options = {"task": "lane", "duration": 150.0 if full else 30.0}
            if learning_rate is not None:
                options["learning_rate"] = learning_rate
            out[("lane", learning_rate, seed)] = _pack(Spore(**options).run({}, seed))
        for i, variant in enumerate(({"temperature": 50.0}, {"temperature": 50.0, "schedule": "anneal"},
                                     {"temperature": 0.3})):
            out[("reaching", i, seed)] = _pack(Spore(dt=0.02, duration=300.0 if full else 40.0, **variant).run({}, seed))
    for seed in ([20, 23, 25, 300, 301, 302] if full else [20]):
        for name, variant in {"learn": {}, "temperature only": {"reward_gain": 0.0},
                              "frozen": {"learning_rate": 0.0}}.items():
            out[("arm", name, seed)] = _pack(SporeArm(duration=200.0 if full else 30.0, dt=0.01, **variant).run({}, seed))
    for temperature in (0.25, 2.0):
        simulator = SporeArm(duration=10.0, learning_rate=2.0, reward_gain=0.0, temperature=temperature,
                             theta_max=50.0, dt=0.01)
        learner = _ArmLearner(simulator, simulator.settings({}), 1, None)
        learner.advance(learner.total_steps)
        out[("arm prior", temperature)] = {"theta": learner.theta.copy()}
    segmented = {
        "spore default": Spore(duration=20.0, schedule="anneal"),
        "spore one step per update": Spore(duration=5.0, update_interval=0.01),
        "spore large": Spore(duration=3.0, n_inputs=100, n_motor=50),
        "spore lane, odd interval": Spore(duration=6.0, update_interval=0.037, task="lane"),
        "spore linear, 13 x 5": Spore(duration=20.0, schedule="linear", n_inputs=13, n_motor=5),
        "arm": SporeArm(duration=24.0, schedule="anneal", temperature=1.0, anneal_time=5.0, curve_points=6, dt=0.01),
        "arm 5 ms": SporeArm(duration=12.0),
        "arm small": SporeArm(duration=12.0, n_motor=1, n_place=2),
        "arm one step per update": SporeArm(duration=6.0, update_interval=0.005),
        "arm large": SporeArm(duration=4.0, n_motor=20, n_place=40, dt=0.01),
    }
    for name, simulator in segmented.items():
        out[(name, "run")] = _pack(simulator.run({}, 11))
        duration, checkpoint = simulator.duration, None
        for budget in (round(0.21 * duration, 3), round(0.5 * duration + 0.013, 3), round(0.77 * duration, 3), duration):
            result = simulator.run_to({}, 11, budget, checkpoint)
            checkpoint, out[(name, budget)] = result.checkpoint, _pack(result)
    for simulator in (Spore(duration=20.0), SporeArm(duration=20.0)):  # 10 s: the end of a block of uniforms
        checkpoint = None
        for budget in (10.0, 20.0):
            result = simulator.run_to({}, 5, budget, checkpoint)
            checkpoint, out[(simulator.name, "block", budget)] = result.checkpoint, _pack(result)
    return out


def _timings() -> dict:
    from l2l.simulators.spore import Spore
    from l2l.simulators.spore_arm import SporeArm

    runs = {"spore lane (10 ms)": (lambda: Spore(task="lane", duration=60.0).run({}, 0), 6000),
            "spore reaching (20 ms)": (lambda: Spore(dt=0.02, temperature=50.0, duration=120.0).run({}, 0), 6000),
            "spore-arm (10 ms)": (lambda: SporeArm(duration=60.0, dt=0.01).run({}, 20), 6000)}
    best = {}
    for name, (run, steps) in runs.items():
        seconds = []
        for _ in range(3):
            start = time.process_time()
            run()
            seconds.append(time.process_time() - start)
        best[name] = min(seconds) / steps * 1e6
    return best


def _differences(a, b, where=()) -> list:
    if isinstance(a, dict):
        if not isinstance(b, dict) or a.keys() != b.keys():
            return [where]
        return [d for k in a for d in _differences(a[k], b[k], where + (k,))]
    if isinstance(a, (list, tuple)):
        if not isinstance(b, (list, tuple)) or len(a) != len(b):
            return [where]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, where + (i,))]
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return [] if np.array_equal(np.asarray(a), np.asarray(b)) else [where]
    return [] if a == b or (a != a and b != b) else [where]


def _child(full: bool, path: str) -> None:
    with open(path, "wb") as handle:
        pickle.dump({"cases": _cases(full), "timings": _timings()}, handle)


def main(revision: str, full: bool) -> int:
    with tempfile.TemporaryDirectory() as folder:
        old_tree = Path(folder) / "old"
        old_tree.mkdir()
        archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)
        found = {}
        for label, tree in (("old", old_tree), ("new", ROOT)):
            dump = Path(folder) / f"{label}.pkl"
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(dump)] + (["--full"] if full else []),
                           check=True, env={**os.environ, "PYTHONPATH": str(tree)})
            with open(dump, "rb") as handle:
                found[label] = pickle.load(handle)
    old, new = found["old"]["cases"], found["new"]["cases"]
    differing = [key for key in old if _differences(old[key], new.get(key))]
    for key in differing:
        print("differs:", key, _differences(old[key], new[key])[:3])
    print(f"{len(differing)} of {len(old)} cases differ between {revision} and this tree")
    for name, old_us in found["old"]["timings"].items():
        print(f"{name:24s} {old_us:6.2f} -> {found['new']['timings'][name]:6.2f} us of CPU per step")
    return 1 if differing else 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--child"]:
        _child("--full" in arguments, arguments[1])
    else:
        positional = [a for a in arguments if not a.startswith("--")]
        sys.exit(main(positional[0] if positional else "857a45b", "--full" in arguments))

"""The LSNN's numpy code gives the same numbers, to the last bit, as at an earlier commit; and how long it takes.

    python benchmarks/lsnn_same_numbers.py [REVISION]      (default REVISION: 857a45b, before the in-place loops)

Loads ``l2l/simulators/lsnn_model.py`` and ``lsnn.py`` of REVISION (``git show``) beside this tree's and compares,
on random networks (sizes, thresholds, adaptation, smooth or spiking, with and without the rate regularizer):
the loss, every gradient and every trace of ``loss_and_grads``, ``eprop_grads``, and the inputs of
``store_recall`` (and the generator's state after it). Then times both on the default task (delay 200 ms,
batch 16, 30 neurons). Prints the number of cases that differ (0 expected) and the timings.
"""

from __future__ import annotations

import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from l2l.simulators import lsnn as new_lsnn, lsnn_model as new  # noqa: E402


def _module(revision: str, path: str, name: str) -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    module = types.ModuleType(name)
    module.__dict__["__name__"] = name
    sys.modules[name] = module
    exec(compile(source, f"{revision}:{path}", "exec"), module.__dict__)
    return module


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    return a == b or (a != a and b != b)


def compare(old, old_lsnn, cases: int = 200) -> tuple[int, int]:
    checked = differing = 0
    for seed in range(cases):
        rng = np.random.default_rng(seed)
        n_in, n, batch, steps = (int(rng.integers(1, 50)), int(rng.integers(1, 40)), int(rng.integers(1, 20)),
                                 int(rng.integers(2, 150)))
        thr = float(rng.choice([1.0, rng.uniform(0.05, 5.0), 0.1, 3.0, 1e-3]))
        adaptive = int(rng.integers(0, n + 1))
        neurons = new.Neurons(alpha=float(np.exp(-1 / rng.uniform(2, 40))), thr=thr,
                              beta=np.where(np.arange(n) >= n - adaptive, rng.uniform(0, 100), 0.0),
                              rho=np.full(n, np.exp(-1 / rng.uniform(1, 500))), kappa=float(np.exp(-1 / 20)))
        params = new.init_params(rng, n_in, n, 2, rng.uniform(0.5, 4) * thr, rng.uniform(0, 1) * thr)
        x = (rng.random((steps, batch, n_in)) < rng.uniform(0.01, 0.3)).astype(float)
        mask = np.zeros((steps, batch))
        mask[-max(1, steps // 5):] = 1.0
        labels = rng.integers(0, 2, batch)
        runs = [("loss_and_grads", {"smooth": smooth, "rate_reg": float(rng.choice([0.0, 10.0]))})
                for smooth in (False, True)] + [("eprop_grads", {})]
        for name, options in runs:
            a = getattr(old, name)(params, neurons, x, mask, labels, **options)
            b = getattr(new, name)(params, neurons, x, mask, labels, **options)
            checked += 1
            differing += not _same(a, b)
        task = (int(rng.integers(1, 40)), 20 * int(rng.integers(1, 6)), 20, 10, float(rng.uniform(1, 900)),
                float(rng.uniform(0, 50)), bool(seed % 2))
        first, second = np.random.default_rng(seed), np.random.default_rng(seed)
        checked += 1
        differing += not (_same(old_lsnn.store_recall(first, *task), new_lsnn.store_recall(second, *task))
                          and first.random() == second.random())
    return checked, differing


def clock(function, repeat: int = 5, number: int = 20) -> float:
    best = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            function()
        best.append((time.process_time() - start) / number)
    return min(best) * 1e3


def main() -> None:
    revision = sys.argv[1] if len(sys.argv) > 1 else "857a45b"
    old = _module(revision, "l2l/simulators/lsnn_model.py", "lsnn_model_then")
    old_lsnn = _module(revision, "l2l/simulators/lsnn.py", "lsnn_then")
    checked, differing = compare(old, old_lsnn)
    print(f"{checked} cases, {differing} differing from {revision}")
    rng = np.random.default_rng(0)
    n = 30
    neurons = new.Neurons(alpha=float(np.exp(-1 / 10)), thr=1.0, beta=np.where(np.arange(n) >= 10, 66.0, 0.0),
                          rho=np.full(n, np.exp(-1 / 200)), kappa=float(np.exp(-1 / 20)))
    params = new.init_params(rng, 40, n, 2, 1.5, 0.5)
    x, mask, labels = new_lsnn.store_recall(rng, 16, 200, 20, 10, 200.0, 5.0)
    for label, model, task in ((revision, old, old_lsnn), ("this tree", new, new_lsnn)):
        print(f"{label}: forward {clock(lambda: model.forward(params, neurons, x)):.2f} ms, loss_and_grads "
              f"{clock(lambda: model.loss_and_grads(params, neurons, x, mask, labels, rate_reg=10.0)):.2f} ms, "
              f"store_recall {clock(lambda: task.store_recall(rng, 16, 200, 20, 10, 200.0, 5.0)):.2f} ms "
              f"(CPU per call, best of 5)")


if __name__ == "__main__":
    main()

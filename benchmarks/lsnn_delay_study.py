"""LSNN store-recall: the adaptation time constant needed to recall moves with the delay.

For every delay and adaptation time constant ``tau_a``, 10 seeds (default 2000..2009, used by no test
or other figure) train a fresh LSNN (10 LIF + 20 ALIF neurons, BPTT) and measure its recall error on
128 fresh trials. Settings, unlike the simulator's defaults (those are in the docs' first table):

* firing-rate regularization towards 10 Hz (``rate_reg = 10``, ``rate_target = 10``) and smaller initial
  input weights (``input_scale = 1.5``), so the networks fire at rates cortex shows (about 10-25 Hz);
* ``training_steps = 120`` batches of 16 at ``learning_rate = 0.02`` (the regularized networks learn more
  slowly at the default 0.01);
* ``beta = tau_a / 3``: each spike raises the threshold by ``beta (1 - exp(-1/tau_a)) ≈ 1/3`` of ``thr``
  whatever ``tau_a``; with ``beta`` fixed, a long ``tau_a`` would barely move the threshold (the default
  ``beta = 50`` is this rule at ``tau_a = 150`` ms).

Delays shorter than about 100 ms are not used: the leaky readout (``tau_out = 20`` ms) still holds a trace
of the STORE symbol at recall time, so networks recall them without any adaptation.

The threshold of a delay is the smallest ``tau_a`` at which recall succeeds: where the mean recall error
first falls below 0.1, coming from short ``tau_a``, interpolated in log ``tau_a``; its 95 % interval comes from 2000 bootstrap resamples
of the seeds. Results are cached in ``--cache`` (JSON), so an interrupted run continues where it stopped.

    OMP_NUM_THREADS=1 nice python benchmarks/lsnn_delay_study.py [--seeds 10] [--delays 100,200,300]

``--defaults`` instead measures the simulator's defaults (no regularizer, ``beta = 50``, 80 steps, delay
100 ms) for ``tau_a`` from 10 to 1000 ms over the same seeds (cache ``lsnn_defaults.json``); with
``--eprop`` the same with e-prop at ``tau_a`` = 10 and 150 ms (cache ``lsnn_defaults_eprop.json``).

Prints a table (mean ± 95 % t interval, mean firing rate), the thresholds, writes the figure
``docs/img/lsnn_delay.png`` and last one JSON object with the figures and ``targets_met`` (the threshold
grows with the delay: each delay's interval lies above the previous one's mean).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy import stats

from l2l.simulators.lsnn import LSNN

TAU_A = (10.0, 25.0, 50.0, 100.0, 140.0, 200.0, 280.0, 400.0, 800.0)
SETTINGS = {"rate_reg": 10.0, "rate_target": 10.0, "input_scale": 1.5, "training_steps": 120, "learning_rate": 0.02}
SUCCESS = 0.1


def run(delay: int, tau_a: float, seed: int) -> dict[str, float]:
    lsnn = LSNN(delay=delay, beta=tau_a / 3.0, **SETTINGS)
    result = lsnn.run({"tau_a": tau_a}, seed)
    return {"error": result.objectives["recall_error"], "rate": result.metrics["firing_rate"]}


def threshold(taus: np.ndarray, errors: np.ndarray) -> float:
    """log-interpolated tau_a where the mean error first falls below SUCCESS (from short tau_a); NaN if never."""
    below = np.flatnonzero(errors < SUCCESS)
    if not len(below):
        return float("nan")
    i = int(below[0])
    if i == 0:
        return float(taus[0])
    x0, x1, y0, y1 = np.log(taus[i - 1]), np.log(taus[i]), errors[i - 1], errors[i]
    return float(np.exp(x0 + (y0 - SUCCESS) / (y0 - y1) * (x1 - x0)))


def bootstrap(taus: np.ndarray, table: np.ndarray, draws: int = 2000) -> tuple[float, float, float]:
    """Threshold of the seed means and its 2.5 / 97.5 percentiles over resampled seeds (table: tau x seed)."""
    rng = np.random.default_rng(0)
    seeds = table.shape[1]
    found = [threshold(taus, table[:, rng.integers(0, seeds, seeds)].mean(axis=1)) for _ in range(draws)]
    found = np.array([f for f in found if np.isfinite(f)])
    low, high = (np.percentile(found, [2.5, 97.5]) if len(found) else (np.nan, np.nan))
    return threshold(taus, table.mean(axis=1)), float(low), float(high)


def ci(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))


def figure(delays, taus, errors, rates, thresholds, seeds, out: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    colours = matplotlib.colormaps["viridis"](np.linspace(0.1, 0.8, len(delays)))
    for delay, colour in zip(delays, colours):
        table = errors[delay]
        means = table.mean(axis=1)
        halves = [ci(row) for row in table]
        left.errorbar(taus, means, yerr=halves, color=colour, marker="o", capsize=3, label=f"delay {delay} ms")
        value, low, high = thresholds[delay]
        if np.isfinite(value):
            left.axvspan(low, high, color=colour, alpha=0.12)
            left.axvline(value, color=colour, linestyle=":")
        right.errorbar(taus, rates[delay].mean(axis=1), yerr=[ci(row) for row in rates[delay]], color=colour,
                       marker="o", capsize=3, label=f"delay {delay} ms")
    left.axhline(0.5, color="grey", linewidth=0.8)
    left.axhline(SUCCESS, color="grey", linewidth=0.8, linestyle="--")
    left.set_xscale("log")
    left.set_xlabel("adaptation time constant tau_a (ms)")
    left.set_ylabel("recall error (128 fresh trials)")
    left.set_title("recall error; dotted: threshold tau_a (error 0.1), band: its 95 % bootstrap interval",
                   fontsize="small")
    left.legend(fontsize="small")
    right.set_xscale("log")
    right.set_xlabel("adaptation time constant tau_a (ms)")
    right.set_ylabel("mean firing rate (Hz)")
    right.set_title("firing rate, regularized towards 10 Hz", fontsize="small")
    right.grid(alpha=0.3)
    left.grid(alpha=0.3)
    fig.suptitle(f"LSNN store-recall, 10 LIF + 20 ALIF, BPTT 120 x 16 trials, lr 0.02, beta = tau_a/3, rate_reg 10 -> 10 Hz; "
                 f"means over {seeds} seeds, 95 % t intervals", fontsize="medium")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "lsnn_delay.png"
    fig.savefig(path, dpi=90)
    return path


DEFAULT_TAU_A = (10.0, 20.0, 50.0, 100.0, 150.0, 300.0, 1000.0)


def defaults_table(seeds: list[int], cache_path: Path, rule: str = "bptt", taus=DEFAULT_TAU_A) -> None:
    """The simulator's defaults (delay 100 ms, beta 50, no rate regularizer, 80 steps) over ``seeds``."""
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    lsnn = LSNN(learning_rule=rule)
    out = {}
    for tau in taus:
        for seed in seeds:
            key = f"{tau:g}/{seed}"
            if key not in cache:
                result = lsnn.run({"tau_a": tau}, seed)
                cache[key] = {"error": result.objectives["recall_error"], "rate": result.metrics["firing_rate"]}
                cache_path.parent.mkdir(parents=True, exist_ok=True)
                cache_path.write_text(json.dumps(cache, indent=0, sort_keys=True))
        errors = [cache[f"{tau:g}/{s}"]["error"] for s in seeds]
        rates = [cache[f"{tau:g}/{s}"]["rate"] for s in seeds]
        out[f"{tau:g}"] = {"error": [round(float(np.mean(errors)), 4), round(ci(errors), 4),
                                     round(min(errors), 4), round(max(errors), 4)],
                           "rate_hz": [round(float(np.mean(rates)), 1), round(min(rates), 1), round(max(rates), 1)]}
        print(f"defaults ({rule}), tau_a {tau:6g}: error {np.mean(errors):.3f} ± {ci(errors):.3f} "
              f"(range {min(errors):.3f}-{max(errors):.3f}), rate {np.mean(rates):.0f} Hz "
              f"(range {min(rates):.0f}-{max(rates):.0f})", flush=True)
    print(json.dumps({"defaults": True, "learning_rule": rule, "seeds": seeds, "table": out}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--defaults", action="store_true",
                        help="instead: the simulator's defaults (no regularizer, delay 100 ms) over the seeds")
    parser.add_argument("--eprop", action="store_true", help="with --defaults: e-prop instead of BPTT, "
                        "tau_a 10 and 150 ms only")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=2000)
    parser.add_argument("--delays", default="100,200,300")
    parser.add_argument("--cache", default="benchmarks/results/lsnn_delay.json")
    parser.add_argument("--out", default="docs/img")
    args = parser.parse_args()
    delays = [int(d) for d in args.delays.split(",")]
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    if args.defaults:
        if args.eprop:
            return defaults_table(seeds, Path(args.cache).with_name("lsnn_defaults_eprop.json"), "eprop",
                                  (10.0, 150.0))
        return defaults_table(seeds, Path(args.cache).with_name("lsnn_defaults.json"))
    cache_path = Path(args.cache)
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    started = time.time()
    for delay in delays:
        for tau in TAU_A:
            for seed in seeds:
                key = f"{delay}/{tau:g}/{seed}"
                if key not in cache:
                    cache[key] = run(delay, tau, seed)
                    cache_path.parent.mkdir(parents=True, exist_ok=True)
                    cache_path.write_text(json.dumps(cache, indent=0, sort_keys=True))
            cells = [cache[f"{delay}/{tau:g}/{s}"] for s in seeds]
            errors = [c["error"] for c in cells]
            print(f"delay {delay:4d} tau_a {tau:6g}: error {np.mean(errors):.3f} ± {ci(errors):.3f} "
                  f"(range {min(errors):.3f}-{max(errors):.3f}), rate {np.mean([c['rate'] for c in cells]):.1f} Hz",
                  flush=True)
    taus = np.array(TAU_A)
    errors = {d: np.array([[cache[f"{d}/{t:g}/{s}"]["error"] for s in seeds] for t in TAU_A]) for d in delays}
    rates = {d: np.array([[cache[f"{d}/{t:g}/{s}"]["rate"] for s in seeds] for t in TAU_A]) for d in delays}
    thresholds = {d: bootstrap(taus, errors[d]) for d in delays}
    for d in delays:
        value, low, high = thresholds[d]
        print(f"delay {d} ms: threshold tau_a {value:.0f} ms (95 % bootstrap {low:.0f}-{high:.0f})")
    path = figure(delays, taus, errors, rates, thresholds, len(seeds), Path(args.out))
    ordered = [thresholds[d] for d in delays]
    targets = all(np.isfinite(b[0]) and b[1] > a[0] for a, b in zip(ordered, ordered[1:]))
    print(json.dumps({
        "seeds": seeds, "delays": delays, "tau_a": list(TAU_A), "settings": {**SETTINGS, "beta": "tau_a/3"},
        "recall_error": {str(d): {f"{t:g}": [round(float(errors[d][i].mean()), 4), round(ci(errors[d][i]), 4)]
                                  for i, t in enumerate(TAU_A)} for d in delays},
        "firing_rate_hz": {str(d): {f"{t:g}": round(float(rates[d][i].mean()), 1) for i, t in enumerate(TAU_A)}
                           for d in delays},
        "threshold_tau_a": {str(d): [round(v, 1) for v in thresholds[d]] for d in delays},
        "figure": str(path), "seconds": round(time.time() - started, 1), "targets_met": bool(targets)}))


if __name__ == "__main__":
    main()

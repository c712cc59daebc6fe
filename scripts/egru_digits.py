"""Accuracy against activity sparsity of trained EGRUs, on the digits or a delayed-memory task (docs/egru_rtrl.md).

``--task digits`` (default): a dense GRU, an unregularized EGRU and EGRUs with the
activity penalty at several strengths, each on fresh seeds (new initial weights,
new order of the training images), scored on the 360 held-out *test* images,
which no setting here was tuned on (the settings were chosen on the validation
split with seeds 0 and 1). ``--task copy``: recall one of 4 symbols after 10
blank steps, 8000 training trials, 512 fresh test trials. Prints one row per
setting: mean and standard deviation over the seeds, and the minimum and
maximum. The digits need ``pip install 'l2l[datasets]'``.

    python scripts/egru_digits.py [--task digits|copy] [--long] [--seeds 100 101 102 103 104] [--epochs 10]
                                  [--workers 2]

The last line is one JSON object with every setting's figures.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from l2l.simulators import SIMULATORS

TRAINING_IMAGES = 1077
COMMON = {"task": "digits", "rule": "bptt", "units": 64, "batch_size": 32, "learning_rate": 0.01,
          "test_trials": 360, "held_out": "test"}
#: The EGRUs' thresholds and pseudo-derivative (a GRU has neither, and refuses them: it ignored them before).
EVENTS = {"theta_init": 0.05, "epsilon": 0.05, "gamma": 2.0}
SETTINGS = {
    "GRU (dense)": {"model": "gru"},
    "EGRU, no penalty": {**EVENTS},
    "EGRU, penalty 1": {**EVENTS, "activity_penalty": 1.0, "event_budget": 1},
    "EGRU, penalty 3": {**EVENTS, "activity_penalty": 3.0, "event_budget": 1},
    "EGRU, penalty 6": {**EVENTS, "activity_penalty": 6.0, "event_budget": 1},
}
#: The longer schedule (20 epochs at learning rate 0.005), chosen on the validation split with seed 0.
LONG_SETTINGS = {
    "GRU (dense), long": {"model": "gru", "learning_rate": 0.005, "epochs": 20},
    "EGRU, no penalty, long": {**EVENTS, "learning_rate": 0.005, "epochs": 20},
    "EGRU, penalty 6, long": {**EVENTS, "activity_penalty": 6.0, "event_budget": 1,
                              "learning_rate": 0.005, "epochs": 20},
    "EGRU, penalty 8, long": {**EVENTS, "activity_penalty": 8.0, "event_budget": 1,
                              "learning_rate": 0.005, "epochs": 20},
}
COPY = {"task": "copy", "symbols": 4, "delay": 10, "rule": "bptt", "units": 32, "batch_size": 32,
        "learning_rate": 0.01, "test_trials": 512, "trials": 8000}
COPY_SETTINGS = {
    "GRU (dense)": {"model": "gru"},
    "EGRU, no penalty": {**EVENTS},
    "EGRU, penalty 3": {**EVENTS, "activity_penalty": 3.0, "event_budget": 1},
}
FIGURES = ("accuracy", "test_activity_sparsity", "test_event_sparsity", "live_units", "macs_per_step")


def evaluate(job: tuple[str, str, int, int]) -> tuple[str, int, dict[str, float]]:
    task, name, seed, epochs = job
    if task == "copy":
        simulator = SIMULATORS.create("egru", {**COPY, **COPY_SETTINGS[name]})
    else:
        setting = dict({**SETTINGS, **LONG_SETTINGS}[name])
        epochs = setting.pop("epochs", epochs)
        simulator = SIMULATORS.create("egru", {**COMMON, **setting, "trials": epochs * TRAINING_IMAGES})
    simulator.refuse_ignored()  # an option the setting's model would ignore (as a new l2l run refuses it)
    result = simulator.run({}, seed)
    values = {**result.objectives, **result.metrics}
    return name, seed, {key: float(values[key]) for key in FIGURES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("digits", "copy"), default="digits")
    parser.add_argument("--long", action="store_true",
                        help="digits: the longer schedule (20 epochs, learning rate 0.005; ignores --epochs)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103, 104])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    begin = time.perf_counter()
    settings = COPY_SETTINGS if args.task == "copy" else LONG_SETTINGS if args.long else SETTINGS
    jobs = [(args.task, name, seed, args.epochs) for name in settings for seed in args.seeds]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(evaluate, jobs))
    if args.task == "copy":
        print(f"delayed recall (4 symbols, delay 10), 32 units, 8000 training trials, 512 fresh test trials; "
              f"seeds {args.seeds}; mean ± sd [min, max]")
    else:
        schedule = "20 epochs at learning rate 0.005" if args.long else f"{args.epochs} epochs at learning rate 0.01"
        print(f"{schedule} over the {TRAINING_IMAGES} training images, 64 units, scored on the 360 test "
              f"images; seeds {args.seeds}; mean ± sd [min, max]")
    print("| setting | accuracy | silent (no event, psi = 0) | no event | live units | sparse-RTRL MACs/step |")
    print("|---|---|---|---|---|---|")
    summary = {}
    for name in settings:
        rows = [values for setting, _, values in results if setting == name]
        summary[name] = {key: summarize([r[key] for r in rows]) for key in FIGURES}
        cells = [cell(s) for key, s in summary[name].items() if key != "macs_per_step"]
        print(f"| {name} | " + " | ".join(cells) + f" | {summary[name]['macs_per_step']['mean']:,.0f} |")
    print(json.dumps({"task": args.task, "seeds": args.seeds, "epochs": args.epochs, "settings": summary,
                      "seconds": round(time.perf_counter() - begin, 1)}))


def summarize(values: list[float]) -> dict:
    """Mean, sample standard deviation, minimum and maximum over the seeds; ``sd`` is None for one seed (no spread
    to measure: it was NaN, with numpy's warnings, and the JSON line held ``NaN``, which is no JSON)."""
    return {"mean": float(np.mean(values)), "sd": float(np.std(values, ddof=1)) if len(values) > 1 else None,
            "min": float(min(values)), "max": float(max(values))}


def cell(figure: dict) -> str:
    """A table cell: ``mean ± sd [min, max]`` (``mean [min, max]`` for one seed)."""
    spread = "" if figure["sd"] is None else f" ± {figure['sd']:.3f}"
    return f"{figure['mean']:.3f}{spread} [{figure['min']:.3f}, {figure['max']:.3f}]"


if __name__ == "__main__":
    main()

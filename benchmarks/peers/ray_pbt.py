"""Ray Tune's population-based training on an l2l simulator: the peer of benchmarks/pbt.py.

Runs inside the Ray venv (benchmarks/.venvs/ray); l2l is imported from the
repository (its simulators need numpy only). One Ray run per seed: a
population of ``population`` function trainables, each training the simulator
through ``run_to`` one interval per reported iteration with a checkpoint (the
simulator's arrays and the schedule so far, in one .npz); Ray's
PopulationBasedTraining (``synch = True``, the quantile fraction, the
resample probability and the perturbation factors given) exploits and
explores; values are clipped to the space's bounds after exploring, as l2l
clips them. Every member keeps its own noise seed (from the trial's index),
across exploits.

Input: one JSON object on stdin (see benchmarks/pbt.py ``ray_peer``). Output:
one JSON object per seed on stdout, a line each: the wall time of
``Tuner.fit`` and of ``ray.init``, the simulator's own time summed over
segments, the number of segments, and every final learner's loss and
schedule ``[[from, to, {params}], ...]``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def make_trainable(spec: dict, log_path: str):
    from ray import tune

    from l2l.simulators import SIMULATORS

    names = list(spec["space"])

    def trainable(config: dict) -> None:
        options = {k: v for k, v in spec["simulator"].items() if k != "name"}
        simulator = SIMULATORS.create(spec["simulator"]["name"], options)
        index = int(tune.get_context().get_trial_id().rsplit("_", 1)[-1])
        seed = int(np.random.SeedSequence([spec["seed"], index]).generate_state(1)[0])
        params = {name: float(config[name]) for name in names}
        checkpoint, history, step = None, [], 0.0
        found = tune.get_checkpoint()
        if found is not None:
            with found.as_directory() as folder:
                with np.load(os.path.join(folder, "state.npz")) as data:
                    checkpoint = {key[3:]: data[key] for key in data.files if key.startswith("ck_")}
                    history = json.loads(str(data["history"]))
                    step = float(data["step"])
        while step < spec["max_budget"] - 1e-9:
            target = min(step + spec["interval"], spec["max_budget"])
            started = time.perf_counter()
            result = simulator.run_to(params, seed, target, checkpoint)
            seconds = time.perf_counter() - started
            checkpoint, value = result.checkpoint, float(result.objectives[spec["objective"]])
            history.append([step, target, params])
            step = target
            with open(log_path, "a") as log:
                log.write(json.dumps({"seconds": seconds, "final": step >= spec["max_budget"] - 1e-9,
                                      "value": value, "history": history}) + "\n")
            with tempfile.TemporaryDirectory() as folder:
                arrays = {f"ck_{key}": np.asarray(v) for key, v in checkpoint.items()}
                np.savez(os.path.join(folder, "state.npz"), history=json.dumps(history), step=step, **arrays)
                tune.report({"score": spec["sign"] * value, "step": step},
                            checkpoint=tune.Checkpoint.from_directory(folder))

    return trainable


def run(spec: dict, seed: int) -> dict:
    import ray
    from ray import tune
    from ray.tune.schedulers import PopulationBasedTraining

    started = time.perf_counter()
    ray.init(num_cpus=spec["cpus"], include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    init_seconds = time.perf_counter() - started
    space = {name: tune.loguniform(b["low"], b["high"]) for name, b in spec["space"].items()}

    def clip(config: dict) -> dict:
        for name, b in spec["space"].items():
            config[name] = float(min(max(config[name], b["low"]), b["high"]))
        return config

    scheduler = PopulationBasedTraining(
        time_attr="training_iteration", perturbation_interval=1, hyperparam_mutations=space,
        quantile_fraction=spec["fraction"], resample_probability=spec["resample_probability"],
        perturbation_factors=tuple(spec["factors"]), custom_explore_fn=clip, synch=True)
    with tempfile.TemporaryDirectory() as folder:
        log_path = os.path.join(folder, "segments.jsonl")
        tuner = tune.Tuner(
            make_trainable({**spec, "seed": seed}, log_path), param_space=space,
            tune_config=tune.TuneConfig(metric="score", mode="max", scheduler=scheduler,
                                        num_samples=spec["population"], reuse_actors=True),
            run_config=tune.RunConfig(storage_path=os.path.join(folder, "ray"), name=f"pbt{seed}", verbose=0))
        started = time.perf_counter()
        tuner.fit()
        fit_seconds = time.perf_counter() - started
        rows = [json.loads(line) for line in Path(log_path).read_text().splitlines()]
    ray.shutdown()
    finals = [{"value": r["value"], "schedule": r["history"]} for r in rows if r["final"]]
    return {"seed": seed, "fit_seconds": fit_seconds, "init_seconds": init_seconds,
            "simulator_seconds": sum(r["seconds"] for r in rows), "segments": len(rows), "finals": finals}


def main() -> None:
    spec = json.loads(sys.stdin.read())
    for seed in spec["seeds"]:
        print(json.dumps(run(spec, seed)), flush=True)


if __name__ == "__main__":
    main()

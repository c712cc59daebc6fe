"""One task of a ``slurm-array`` job: read its input, evaluate, write the result atomically.

Run by the job script of :mod:`l2l.jobs.slurm_array` as::

    python -m l2l.jobs.array_task --spec RUN/array/spec.json --tasks BATCH/tasks.json \
        --results BATCH/results --index "$SLURM_ARRAY_TASK_ID"

``spec.json`` (written once per run) names the simulator and its options and
holds the settings; ``tasks.json`` holds the tasks of one array, as JSON. The
result goes to ``results/.<index>.json.<pid>`` first and is then renamed to
``results/<index>.json``, so the executor never reads half a file. Under
``srun`` with several tasks, only rank 0 writes. Nothing here unpickles.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import numpy as np

from l2l.jobs.base import Outcome, Settings, Task, evaluate


def encode_value(value: Any) -> Any:
    """A parameter value as JSON: arrays keep their dtype, numpy scalars become Python numbers."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return value.item()
    return value


def decode_value(value: Any) -> Any:
    if isinstance(value, dict) and "__ndarray__" in value:
        return np.asarray(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
    return value


def task_to_json(task: Task) -> dict[str, Any]:
    return {"generation": task.generation, "individual": task.individual, "seed": task.seed,
            "attempt": task.attempt, "params": {k: encode_value(v) for k, v in task.params.items()}}


def task_from_json(data: dict[str, Any]) -> Task:
    return Task(int(data["generation"]), int(data["individual"]), int(data["seed"]),
                {k: decode_value(v) for k, v in data["params"].items()}, int(data["attempt"]))


def outcome_to_json(outcome: Outcome) -> dict[str, Any]:
    return {"generation": outcome.generation, "individual": outcome.individual, "seed": outcome.seed,
            "status": outcome.status, "objectives": outcome.objectives, "metrics": outcome.metrics,
            "traces": {k: np.asarray(v, dtype=float).tolist() for k, v in outcome.traces.items()},
            "outputs": None if outcome.outputs is None else np.asarray(outcome.outputs, dtype=float).tolist(),
            "error": outcome.error, "started": outcome.started, "duration": outcome.duration,
            "attempt": outcome.attempt}


def outcome_from_json(data: dict[str, Any]) -> Outcome:
    return Outcome(
        generation=int(data["generation"]), individual=int(data["individual"]), seed=int(data["seed"]),
        status=str(data["status"]), objectives={k: float(v) for k, v in data["objectives"].items()},
        metrics={k: float(v) for k, v in data["metrics"].items()},
        traces={k: np.asarray(v, dtype=float) for k, v in data["traces"].items()},
        outputs=None if data["outputs"] is None else np.asarray(data["outputs"], dtype=float),
        error=str(data["error"]), started=float(data["started"]), duration=float(data["duration"]),
        attempt=int(data["attempt"]))


def write_json_atomically(path: str, data: Any) -> None:
    """Write ``data`` to a temporary name beside ``path``, flush it to disk, rename it into place."""
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _rank() -> int:
    for key in ("SLURM_PROCID", "PMI_RANK", "OMPI_COMM_WORLD_RANK"):
        if os.environ.get(key, "").isdigit():
            return int(os.environ[key])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m l2l.jobs.array_task", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="spec.json of the run (simulator and settings)")
    parser.add_argument("--tasks", required=True, help="tasks.json of this array")
    parser.add_argument("--results", required=True, help="folder of the result files")
    parser.add_argument("--index", required=True, type=int, help="array index ($SLURM_ARRAY_TASK_ID)")
    args = parser.parse_args(argv)

    from l2l.simulators import SIMULATORS

    with open(args.spec, encoding="utf-8") as handle:
        spec = json.load(handle)
    with open(args.tasks, encoding="utf-8") as handle:
        task = task_from_json(json.load(handle)[args.index])
    settings = Settings(objectives=tuple(spec["settings"]["objectives"]), timeout=spec["settings"]["timeout"],
                        run_dir=spec["settings"]["run_dir"])
    simulator = SIMULATORS.create(spec["simulator"]["name"], spec["simulator"]["options"])
    print(f"l2l array task {args.index}: generation {task.generation} individual {task.individual} "
          f"on {os.uname().nodename}", flush=True)
    outcome = evaluate(simulator, task, settings)
    if outcome.error:
        print(outcome.error, file=sys.stderr, flush=True)
    if _rank() == 0:
        write_json_atomically(os.path.join(args.results, f"{args.index}.json"), outcome_to_json(outcome))
    print(f"l2l array task {args.index}: {outcome.status} in {outcome.duration:.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One task of a ``slurm-array`` job: read its input, evaluate, write the result atomically.

Run by the job script of :mod:`l2l.jobs.slurm_array` as::

    python -m l2l.jobs.array_task --spec RUN/array/spec.json --tasks BATCH/tasks.json \
        --results BATCH/results --index "$SLURM_ARRAY_TASK_ID"

(every path absolute). ``spec.json`` (written once per run) names the
simulator and its options and holds the settings; ``tasks.json`` holds the
tasks of one array, as JSON: parameters, seed, and for a multi-fidelity segment
its ``budget``, ``from_budget`` and ``trial``. A segment's checkpoint is not in
the JSON: it is one file per task beside it, ``BATCH/checkpoints/<index>.l2l``,
in the pickle-free encoding of :mod:`l2l.results_schema.codec` (arrays, numbers,
strings, nested dicts and lists), named by the task's ``"checkpoint"`` entry;
so a task reads its own checkpoint, not those of the whole array.

The result goes to ``results/.<index>.json.<pid>`` first and is then renamed
to ``results/<index>.json``, so the executor never reads half a file. The new
checkpoint a segment returns is renamed into place as
``results/<index>.checkpoint.l2l`` *before* the result, which names it. Under
``srun`` with several tasks, only rank 0 writes. Nothing here unpickles.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
import traceback
from typing import Any, Sequence

import numpy as np

from l2l.errors import L2LError, TrajectoryError
from l2l.jobs.base import FAILED, TRACEBACK_TAIL, Outcome, Settings, Task, died, evaluate
from l2l.own_files import open_new
from l2l.results_schema import codec
from l2l.results_schema.layout import CURVE_PREFIX
from l2l.simulators.base import EvaluationContext
from l2l.simulators.said_once import collecting


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


def task_to_json(task: Task, checkpoint: str | None = None) -> dict[str, Any]:
    """A task as JSON; ``checkpoint`` is the name of its checkpoint file (see :func:`write_tasks`), if any."""
    return {"generation": task.generation, "individual": task.individual, "seed": task.seed,
            "attempt": task.attempt, "params": {k: encode_value(v) for k, v in task.params.items()},
            "budget": task.budget, "from_budget": task.from_budget, "trial": task.trial, "checkpoint": checkpoint}


def task_from_json(data: dict[str, Any], checkpoint: dict[str, Any] | None = None) -> Task:
    budget = data.get("budget")
    return Task(int(data["generation"]), int(data["individual"]), int(data["seed"]),
                {k: decode_value(v) for k, v in data["params"].items()}, int(data["attempt"]),
                budget=None if budget is None else float(budget), from_budget=float(data.get("from_budget", 0.0)),
                checkpoint=checkpoint, trial=int(data.get("trial", -1)))


def write_tasks(directory: str, tasks: Sequence[Task]) -> None:
    """``directory/tasks.json`` and one ``directory/checkpoints/<index>.l2l`` per task that has a checkpoint."""
    entries = []
    for index, task in enumerate(tasks):
        name = None
        if task.checkpoint is not None:
            name = os.path.join("checkpoints", f"{index}.l2l")
            os.makedirs(os.path.join(directory, "checkpoints"), exist_ok=True)
            write_bytes_atomically(os.path.join(directory, name), codec.encode(task.checkpoint))
        entries.append(task_to_json(task, name))
    write_json_atomically(os.path.join(directory, "tasks.json"), entries)


def read_task(tasks_file: str, index: int) -> tuple[Task, str]:
    """Task ``index`` of ``tasks_file`` with its checkpoint; the error is '' or why its checkpoint is unreadable
    (the task then comes without it, to be reported as failed, not run from the start)."""
    with open(tasks_file, encoding="utf-8") as handle:
        data = json.load(handle)[index]
    name, checkpoint, error = data.get("checkpoint"), None, ""
    if name:
        path = os.path.join(os.path.dirname(os.path.abspath(tasks_file)), name)
        try:
            with open(path, "rb") as handle:
                checkpoint = codec.decode(handle.read())
        except (OSError, TrajectoryError) as exc:
            error = f"the checkpoint of this segment, {path}, cannot be read: {exc}"
    return task_from_json(data, checkpoint), error


def outcome_to_json(outcome: Outcome, checkpoint: str | None = None) -> dict[str, Any]:
    """An outcome as JSON; ``checkpoint`` names the file of its new checkpoint (see :func:`write_outcome`)."""
    return {"generation": outcome.generation, "individual": outcome.individual, "seed": outcome.seed,
            "status": outcome.status, "objectives": outcome.objectives, "metrics": outcome.metrics,
            "traces": {k: np.asarray(v, dtype=float).tolist() for k, v in outcome.traces.items()},
            "outputs": None if outcome.outputs is None else np.asarray(outcome.outputs, dtype=float).tolist(),
            "error": outcome.error, "started": outcome.started, "duration": outcome.duration,
            "attempt": outcome.attempt, "budget": outcome.budget, "from_budget": outcome.from_budget,
            "trial": outcome.trial, "checkpoint": checkpoint, "host": outcome.host}


def outcome_from_json(data: dict[str, Any], checkpoint: dict[str, Any] | None = None) -> Outcome:
    budget = data.get("budget")
    return Outcome(
        generation=int(data["generation"]), individual=int(data["individual"]), seed=int(data["seed"]),
        status=str(data["status"]), objectives={k: float(v) for k, v in data["objectives"].items()},
        metrics={k: float(v) for k, v in data["metrics"].items()},
        traces={k: np.asarray(v, dtype=float).reshape(-1, 2) if k.startswith(CURVE_PREFIX)
                else np.asarray(v, dtype=float) for k, v in data["traces"].items()},
        outputs=None if data["outputs"] is None else np.asarray(data["outputs"], dtype=float),
        error=str(data["error"]), started=float(data["started"]), duration=float(data["duration"]),
        attempt=int(data["attempt"]), budget=None if budget is None else float(budget),
        from_budget=float(data.get("from_budget", 0.0)), trial=int(data.get("trial", -1)), checkpoint=checkpoint,
        host=str(data.get("host") or ""))


def write_outcome(results: str, index: int, outcome: Outcome, said: list[dict[str, Any]] | None = None) -> None:
    """``results/<index>.json``, after the outcome's new checkpoint (if any) is in place beside it; ``said``: what the
    simulator's warnings saw in the evaluation (:func:`l2l.simulators.said_once.report`), for the driver to say."""
    name = None
    if outcome.checkpoint is not None:
        name = f"{index}.checkpoint.l2l"
        write_bytes_atomically(os.path.join(results, name), codec.encode(outcome.checkpoint))
    data = outcome_to_json(outcome, name)
    if said:
        data["said"] = said
    write_json_atomically(os.path.join(results, f"{index}.json"), data)


def read_outcome(results: str, index: int) -> Outcome:
    """The outcome of task ``index``; a new checkpoint that cannot be read makes it a failed outcome."""
    return read_result(results, index)[0]


def read_result(results: str, index: int) -> tuple[Outcome, list[Any]]:
    """:func:`read_outcome`, and what the simulator's warnings saw in the evaluation (``said``: see
    :func:`write_outcome`; [] for none)."""
    with open(os.path.join(results, f"{index}.json"), encoding="utf-8") as handle:
        data = json.load(handle)
    said = data.pop("said", [])
    checkpoint, name = None, data.get("checkpoint")
    if name:
        path = os.path.join(results, os.path.basename(name))
        try:
            with open(path, "rb") as handle:
                checkpoint = codec.decode(handle.read())
        except (OSError, TrajectoryError) as exc:
            data["status"] = FAILED
            data["error"] = f"the checkpoint this segment wrote, {path}, cannot be read: {exc}"
    return outcome_from_json(data, checkpoint), said if isinstance(said, list) else []


def write_bytes_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to a temporary name beside ``path``, flush it to disk, rename it into place."""
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}")
    with os.fdopen(open_new(temporary), "wb") as handle:  # (a link planted at the name: not followed)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_json_atomically(path: str, data: Any) -> None:
    """``data`` as JSON, written as :func:`write_bytes_atomically` does."""
    write_bytes_atomically(path, json.dumps(data).encode("utf-8"))


def _rank() -> int:
    for key in ("SLURM_PROCID", "PMI_RANK", "OMPI_COMM_WORLD_RANK"):
        if os.environ.get(key, "").isdigit():
            return int(os.environ[key])
    return 0


#: A failure that says the simulator's program died of SIGTERM (a ``command``'s, or a forked evaluation's):
#: "killed by signal 15", or "exited with status 143" from a shell or launcher that passed it on.
PROGRAM_TERMINATED = re.compile(r"killed by signal 15\b|exited with status 143\b")
#: How long such a task waits for a SIGTERM of its own before it writes the failure, seconds. A scancel's SIGTERM
#: reached the task more than 1 s after its program's once in a quiet full test suite (1.0 s before 8 December
#: 2026); past SLURM's KillWait (30 s by default, 2 s on scripts/slurm-up.sh's node) its SIGKILL ends the task
#: without a result, which is what a cancelled task should leave, so a longer wait costs only a program that died
#: of a SIGTERM of its own making these seconds.
STOP_GRACE = 5.0


#: A program (or a forked evaluation, under run.timeout) that died of SIGKILL: the kernel's OOM killer's signal.
PROGRAM_KILLED = re.compile(r"killed by signal 9\b|exited with status 137\b")


def memory_kills(cgroup_file: str = "/proc/self/cgroup", root: str = "/sys/fs/cgroup") -> int | None:
    """How many processes the OOM killer ended in this process's memory cgroup and below (``oom_kill`` of cgroup v2's
    ``memory.events``, of v1's ``memory.oom_control``); None where it cannot be read (no cgroup, another OS). Under
    SLURM's cgroup plugins that cgroup is the job's (or its step's): the memory the job booked."""
    try:
        with open(cgroup_file, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    candidates = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        path = path.lstrip("/")
        if controllers == "":  # cgroup v2 (or v1's unified hierarchy)
            candidates += [os.path.join(root, path, "memory.events"), os.path.join(root, "unified", path,
                                                                                     "memory.events")]
        elif "memory" in controllers.split(","):
            candidates.append(os.path.join(root, "memory", path, "memory.oom_control"))
    for candidate in candidates:
        try:
            with open(candidate, encoding="utf-8") as handle:
                for line in handle:
                    name, _, value = line.partition(" ")
                    if name == "oom_kill" and value.strip().isdigit():
                        return int(value)
        except OSError:
            continue
    return None


def out_of_memory_said(outcome: Outcome, before: int | None, after: int | None) -> None:
    """Where the evaluation failed as its program (or forked evaluation) died of SIGKILL and the OOM killer ended a
    process of the job's cgroup meanwhile (``after`` > ``before``: :func:`memory_kills`), say so on the failure's
    first line, which the failure summaries count by: it read 'command was killed by signal 9 (SIGKILL)' alone."""
    if outcome.status != FAILED or before is None or after is None or after <= before:
        return
    first, newline, rest = (outcome.error or "").partition("\n")
    if not PROGRAM_KILLED.search(first):
        return
    outcome.error = (f"{first}: out of memory (the OOM killer ended it within the memory the SLURM job booked); "
                     f"raise [backend] memory{newline}{rest}")


def _stopped(number: int, frame: Any) -> None:  # noqa: ARG001 - a signal handler's signature
    raise KeyboardInterrupt(f"signal {number}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m l2l.jobs.array_task", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="spec.json of the run (simulator and settings)")
    parser.add_argument("--tasks", required=True, help="tasks.json of this array")
    parser.add_argument("--results", required=True, help="folder of the result files")
    parser.add_argument("--index", required=True, type=int, help="array index ($SLURM_ARRAY_TASK_ID)")
    args = parser.parse_args(argv)
    # scancel (the run reached its target, or stopped, with this task running) sends SIGTERM: raised here as
    # KeyboardInterrupt, which ends the evaluation as a stop, not a failure, so that a command's working directory
    # goes as a successful evaluation's does (before, the task died at once and left it in <run>.work)
    signal.signal(signal.SIGTERM, _stopped)
    try:
        return _run(args)
    except KeyboardInterrupt:  # one line in the task's log, not the traceback of a stop
        print(f"l2l array task {args.index}: stopped (SIGTERM: the run ended, or the job was cancelled), "
              f"no result written", file=sys.stderr, flush=True)
        return 128 + signal.SIGTERM


def _run(args: argparse.Namespace) -> int:
    """Evaluate the task ``args`` name and write its result (:func:`main`)."""
    from l2l.simulators import SIMULATORS

    with open(args.spec, encoding="utf-8") as handle:
        spec = json.load(handle)
    task, unreadable = read_task(args.tasks, args.index)
    settings = Settings(objectives=tuple(spec["settings"]["objectives"]), timeout=spec["settings"]["timeout"],
                        run_dir=spec["settings"]["run_dir"])
    print(f"l2l array task {args.index}: generation {task.generation} individual {task.individual} "
          + (f"trial {task.trial} budget {task.from_budget:g} -> {task.budget:g} " if task.budget is not None
             else "") + f"on {os.uname().nodename}", flush=True)
    said: list[dict[str, Any]] = []
    if unreadable:
        outcome = died(task, unreadable)
    else:
        try:
            simulator = SIMULATORS.create(spec["simulator"]["name"], spec["simulator"]["options"])
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a node that cannot set it up: a failed evaluation
            # (a module that does not import there: a library missing on the compute nodes). The task wrote no
            # result before, was submitted again up to the backend's retries and recorded as 'SLURM job ended
            # FAILED (NonZeroExitCode) without writing a result', the reason only in its log.
            name = spec["simulator"]["name"]
            said = (str(exc) if isinstance(exc, L2LError) else f"{type(exc).__name__}: {exc}").removeprefix(
                f"simulator {name!r}: ")
            outcome = died(task, f"{traceback.format_exc()[-TRACEBACK_TAIL:]}simulator {name!r} cannot be set up on "
                                 f"{os.uname().nodename}: {said}")
        else:
            try:
                kills = memory_kills()
                with collecting() as said:  # what the warnings saw: said once for the run by its driver
                    outcome = evaluate(simulator, task, settings)
                out_of_memory_said(outcome, kills, memory_kills() if kills is not None else None)
                if outcome.status == FAILED and PROGRAM_TERMINATED.search(outcome.error or ""):
                    # scancel and a job's time limit send SIGTERM to every process of the job, the program often
                    # first: this task's own comes a few milliseconds later and ends it without a result (the run
                    # resubmits the task, or says TIMEOUT). Before, the task could write "command was killed by
                    # signal 15" first: a cancelled task was a failed evaluation, never resubmitted. A program that
                    # died of SIGTERM otherwise fails as before.
                    time.sleep(STOP_GRACE)
            except KeyboardInterrupt:  # cancelled: a command's folder goes as a cancelled evaluation's does (the
                cancelled = getattr(simulator, "cancelled", None)  # failure its program's SIGTERM made kept it)
                if cancelled is not None:
                    cancelled(EvaluationContext(task.generation, task.individual, task.attempt, settings.timeout,
                                                settings.run_dir, task.budget, task.from_budget, None, task.trial))
                raise
    if outcome.error:
        print(outcome.error, file=sys.stderr, flush=True)
    if _rank() == 0:
        write_outcome(args.results, args.index, outcome, said)
    print(f"l2l array task {args.index}: {outcome.status} in {outcome.duration:.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""On slurm-array every evaluation is a process of its own (an array task) whose stderr goes to a job log: a NEST
model setting rng_seed = 42 itself was never said (two evaluations of one process are needed to see it, and the line
would have gone to a log nobody reads). The task now writes what the warnings saw with its result, and the run's
driver says the line once for the run (l2l/simulators/said_once.py, said_replay.py)."""

from __future__ import annotations

import argparse
import json

import pytest

pytest.importorskip("nest")

from l2l.jobs import BACKENDS  # noqa: E402
from l2l.jobs.array_task import write_tasks  # noqa: E402
from l2l.jobs.tasks import Task  # noqa: E402

MODEL = '''
def net(nest, params, seed):
    nest.SetKernelStatus({"rng_seed": 42})        # copied from a script
    nest.Create("iaf_psc_alpha", 2)
    return 1.0
'''


def test_a_model_s_own_seed_seen_in_two_array_tasks_is_said_once_by_the_driver(tmp_path, capfd):
    from l2l.jobs import array_task
    from l2l.simulators.said_replay import replay

    (tmp_path / "said46_array.py").write_text(MODEL)
    spec = {"simulator": {"name": "nest", "options": {"function": "said46_array:net", "path": str(tmp_path),
                                                      "threads": 1}},
            "settings": {"objectives": ["value"], "timeout": None, "run_dir": str(tmp_path / "run.work")}}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    write_tasks(str(tmp_path), [Task(0, i, 1000 + i, {}) for i in range(3)])
    (tmp_path / "results").mkdir()
    for index in range(3):  # three tasks, each building its simulator afresh as its own process does
        array_task._run(argparse.Namespace(spec=str(tmp_path / "spec.json"), tasks=str(tmp_path / "tasks.json"),
                                           results=str(tmp_path / "results"), index=index))
    assert "rng_seed to 42" not in capfd.readouterr().err  # no task saw two evaluations
    executor = BACKENDS.create("slurm-array", {})
    for index in range(3):  # the driver reads the results
        outcome, said = array_task.read_result(str(tmp_path / "results"), index)
        assert outcome.status == "ok"
        replay(said, executor)
    lines = [line for line in capfd.readouterr().err.splitlines() if "rng_seed to 42" in line]
    assert len(lines) == 1 and lines[0].startswith("l2l: warning: simulator 'nest': the model set NEST's rng_seed to "
                                                   "42 itself, in evaluations of seeds 1000 and 1001 alike"), lines

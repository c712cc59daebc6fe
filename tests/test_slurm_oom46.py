"""A slurm-array evaluation SLURM killed past its job's memory: the task (the model running in it) gone, SLURM's state
OUT_OF_MEMORY, it was resubmitted twice (each run out of memory again, the same evaluation needing the same memory)
and then read 'SLURM job ended OUT_OF_MEMORY without writing a result, after 3 submission(s)', nothing on what to
raise. A program (a ``command``, or an evaluation forked under run.timeout) the OOM killer ended within the task read
'command was killed by signal 9 (SIGKILL)' alone. Both now name the memory to raise; the first is not resubmitted."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from l2l.jobs import BACKENDS
from l2l.jobs.base import Outcome, Task


@pytest.mark.parametrize("memory, booked", [("2G", "[backend] memory = '2G'"),
                                            ("", "the cluster's default memory (no [backend] memory given)")])
def test_a_task_slurm_ended_out_of_memory_names_the_memory_and_is_not_resubmitted(tmp_path, memory, booked):
    executor = BACKENDS.create("slurm-array", {"retries": 2, "memory": memory})
    executor._root = tmp_path
    executor._lost(SimpleNamespace(tasks={0: Task(0, 0, 11, {"x": 0.0})}, job_id="77"), 0, "OUT_OF_MEMORY", "None")
    assert executor._resubmit == []  # before: resubmitted, to run out of memory twice more
    (outcome,) = executor._ready
    first = outcome.error.splitlines()[0]
    assert outcome.status == "failed" and outcome.submissions == 1
    assert first == (f"SLURM job ended OUT_OF_MEMORY without writing a result, after 1 submission(s): SLURM killed it "
                     f"past the memory its job booked, {booked}; raise memory (per node of one evaluation; not "
                     f"resubmitted: the evaluation would need as much again)")


def test_other_ends_are_still_resubmitted(tmp_path):
    executor = BACKENDS.create("slurm-array", {"retries": 2})
    executor._root = tmp_path
    for index, state in enumerate(["NODE_FAIL", "CANCELLED", "TIMEOUT"]):
        executor._lost(SimpleNamespace(tasks={index: Task(0, index, 11, {"x": 0.0})}, job_id="77"), index, state, "")
    assert len(executor._resubmit) == 3 and executor._ready == []


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_oom_killer_s_count_is_read_from_the_process_s_memory_cgroup(tmp_path, version):
    from l2l.jobs.array_task import memory_kills

    job = "slurm/uid_0/job_42/step_batch"
    if version == "v2":
        (tmp_path / "cgroup").write_text(f"0::/{job}\n")
        events, text = tmp_path / "root" / job / "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"
    else:
        (tmp_path / "cgroup").write_text(f"5:cpu,cpuacct:/{job}\n4:memory:/{job}\n1:name=systemd:/\n")
        events, text = tmp_path / "root" / "memory" / job / "memory.oom_control", "oom_kill_disable 0\noom_kill 2\n"
    events.parent.mkdir(parents=True)
    events.write_text(text)
    assert memory_kills(str(tmp_path / "cgroup"), str(tmp_path / "root")) == (1 if version == "v2" else 2)
    assert memory_kills(str(tmp_path / "none"), str(tmp_path / "root")) is None


def _failed(error):
    return Outcome(0, 1, 5, "failed", error=error)


def test_a_program_the_oom_killer_ended_says_out_of_memory_on_its_first_line():
    from l2l.jobs.array_task import out_of_memory_said

    outcome = _failed("command was killed by signal 9 (SIGKILL); its last line on stderr: ...\n--- traceback")
    out_of_memory_said(outcome, 0, 1)
    first, rest = outcome.error.split("\n", 1)
    assert first == ("command was killed by signal 9 (SIGKILL); its last line on stderr: ...: out of memory (the OOM "
                     "killer ended it within the memory the SLURM job booked); raise [backend] memory")
    assert rest == "--- traceback"
    for before, after, error in [(1, 1, "command was killed by signal 9 (SIGKILL)"),  # no kill meanwhile
                                 (None, None, "command was killed by signal 9 (SIGKILL)"),  # no cgroup read
                                 (0, 1, "ValueError: x")]:  # another failure
        outcome = _failed(error)
        out_of_memory_said(outcome, before, after)
        assert outcome.error == error

"""A NEST model that sets local_num_threads itself (copied from a script) ran more threads than l2l gave it (on SLURM:
than its job booked CPUs), and the metric nest_virtual_processes recorded l2l's count, not the one the evaluation ran
with (NEST's random streams are per thread: the count a reproduction needs). The metric is now read after the model
ran, and the model's own threads are said in one warning line a run."""

from __future__ import annotations

import pytest

pytest.importorskip("nest")

from l2l.simulators.nest_sim import NestModel  # noqa: E402

MODELS = '''
def net(nest, params, seed, own=0):
    if own:
        nest.SetKernelStatus({"local_num_threads": own})
    nest.Create("iaf_psc_alpha", 2)
    return 1.0
'''


@pytest.fixture
def model(tmp_path):
    (tmp_path / "own_threads46.py").write_text(MODELS)
    return lambda own: NestModel(function="own_threads46:net", path=str(tmp_path), threads=1, kwargs={"own": own})


def test_a_model_s_own_threads_are_recorded_and_said_once_a_run(model, capfd):
    for run in range(2):  # a second run in the same process is told again
        simulator = model(2)
        assert [simulator.run({}, seed).metrics["nest_virtual_processes"] for seed in (1, 2)] == [2.0, 2.0]
        lines = [line for line in capfd.readouterr().err.splitlines() if "local_num_threads" in line]
        assert lines == ["l2l: warning: simulator 'nest': the model set NEST's local_num_threads to 2 itself, above the "
                         "1 l2l gave it ([simulator] threads, 0: the CPUs of the worker or SLURM job): its threads "
                         "share those CPUs, spinning while they wait for each other, so every evaluation may be many "
                         "times slower; remove it from the model and set [simulator] threads (on SLURM with as many "
                         "CPUs a job: cpus_per_task, cores)"], f"run {run + 1}"


def test_a_model_that_keeps_l2l_s_threads_is_not_named(model, capfd):
    assert model(0).run({}, 1).metrics["nest_virtual_processes"] == 1.0
    assert "local_num_threads" not in capfd.readouterr().err

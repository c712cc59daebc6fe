"""A NEST model with ``threads = 4`` on ``slurm-array`` with ``cpus_per_task = 1`` (or on ``slurm`` with ``cores = 1``)
starts 4 NEST threads in a job that booked one CPU: where the cluster binds jobs to their CPUs they spin waiting for
each other and every evaluation slows many times over. l2l said so for ``local`` and ``serial`` runs only; the SLURM
backends now say it in one line as the run starts (and in ``l2l run --dry-run``'s check lines)."""

from __future__ import annotations

import pytest

from l2l.jobs import BACKENDS
from l2l.simulators.nest_sim import NestModel

MODEL = "def net(nest, params, seed):\n    return 1.0\n"


@pytest.fixture
def nest_model(tmp_path):
    (tmp_path / "threads46_model.py").write_text(MODEL)
    return lambda threads: NestModel(function="threads46_model:net", path=str(tmp_path), threads=threads)


def _prepared(monkeypatch, capsys, backend, options, simulator):
    import l2l.jobs.slurm as slurm
    import l2l.jobs.slurm_array_script as array_script

    monkeypatch.setattr(array_script, "check_with_test_only", lambda *args, **kwargs: None)  # no sbatch asked
    monkeypatch.setattr(slurm.SlurmExecutor, "check_submission", lambda self: None)
    executor = BACKENDS.create(backend, options)
    try:
        executor.prepare(simulator)
        lines = executor.pre_run_checks(simulator)
    finally:
        executor.close()
    return [line for line in capsys.readouterr().err.splitlines() if "threads" in line], lines


@pytest.mark.parametrize("backend, key", [("slurm-array", "cpus_per_task"), ("slurm", "cores")])
def test_nest_threads_above_the_jobs_cpus_are_said_once_as_the_run_starts(monkeypatch, capsys, nest_model, backend,
                                                                         key):
    said, checks = _prepared(monkeypatch, capsys, backend, {key: 1}, nest_model(4))
    assert said == [f"l2l: warning: [simulator] threads = 4 in SLURM jobs of {key} = 1: NEST starts 4 threads on 1 "
                    f"CPU booked, which wait for each other spinning where the cluster binds jobs to their CPUs "
                    f"(every evaluation many times slower); set [backend] {key} = 4, or threads = 0 (each "
                    f"evaluation takes the CPUs its job books)"]
    assert any(line.startswith("warning: [simulator] threads = 4") for line in checks)  # the dry run's line


@pytest.mark.parametrize("threads, cpus", [(0, 1), (1, 1), (4, 4), (2, 8)])
def test_threads_within_the_jobs_cpus_are_not(monkeypatch, capsys, nest_model, threads, cpus):
    said, checks = _prepared(monkeypatch, capsys, "slurm-array", {"cpus_per_task": cpus}, nest_model(threads))
    assert said == [] and not any("threads" in line for line in checks)

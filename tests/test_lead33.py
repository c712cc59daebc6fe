"""``l2l show`` of a PBT run pointed nowhere past its table, whose parameters are each learner's last piece only: a
persona's learning rate lowered twice by PBT (0.038, 0.030, 0.003) read as a constant 0.003, and nothing said that
``l2l.lineage`` and ``l2l plot --kind schedules`` hold the rest."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.cli import main


def _run(tmp_path, policy):
    config = {"run": {"name": "p", "seed": 3, "generations": 1},
              "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 4},
              "simulator": {"name": "sphere", "multi_fidelity": True, "min_budget": 1, "max_budget": 40},
              "backend": {"name": "serial"}}
    if policy:
        config["policy"] = {"name": policy, "interval": 20}  # two pieces a learner
    return l2l.run(config, tmp_path / f"{policy or 'sweep'}.h5")


def test_show_of_a_pbt_run_says_where_each_learners_schedule_is(tmp_path, capsys):
    path = _run(tmp_path, "pbt")
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("schedules")]
    assert len(lines) == 1
    assert f"l2l.lineage({str(path)!r})" in lines[0] and "--kind schedules" in lines[0]
    # what it points to holds the schedules: more pieces than learners, each with its seed
    frame = l2l.lineage(path)
    assert len(frame) > frame["member"].nunique() and "seed" in frame.columns


def test_show_of_a_sweep_has_no_schedules_line(tmp_path, capsys):
    path = _run(tmp_path, None)
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    assert "schedules" not in capsys.readouterr().out


@pytest.mark.parametrize("budget", [0.0, -3.0, "bool"])
def test_tell_partial_refuses_a_budget_of_nothing_or_a_boolean_in_one_line(budget):
    """A loop of one's own telling ``tell_partial`` a budget of 0, a negative one or ``True`` (read as 1) was taken
    (the session's fuzzer): no result is reached at no budget, and a flag is no fidelity."""
    from l2l.errors import ConfigError
    from l2l.optimizers import OPTIMIZERS
    from l2l.testing.problems import evaluate, mixed_problem

    optimizer = OPTIMIZERS.create("tpe", {"population_size": 4})
    problem = mixed_problem(1)
    state = optimizer.init(problem, 3)
    candidates, state = optimizer.ask(problem, state, 4)
    candidates = np.array(candidates, dtype=float)
    scores = np.array(evaluate(problem, candidates)[0], dtype=float)
    budgets = np.full(4, True) if budget == "bool" else np.array([3.0, 3.0, budget, 3.0])
    with pytest.raises(ConfigError) as refused:
        optimizer.tell_partial(problem, state, candidates, budgets, scores)
    message = str(refused.value)
    assert message.startswith("optimizer 'tpe': tell_partial: budget") and len(message.splitlines()) == 1, message
    optimizer.tell_partial(problem, state, candidates, np.full(4, 3.0), scores)  # positive ones: taken


@pytest.mark.slurm
def test_a_slurm_run_with_dashboard_false_opens_no_http_port_on_its_scheduler_or_worker_jobs(tmp_path, monkeypatch):
    """``dashboard = false`` on ``slurm`` closed the scheduler's pages only once the cluster had started, and every
    worker job still served ``/health``, ``/metrics`` and ``/statics`` on every interface of its node; now neither
    the scheduler (in this process) nor a worker job opens an HTTP port (a real worker job on the local SLURM)."""
    import sys
    import tempfile

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from slurm_helpers import require_slurm

    from l2l.jobs.slurm import SlurmExecutor

    require_slurm()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    executor = SlurmExecutor(minimum_jobs=1, maximum_jobs=1, dashboard=False, walltime="00:05:00")
    executor._run_dir = str(tmp_path / "run.work")
    executor._client = executor._connect()
    try:
        assert not getattr(executor._cluster.scheduler.http_server, "_sockets", {})  # never opened, not closed later
        executor._client.wait_for_workers(1, timeout=120)
        workers = executor._client.run(lambda dask_worker: (type(dask_worker).__name__,
                                                             len(getattr(dask_worker.http_server, "_sockets", {}))))
        assert list(workers.values()) == [("PagelessWorker", 0)], workers  # before: ('Worker', 1)
    finally:
        executor.close()


def test_a_slurm_worker_retiring_under_an_evaluation_it_took_up_late_in_its_life_is_not_counted():
    """7e9efc7 counted every retirement under an evaluation that had run half the lifetime: one of 0.8 lifetimes
    that landed twice on worker jobs with 0.5 to 0.8 lifetimes left (worker ages spread in a long run) became a
    failed row, though it fit the life of a fresh worker job. Only a worker that took it up as it arrived counts."""
    from l2l.jobs.slurm import SlurmExecutor
    from l2l.jobs.slurm_lifetime import lifetime_slack

    executor = SlurmExecutor(walltime="01:00:00", lifetime="00:10:00", lifetime_stagger="00:00:00")
    executor._lifetime, executor._stagger = 600, 0
    executor._chunks, executor._outlived, executor._lost_lock = {"k": None}, {}, __import__("threading").Lock()
    assert lifetime_slack(600) == 30.0
    executor._retired({"k": 450.0}, age=600.0)  # taken up 150 s into the worker's life: might fit a fresh one
    executor._retired({"k": 480.0}, age=590.0)
    assert executor._outlived == {}  # before: [450.0, 480.0], the evaluation then failed
    executor._retired({"k": 590.0}, age=600.0)  # taken up as the worker arrived: it outlived a whole life
    executor._retired({"k": 330.0}, age=None)  # (an age not known: as before)
    assert executor._outlived == {"k": [590.0, 330.0]}


def test_a_function_passed_to_run_keeps_the_configs_checkpoint_limit_and_refuses_an_unknown_option(tmp_path):
    """With ``l2l.run(config, simulator=f)`` the config's [simulator] options other than kwargs and multi_fidelity
    were dropped without a word: a typo ('checkpoint_limit' for checkpoint_limit_mb) ran, and a checkpoint_limit_mb
    the user gave was replaced by the default 64 MiB (the session's fuzzer)."""
    from l2l.errors import ConfigError

    def train(params, seed, budget, checkpoint=None):
        return l2l.SimulationResult(objectives={"loss": params["x"] ** 2},
                                    checkpoint={"w": np.zeros(40_000)})  # 0.3 MiB

    config = {"run": {"name": "f", "seed": 1, "generations": 1},
              "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 2},
              "simulator": {"name": "python", "checkpoint_limit": 0.1,
                            "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 4}},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    with pytest.raises(ConfigError, match="^simulator 'python': unknown option 'checkpoint_limit' \\(did you mean "
                                          "'checkpoint_limit_mb'\\?\\)"):
        l2l.run(config, tmp_path / "typo.h5", simulator=train)
    assert not (tmp_path / "typo.h5").exists()
    config["simulator"]["checkpoint_limit_mb"] = config["simulator"].pop("checkpoint_limit")
    path = l2l.run(config, tmp_path / "limit.h5", simulator=train)
    frame = l2l.load(path)
    assert (frame["status"] == "failed").all() and frame["error"].str.contains("checkpoint_limit_mb = 0.1").all(), \
        frame["error"].tolist()  # before: the default 64 MiB held, both succeeded

"""Review of session 33's last commits (review34): what they got wrong nearby, each case failing on the commit it
names."""

from __future__ import annotations

import l2l


class UnaccessedDictionaryEntry(Exception):
    """As PyNEST's exception is named (``NESTErrors.UnaccessedDictionaryEntry``)."""


UnaccessedDictionaryEntry.__module__ = "NESTErrors"

#: Run seeds whose first generation (2) both chose iaf_psc_alpha.
SEEDS = (1, 8)


def adaptive_only(params, seed):
    """``nest.Create(params["neuron"], params={"a": params["a"]})``: ``a`` is a parameter of aeif_cond_alpha only."""
    if params["neuron"] == "iaf_psc_alpha":
        raise UnaccessedDictionaryEntry("Unaccessed elements in params, in function Create: a")
    return float((params["a"] - 2.0) ** 2)


def test_a_nest_parameter_one_choice_of_model_lacks_fails_that_choice_only_and_is_not_refused(tmp_path):
    # d229976/148340d: a first generation whose evaluations all chose iaf_psc_alpha failed alike with NEST's
    # UnaccessedDictionaryEntry, and the run was refused ('fails every evaluation whatever its parameters', exit 2),
    # though aeif_cond_alpha takes 'a' (148340d spared only a model name that is itself a choice)
    for seed in SEEDS:
        config = {"run": {"seed": seed, "generations": 2},
                  "space": {"a": {"low": 0.0, "high": 4.0},
                            "neuron": {"type": "categorical", "choices": ["aeif_cond_alpha", "iaf_psc_alpha"]}},
                  "optimizer": {"name": "random", "population_size": 2}, "objectives": [{"name": "value"}],
                  "simulator": {"name": "python"}, "backend": {"name": "serial"}}
        rows = l2l.load(l2l.run(config, tmp_path / f"run{seed}.h5", simulator=adaptive_only))
        first = rows[rows["generation"] == 0]
        assert (first["neuron"] == "iaf_psc_alpha").all() and (first["status"] == "failed").all()
        assert len(rows) == 4 and (rows["status"] == "ok").any()


def test_tell_partial_refuses_a_boolean_among_numbers_and_a_ragged_list_in_one_line():
    # 322c85b refused booleans only as an array of them: a list [True, 3.0, ...] (numpy makes it 1.0) was taken as
    # a budget of 1, and a ragged list raised numpy's 'inhomogeneous shape' ValueError from the new check
    import numpy as np
    import pytest

    from l2l.errors import ConfigError
    from l2l.optimizers import OPTIMIZERS
    from l2l.testing.problems import evaluate, mixed_problem

    optimizer = OPTIMIZERS.create("tpe", {"population_size": 4})
    problem = mixed_problem(1)
    state = optimizer.init(problem, 3)
    candidates, state = optimizer.ask(problem, state, 4)
    candidates = np.array(candidates, dtype=float)
    scores = np.array(evaluate(problem, candidates)[0], dtype=float)
    for budgets, said in (([True, 3.0, 3.0, 3.0], "got booleans"), ([3, np.True_, 3, 3], "got booleans"),
                          ([3.0, [3.0, 9.0], 3.0, 3.0], "budgets must be numbers, got list [3.0, 9.0] at [1]")):
        with pytest.raises(ConfigError) as refused:
            optimizer.tell_partial(problem, state, candidates, budgets, scores)
        message = str(refused.value)
        assert message.startswith("optimizer 'tpe': tell_partial: budgets must be numbers") and said in message
        assert "\n" not in message
    optimizer.tell_partial(problem, state, candidates, [3, 3.0, 9, 27.0], scores)  # numbers: taken


def test_a_run_written_beside_a_file_put_in_its_place_keeps_its_checkpoints_readable(tmp_path, capsys):
    # 8ad9a35/0c392f8: the run lands in run.recovered.h5, whose rows reference run.recovered.h5.checkpoints; its
    # checkpoints stayed in run.h5.checkpoints, so every one read as missing (l2l validate: 'cannot be read: its file
    # ... is missing'), and a resume could continue no member
    import copy

    from test_persona33a import CONFIG, _learner

    out = tmp_path / "run.h5"
    calls = []

    def replacing(params, seed, budget, checkpoint=None):
        if not calls and out.exists():
            out.unlink()
            out.write_text("someone else's")
        calls.append(budget)
        return _learner(params, seed, budget, checkpoint)

    config = copy.deepcopy(CONFIG)
    config["run"]["checkpoints"] = "beside"  # every checkpoint in the folder beside the file
    l2l.run(config, out, simulator=replacing)
    recovered = tmp_path / "run.recovered.h5"
    assert out.read_text() == "someone else's" and l2l.validate(recovered) == []
    line, = [line for line in capsys.readouterr().err.splitlines() if "was replaced" in line]
    assert line.endswith(f"written back to {recovered}, its checkpoints linked to it as {recovered}.checkpoints")


def test_a_numpy_boolean_is_written_as_toml_spells_it_as_a_python_one_is():
    # b699c7a: l2l.numbers.number said 'a bool as TOML spells it', but told numpy's apart by its type's name
    # 'bool_', which numpy 2 calls 'bool': numpy's True read '1'
    import numpy as np

    from l2l.numbers import number

    assert [number(v) for v in (True, np.True_, np.bool_(False), np.array(True))] == ["true", "true", "false", "true"]
    assert [number(v) for v in (np.int8(3), np.float32(0.5), 1.0)] == ["3", "0.5", "1"]


def test_slurm_worker_jobs_that_took_an_evaluation_up_late_in_their_lives_never_fail_it(monkeypatch):
    # e42d593's test called _retired(..., age=) itself, so on its parent it failed by an ImportError, not by what it
    # states: here the scheduler's plugin hands the workers' ages over. An evaluation that ran a worker's whole life,
    # then was taken up by two worker jobs that had each idled 1.5 s of their lives (the slack of a fresh pickup
    # made 0.3 s) and ran 0.6 s of it on each, over half the 1 s lifetime: counted once; on the parent three times,
    # a failed row at the second, though a fresh worker job might fit it
    import time

    import test_lifetime33
    from test_lifetime33 import _poll

    from l2l.jobs import slurm_lifetime

    monkeypatch.setattr(slurm_lifetime, "LIFETIME_SLACK", (0.3, 0.0))
    fixture = test_lifetime33.slurm_here.__wrapped__(monkeypatch)
    here, key = next(fixture)
    try:
        first = here.worker()
        _poll(lambda: key in {task.key for task in here.cluster.scheduler.workers[first.address].processing}, 15,
              "the evaluation sent")
        late = [here.worker(), here.worker()]  # idle: the evaluation runs on the first
        idle_until = time.monotonic() + 1.5
        _poll(lambda: time.monotonic() >= idle_until, 5, "1.5 s of the late workers' lives")
        here.retire(first)  # it ran the first worker's whole life (counted, but for a heartbeat's lag under load)
        for _ in range(2):
            running = _poll(lambda: [w for w in late if here.executing(w, key) >= 0.6], 15, "0.6 s of it on a late one")
            here.retire(running[0])
            late.remove(running[0])
        assert here.executor.wait(timeout=0.5) == [] and here.executor.pending == 1
        assert len(here.executor._outlived.get(key, [])) <= 1  # the first at most (the parent: three, failed at two)
    finally:
        next(fixture, None)

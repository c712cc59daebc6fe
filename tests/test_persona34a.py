"""Persona trial 34a: a computational neuroscientist using the built-in spiking and event-based inner loops.

What such a user met: ``pbt`` on ``lsm`` ran without a word, but a member that copied another's checkpoint and
perturbed its parameters was scored on the reservoir simulated with the donor's parameters (lsm continues by
refitting readouts), so every exploited member reported its donor's error under its own parameters. And an
``lsm`` option of another engine (``threads`` without NEST, ``codegen_target`` without Brian2) or an ``egru``
option of another task (``noise`` under ``copy``, ``delay`` under ``spiral``), an ``lsnn`` delay of no whole
number of symbols, or a SPORE schedule option the schedule does not read was ignored; and an analog-classifier
space of the wrong weights shape ran, every evaluation failing, exit 1.
"""

from __future__ import annotations

import pytest

from l2l.cli import main
from l2l.simulators.lsm import LiquidStateMachine

SMALL = dict(n_exc=16, n_inh=4, n_inputs=8, tasks=1, kinds=("pattern",), train_examples=6, test_examples=12)
QUIET = {"J_EE": 0.0, "J_EI": 0.0, "J_IE": 0.0, "J_II": 0.0, "input_gain": 1.0, "noise_rate": 0.0}
DRIVEN = {"J_EE": 4.0, "J_EI": 4.0, "J_IE": 8.0, "J_II": 8.0, "input_gain": 16.0, "noise_rate": 200.0}


def test_an_lsm_candidate_continued_with_other_parameters_is_scored_on_a_reservoir_with_them():
    lsm = LiquidStateMachine(**SMALL)
    for seed in (1, 2, 3):
        donor = lsm.run_to(QUIET, seed, 3, None)
        continued = lsm.run_to(DRIVEN, seed + 100, 6, donor.checkpoint)
        fresh = lsm.run_to(DRIVEN, seed, 6, None)  # the donor's tasks (its seed), the new parameters
        assert continued.objectives == fresh.objectives
        assert continued.metrics["firing_rate"] == fresh.metrics["firing_rate"]
        assert continued.metrics["firing_rate"] != donor.metrics["firing_rate"]


def test_an_lsm_candidate_continued_with_its_own_parameters_still_only_refits_its_readouts(monkeypatch):
    lsm = LiquidStateMachine(**SMALL)
    first, whole = lsm.run_to(DRIVEN, 5, 3, None), lsm.run(DRIVEN, 5)
    simulated = []
    monkeypatch.setattr(LiquidStateMachine, "_simulate", lambda self, m, seed: simulated.append(seed))
    continued = lsm.run_to(dict(DRIVEN), 5, 6, first.checkpoint)
    assert simulated == []
    assert continued.objectives == whole.objectives


@pytest.mark.parametrize("option, engine", [('threads = 4', "numpy"), ('codegen_target = "cython"', "nest"),
                                            ('threads = 2', "brian2")])
def test_an_lsm_option_of_another_engine_is_refused_in_one_line_not_ignored(tmp_path, capsys, option, engine):
    config = tmp_path / "lsm.toml"
    config.write_text(f'[run]\nevaluations = 1\n[space]\nJ_EE = {{ type = "float", low = 0.0, high = 8.0 }}\n'
                      f'[optimizer]\nname = "random"\n[simulator]\nname = "lsm"\nengine = "{engine}"\n{option}\n'
                      f'[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    key = option.split()[0]
    assert len(err) == 1 and err[0].startswith(f"l2l: error: simulator 'lsm': option {key!r}"), err
    assert f"engine is {engine!r}" in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lsm.toml"]


@pytest.mark.parametrize("task, option", [("copy", 'noise = 1.0'), ("spiral", 'delay = 20'),
                                          ("copy", 'length = 20'), ("spiral", 'symbols = 8'),
                                          ("spiral", 'held_out = "test"')])
def test_an_egru_option_of_another_task_is_refused_in_one_line_not_ignored(tmp_path, capsys, task, option):
    config = tmp_path / "egru.toml"
    config.write_text(f'[run]\nevaluations = 1\n[space]\nlearning_rate = {{ type = "float", low = 0.001, high = 0.1 '
                      f'}}\n[optimizer]\nname = "random"\n[simulator]\nname = "egru"\ntask = "{task}"\ntrials = 8\n'
                      f'test_trials = 8\n{option}\n[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    key = option.split()[0]
    assert len(err) == 1 and err[0].startswith(f"l2l: error: simulator 'egru': option {key!r}"), err
    assert f"task is {task!r}" in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["egru.toml"]


def test_an_lsnn_delay_that_is_no_whole_number_of_symbols_is_refused_offering_the_two_nearest(tmp_path, capsys):
    config = tmp_path / "lsnn.toml"
    config.write_text('[run]\nevaluations = 1\n[space]\ntau_a = { type = "float", low = 5.0, high = 500.0 }\n'
                      '[optimizer]\nname = "random"\n[simulator]\nname = "lsnn"\ntraining_steps = 1\n'
                      'delay = 110\n[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("l2l: error: simulator 'lsnn': option 'delay'"), err
    assert "110" in err[0] and err[0].endswith("give 100 or 120"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lsnn.toml"]


@pytest.mark.parametrize("simulator, lines, explored, words", [
    ("spore", 'temperature_final = 0.01', "temperature", "temperature_final = 0.01 is read by schedule 'anneal' or "
                                                         "'linear' only, and schedule is 'constant'"),
    ("spore-arm", 'schedule = "linear"\nanneal_time = 5.0', "temperature", "anneal_time = 5.0 is read by schedule "
                                                                           "'anneal' only, and schedule is 'linear'"),
    ("spore-arm", '', "anneal_time", "anneal_time (explored) is read by schedule 'anneal' only"),
])
def test_a_spore_schedule_option_the_schedule_does_not_read_is_refused(tmp_path, capsys, simulator, lines, explored,
                                                                       words):
    config = tmp_path / "spore.toml"
    config.write_text(f'[run]\nevaluations = 1\n[space]\n{explored} = {{ type = "float", low = 0.5, high = 2.0 }}\n'
                      f'[optimizer]\nname = "random"\n[simulator]\nname = "{simulator}"\nduration = 1.0\n'
                      f'min_budget = 1.0\n{lines}\n[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"l2l: error: simulator {simulator!r}: {words}"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spore.toml"]


def test_a_spore_schedule_option_is_accepted_where_the_schedule_is_explored(tmp_path):
    config = tmp_path / "spore.toml"
    config.write_text('[run]\nevaluations = 1\n[space]\nschedule = { type = "categorical", choices = ["constant", '
                      '"anneal"] }\n[optimizer]\nname = "random"\n[simulator]\nname = "spore"\nanneal_time = 20.0\n'
                      '[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--dry-run"]) == 0


def test_an_lsnn_rate_target_without_the_regularizer_is_refused(tmp_path, capsys):
    config = tmp_path / "lsnn.toml"
    config.write_text('[run]\nevaluations = 1\n[space]\ntau_a = { type = "float", low = 5.0, high = 500.0 }\n'
                      '[optimizer]\nname = "random"\n[simulator]\nname = "lsnn"\ntraining_steps = 1\n'
                      'rate_target = 10.0\n[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("l2l: error: simulator 'lsnn': option 'rate_target' = 10.0 Hz"), err
    assert "rate_reg = 0" in err[0], err
    config.write_text(config.read_text().replace("rate_target = 10.0", "rate_target = 10.0\nrate_reg = 10.0"))
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--dry-run"]) == 0


@pytest.mark.parametrize("space, words", [
    ('weights = { type = "float", low = -1.0, high = 1.0, shape = [4, 2] }',
     "parameter 'weights' has shape = [4, 2]; it must be shape = [2, 4]"),
    ('gain = { type = "float", low = 0.5, high = 2.0 }', "explore 'weights' (shape = [2, 4]"),
])
def test_an_analog_classifier_space_every_evaluation_would_refuse_is_refused_before_the_run(tmp_path, capsys, space,
                                                                                              words):
    config = tmp_path / "hw.toml"
    config.write_text(f'[run]\nevaluations = 2\n[space]\n{space}\n[optimizer]\nname = "random"\n[simulator]\n'
                      f'name = "emulated-hardware"\nsimulator = "analog-classifier"\n'
                      f'simulator_options = {{ n_classes = 2, n_inputs = 4, samples = 20 }}\n'
                      f'[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"l2l: error: simulator 'analog-classifier': {words}"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hw.toml"]


def test_the_egru_budget_unit_says_how_the_rule_learns_the_trials():
    from l2l.simulators.egru import EGRUSimulator

    assert EGRUSimulator(rule="rtrl").fidelity().unit == "training trials (sequences learned online)"
    assert EGRUSimulator(rule="bptt").fidelity().unit == "training trials (sequences learned by BPTT)"

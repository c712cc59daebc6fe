"""Review 35 of session 34's simulator refusals (lsm, lsnn, spore, analog-classifier).

What the review found: an analog-classifier ``gain`` (or ``threshold``) of ``shape = [1]``, which every evaluation
spreads over the classes as it does one value, was refused before the run; a SPORE schedule option that no explored
schedule reads (``anneal_time`` with ``schedule`` explored among 'constant' and 'linear') was accepted and ignored;
an ``lsnn`` ``delay`` refused for a ``symbol_ms`` it is no multiple of did not say the delay was the default one
the user never wrote; and a run stored before those refusals (lsm's ``threads`` with the numpy engine, lsnn's
``delay = 110``, spore's ``temperature_final`` at constant temperature, lsm's ``memory_capacity`` without a task to
recall) could neither be resumed nor re-evaluated: the refusal of a new run's config, exit 2, met its stored config.
"""

from __future__ import annotations

import json

import pytest

import l2l
from l2l.cli import main

LSM = "n_exc = 8\nn_inh = 2\nn_inputs = 4\ntasks = 2\ntrain_examples = 2\ntest_examples = 2\nsteps = 40"


def _run(tmp_path, text: str, *extra: str) -> int:
    config = tmp_path / "run.toml"
    config.write_text(text)
    return main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--no-progress", *extra])


@pytest.mark.parametrize("simulator", ['name = "analog-classifier"\nn_classes = 2\nn_inputs = 4\nsamples = 20',
                                       'name = "emulated-hardware"\nsimulator = "analog-classifier"\n'
                                       'simulator_options = { n_classes = 2, n_inputs = 4, samples = 20 }'],
                         ids=["alone", "on-emulated-hardware"])
def test_an_analog_classifier_gain_of_shape_one_runs_as_one_value_does(tmp_path, simulator):
    space = ('weights = { type = "float", low = -1.0, high = 1.0, shape = [2, 4] }\n'
             'gain = { type = "float", low = 0.5, high = 2.0, shape = [1] }\n'
             'threshold = { type = "float", low = 0.0, high = 0.5, shape = [1] }')
    assert _run(tmp_path, f'[run]\nevaluations = 2\n[space]\n{space}\n[optimizer]\nname = "random"\n'
                          f'[simulator]\n{simulator}\n[backend]\nname = "serial"\n') == 0
    frame = l2l.load(tmp_path / "run.h5")
    assert len(frame) == 2 and frame["loss"].notna().all()


def test_an_analog_classifier_gain_of_another_shape_is_still_refused(tmp_path, capsys):
    space = ('weights = { type = "float", low = -1.0, high = 1.0, shape = [2, 4] }\n'
             'gain = { type = "float", low = 0.5, high = 2.0, shape = [3] }')
    assert _run(tmp_path, f'[run]\nevaluations = 2\n[space]\n{space}\n[optimizer]\nname = "random"\n'
                          f'[simulator]\nname = "analog-classifier"\nn_classes = 2\nn_inputs = 4\n'
                          f'[backend]\nname = "serial"\n') == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["l2l: error: simulator 'analog-classifier': parameter 'gain' has shape = [3]; it must be one "
                   "value or shape = [2] (n_classes = 2, n_inputs = 4)"], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.toml"]


@pytest.mark.parametrize("simulator", ["spore", "spore-arm"])
def test_a_spore_schedule_option_that_no_explored_schedule_reads_is_refused(tmp_path, capsys, simulator):
    text = (f'[run]\nevaluations = 1\n[space]\nschedule = {{ type = "categorical", choices = ["constant", "linear"] }}'
            f'\n[optimizer]\nname = "random"\n[simulator]\nname = "{simulator}"\nduration = 1.0\nmin_budget = 1.0\n'
            f'anneal_time = 5.0\n[backend]\nname = "serial"\n')
    assert _run(tmp_path, text) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"l2l: error: simulator {simulator!r}: anneal_time = 5.0 is read by schedule 'anneal' only, and "
                   f"schedule is explored among 'constant' and 'linear': add 'anneal' to its choices, or remove "
                   f"anneal_time"], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.toml"]
    # one explored schedule that reads it is enough (examples/spore_sweep.toml explores constant and anneal)
    assert _run(tmp_path, text.replace('"linear"', '"anneal"'), "--dry-run") == 0


def test_an_lsnn_default_delay_of_no_whole_number_of_symbols_is_said_to_be_the_default(tmp_path, capsys):
    text = ('[run]\nevaluations = 1\n[space]\ntau_a = { type = "float", low = 5.0, high = 500.0 }\n'
            '[optimizer]\nname = "random"\n[simulator]\nname = "lsnn"\ntraining_steps = 1\nsymbol_ms = 30\n'
            '[backend]\nname = "serial"\n')
    assert _run(tmp_path, text) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["l2l: error: simulator 'lsnn': option 'delay' must be a whole number of symbols (a multiple of "
                   "symbol_ms = 30 ms), got 100 (the default): give 90 or 120"], err
    assert _run(tmp_path, text.replace("symbol_ms = 30", "symbol_ms = 30\ndelay = 90"), "--dry-run") == 0



STORED = {  # a valid run, and the options its file is given as an l2l before session 34's refusals stored them
    "lsm-threads": ('J_EE = { type = "float", low = 0.5, high = 2.0 }', f'name = "lsm"\n{LSM}', {"threads": 4},
                    "option 'threads' = 4 is for engine 'nest'"),
    "lsm-memory": ('J_EE = { type = "float", low = 0.5, high = 2.0 }',
                   f'name = "lsm"\nkinds = ["pattern", "memory"]\n{LSM}\n[[objectives]]\nname = "memory_capacity"',
                   {"kinds": ["pattern"]}, "objective 'memory_capacity' is 0 for every candidate"),
    "lsnn-delay": ('tau_a = { type = "float", low = 5.0, high = 500.0 }',
                   'name = "lsnn"\ndelay = 40\ntraining_steps = 1\nbatch_size = 2\ntest_trials = 4', {"delay": 50},
                   "option 'delay' must be a whole number of symbols"),
    "spore-anneal": ('anneal_time = { type = "float", low = 1.0, high = 20.0 }',
                     'name = "spore"\nschedule = "anneal"\nduration = 1.0\nmin_budget = 1.0', {"schedule": "constant"},
                     "anneal_time (explored) is read by"),
}


def _stored_as_before(path, options: dict) -> None:
    """The run's stored [simulator] table with ``options`` (as an l2l that accepted them wrote it)."""
    import h5py

    with h5py.File(path, "r+") as file:
        attrs = file["run"].attrs
        config = json.loads(attrs["config"])
        config["simulator"].update(options)
        attrs["config"] = json.dumps(config)
        attrs["simulator"] = json.dumps({**json.loads(attrs["simulator"]), **options})


@pytest.mark.parametrize("case", sorted(STORED))
def test_a_run_stored_before_a_refusal_of_an_ignored_option_resumes_and_is_reevaluated_as_it_ran(tmp_path, capsys,
                                                                                                   case):
    space, simulator, stored, words = STORED[case]
    text = (f'[run]\ngenerations = 1\n[space]\n{space}\n[optimizer]\nname = "random"\npopulation_size = 2\n'
            f'[backend]\nname = "serial"\n[simulator]\n{simulator}\n')
    assert _run(tmp_path, text) == 0
    path = tmp_path / "run.h5"
    _stored_as_before(path, stored)
    assert main(["resume", str(path), "--generations", "2", "--no-progress"]) == 0, capsys.readouterr().err
    assert len(l2l.load(path)) == 4
    assert main(["reevaluate", str(path), "--top", "1", "--seeds", "1"]) == 0, capsys.readouterr().err
    # a new run of those options is refused, in one line
    lines = [line for line in simulator.splitlines() if line.split(" = ")[0] not in stored]
    given = lines[:1] + [f"{key} = {json.dumps(value)}" for key, value in stored.items()] + lines[1:]
    (tmp_path / "again").mkdir()
    capsys.readouterr()
    assert _run(tmp_path / "again", text.replace(simulator, "\n".join(given)), "--dry-run") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err

"""Review 35 of session 34's simulator refusals (lsm, lsnn, spore, analog-classifier).

What the review found: an analog-classifier ``gain`` (or ``threshold``) of ``shape = [1]``, which every evaluation
spreads over the classes as it does one value, was refused before the run; a SPORE schedule option that no explored
schedule reads (``anneal_time`` with ``schedule`` explored among 'constant' and 'linear') was accepted and ignored;
and an ``lsnn`` ``delay`` refused for a ``symbol_ms`` it is no multiple of did not say the delay was the default one
the user never wrote.
"""

from __future__ import annotations

import pytest

import l2l
from l2l.cli import main


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

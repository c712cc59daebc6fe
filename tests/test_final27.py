"""Whole-session review (session 27): what a user following l2l's own words would hit."""

from __future__ import annotations

import pytest

import l2l

SERIAL = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
          "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 5, "seed": 1},
          "backend": "serial"}


def _interrupted_at(count: int):
    """A simulator that raises KeyboardInterrupt (Ctrl-C in the training function, serial) at its ``count``th call."""
    calls: list[int] = []

    def simulate(params, seed):
        calls.append(1)
        if len(calls) == count:
            raise KeyboardInterrupt
        return float(params["x"] ** 2)

    return simulate


def _square(params, seed):
    return float(params["x"] ** 2)


def test_the_interrupt_note_of_a_run_of_a_python_function_gives_a_resume_that_runs(tmp_path):
    # the note said 'continue with l2l.resume('run.h5') (or: l2l resume run.h5)': both are refused for a run whose
    # simulator was a function passed to l2l.run (it must be passed again; no command can pass it)
    path = tmp_path / "run.h5"
    with pytest.raises(KeyboardInterrupt) as caught:
        l2l.run(SERIAL, path, simulator=_interrupted_at(4))
    notes = getattr(caught.value, "__notes__", [])
    assert len(notes) == 1, notes
    assert f"continue with l2l.resume({str(path.absolute())!r}, simulator=simulate)" in notes[0], notes
    assert "l2l resume" not in notes[0], notes
    l2l.resume(path, simulator=_square)  # what the note says, with the function
    assert len(l2l.load(path)) == 10


MODULE = """
CALLS = []


def simulate(params, seed):
    CALLS.append(1)
    if len(CALLS) % 4 == 0:  # (the module stays imported: every fourth call of a process)
        raise KeyboardInterrupt
    return float(params["x"] ** 2)
"""


def test_the_interrupt_note_of_a_run_of_a_config_simulator_gives_both_ways_on(tmp_path):
    (tmp_path / "ctrl_c_final27.py").write_text(MODULE)
    config = l2l.from_mapping({**SERIAL, "simulator": {"name": "python", "function": "ctrl_c_final27:simulate"}},
                              base_dir=tmp_path)
    path = tmp_path / "run.h5"
    with pytest.raises(KeyboardInterrupt) as caught:
        l2l.run(config, path)
    notes = getattr(caught.value, "__notes__", [])
    assert len(notes) == 1, notes
    assert f"continue with l2l.resume({str(path.absolute())!r}) (or: l2l resume {path.absolute()})" in notes[0], notes

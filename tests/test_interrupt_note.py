"""Ctrl-C in a script or notebook: the KeyboardInterrupt that l2l.run and l2l.resume raise names the file and the way on.

``l2l run`` prints its own line after Ctrl-C (``interrupted; every committed evaluation is in ...; continue with:
l2l resume ...``); from Python the traceback named neither the file nor ``l2l.resume``. The interrupt is raised
here by the simulator itself on the serial backend, as Ctrl-C lands in the training function there.
"""

from __future__ import annotations

import pytest

import l2l

CONFIG = {
    "run": {"name": "interrupted", "seed": 2, "generations": 1, "policy": "successive-halving"},
    "space": {"x": {"type": "float", "low": -2.0, "high": 2.0}},
    "optimizer": {"name": "random", "population_size": 9},
    "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
    "backend": {"name": "serial"},
}
CALLS: list[int] = []


def train(params, seed, budget, checkpoint=None):
    CALLS.append(budget)
    if len(CALLS) == 12:  # past the first rung's nine segments, as if Ctrl-C were pressed here
        raise KeyboardInterrupt
    done = 0 if checkpoint is None else int(checkpoint["epoch"])
    curve = [[e, float(params["x"] ** 2 + 1 / e)] for e in range(done + 1, budget + 1)]
    return l2l.SimulationResult(objectives={"value": curve[-1][1]}, curve={"value": curve},
                                checkpoint={"epoch": budget})


def test_an_interrupted_run_names_its_file_and_l2l_resume_and_resumes(tmp_path):
    CALLS.clear()
    path = tmp_path / "run.h5"
    with pytest.raises(KeyboardInterrupt) as caught:
        l2l.run(l2l.from_mapping(CONFIG), path, simulator=train)
    notes = getattr(caught.value, "__notes__", [])
    assert len(notes) == 1 and f"every committed evaluation is in {path.absolute()}" in notes[0], notes
    assert f"l2l.resume({str(path.absolute())!r}, simulator=train)" in notes[0], notes  # a function: passed again
    assert len(l2l.load(path, segments=True)) == 11  # every segment that finished before the interrupt
    l2l.resume(path, simulator=train)
    whole = l2l.run(l2l.from_mapping(CONFIG), tmp_path / "whole.h5", simulator=train)  # no interrupt any more
    columns = ["trial", "from_budget", "budget", "seed", "x", "value", "status"]
    resumed, expected = l2l.load(path, segments=True), l2l.load(whole, segments=True)
    assert len(resumed) > 11 and resumed[columns].equals(expected[columns])

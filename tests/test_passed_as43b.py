"""The Python call l2l gives for going on with a run of a function passes nothing that means something else.

Before, the name it pasted in was the last dotted part of what the run stored: a functools.partial, stored as
``functools:partial``, was passed again as ``simulator=partial`` (after ``from functools import partial``: the class
itself), a callable object ``sim`` as ``simulator=Sim`` (its class: refused with a signature error), a bound method
``sim.evaluate`` as ``simulator=evaluate`` (no such name). These now say ``simulator=function``, as a lambda does,
and the partial and the object are stored as what they are.
"""

from __future__ import annotations

import functools

import pytest

import l2l
from l2l.simulators.python import describe_callable
from l2l.words import passed_as


def bowl(params, seed, scale=1.0):
    return float(scale * params["x"] ** 2)


class Sim:
    def evaluate(self, params, seed):
        return bowl(params, seed)

    def __call__(self, params, seed):
        return bowl(params, seed)


def _stored(function):
    return {"name": "python", "function": describe_callable(function), "callable": True}


@pytest.mark.parametrize("function, said", [
    (bowl, "bowl"),
    (lambda p, s: 0.0, "function"),
    (functools.partial(bowl, scale=2.0), "function"),  # was 'partial'
    (Sim().evaluate, "function"),  # was 'evaluate'
    (Sim(), "function"),  # was 'Sim'
])
def test_the_name_passed_again_is_the_function_or_a_placeholder(function, said):
    assert passed_as(_stored(function)) == said


def test_what_is_stored_for_a_partial_and_an_object_says_what_it_is():
    assert describe_callable(functools.partial(bowl, scale=2.0)) == f"functools:partial({__name__}:bowl)"
    assert describe_callable(Sim()) == f"{__name__}:Sim instance"
    assert describe_callable(bowl) == f"{__name__}:bowl"
    # a partial stored by an earlier l2l
    assert passed_as({"name": "python", "function": "functools:partial", "callable": True}) == "function"
    # a function defined inside another keeps the name it has there
    assert passed_as({"name": "python", "function": "m:main.<locals>.bowl", "callable": True}) == "bowl"


def test_an_interrupted_run_of_a_partial_says_a_call_that_does_not_pass_functools_partial(tmp_path):
    seen = []

    def stop_at_three(params, seed, scale=1.0):
        seen.append(1)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return bowl(params, seed, scale)

    config = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
              "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 3, "seed": 1},
              "backend": {"name": "serial"}}
    with pytest.raises(KeyboardInterrupt) as caught:
        l2l.run(config, tmp_path / "run.h5", simulator=functools.partial(stop_at_three, scale=2.0), progress=False)
    note = caught.value.__notes__[-1]
    assert note.endswith("simulator=function)"), note  # was simulator=partial


def broken(params, seed):
    raise ValueError("broken")


def test_the_failures_stop_and_a_cell_run_again_name_the_function(tmp_path, capsys):
    # the two lines a notebook most often shows for a run of a function: a model that fails every evaluation, and
    # the cell run again over the stopped run; both said simulator=function for a function named broken
    config = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
              "optimizer": {"name": "random", "population_size": 2},
              "run": {"generations": 3, "seed": 1, "stop_after_failures": 2}, "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "run.h5", simulator=broken, progress=False)
    stopped = capsys.readouterr().err
    assert "fix the model, then continue with: l2l.resume(" in stopped, stopped
    assert ", simulator=broken)" in stopped and "simulator=function" not in stopped, stopped
    with pytest.raises(l2l.errors.L2LError) as again:  # the cell run again: refused, naming the call that goes on
        l2l.run(config, path, simulator=broken, progress=False)
    assert "simulator=broken)" in str(again.value), str(again.value)

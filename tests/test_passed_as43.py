"""The Python call l2l gives for going on with a run whose simulator was a function names that function.

Before, every such line said ``simulator=function``, a placeholder the notebook that ran ``l2l.run(..., simulator=
bowl)`` could not paste as it was; now it says ``simulator=bowl``, the name the run stored. A function without a
name of its own (a lambda) keeps ``function``.
"""

from __future__ import annotations

import pytest

from l2l.words import call, passed_as


@pytest.mark.parametrize("stored, said", [
    ({"name": "python", "function": "__main__:bowl", "callable": True}, "bowl"),
    ({"name": "python", "function": "test_x:test_y.<locals>.train", "callable": True}, "train"),  # defined in a test
    ({"name": "python", "function": "__main__:<lambda>", "callable": True}, "function"),
    ({"name": "python", "function": "__main__:lambda", "callable": True}, "function"),  # never a keyword
    ({"name": "python", "function": "models:bowl"}, ""),  # a module's function, named in the config: no call needs it
    ({"name": "sphere"}, ""),
    (None, ""),
])
def test_the_name_passed_again(stored, said):
    assert passed_as(stored) == said


def test_a_resume_call_passes_the_function_by_its_name():
    simulator = {"name": "python", "function": "__main__:bowl", "callable": True}
    assert call("resume", "run.h5", function=passed_as(simulator), evaluations=6) == \
        'l2l.resume("run.h5", evaluations=6, simulator=bowl)'
    assert call("resume", "run.h5", function=True) == 'l2l.resume("run.h5", simulator=function)'

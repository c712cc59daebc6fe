"""A run's ``target`` given in the wrong section is refused with where it goes.

``target = 0.05`` in [policy] or [optimizer] was refused as "unknown option 'target'", and in a brian2 [simulator]
(whose ``target`` is its code generation target) as "option 'target' must be a string, got 0.05", neither saying
that a run's target value goes in [run]. Now each refusal, still one line, says so.
"""

from __future__ import annotations

import pytest

from l2l.errors import ConfigError
from l2l.optimizers import OPTIMIZERS
from l2l.policies import POLICIES
from l2l.simulators import SIMULATORS

HINT = "(a run's target value goes in [run]: target = 0.05)"


@pytest.mark.parametrize("registry, name, refusal", [
    (POLICIES, "asha", "policy 'asha': unknown option 'target' " + HINT + "; allowed: "),
    (OPTIMIZERS, "random", "optimizer 'random': unknown option 'target' " + HINT + "; allowed: population_size"),
    (SIMULATORS, "brian2", "simulator 'brian2': option 'target' must be a string, got 0.05 " + HINT),
])
def test_a_misplaced_run_target_says_where_it_goes(registry, name, refusal):
    with pytest.raises(ConfigError) as refused:
        registry.create(name, {"target": 0.05})
    message = str(refused.value)
    assert message.startswith(refusal) and "\n" not in message, message


@pytest.mark.parametrize("registry, name, options", [
    (OPTIMIZERS, "random", {"targett": 0.05}),  # another option: no word of [run]
    (SIMULATORS, "brian2", {"target": ["numpy"]}),  # not a number: not meant as a run's target
])
def test_other_refusals_say_nothing_of_the_run_target(registry, name, options):
    with pytest.raises(ConfigError) as refused:
        registry.create(name, options)
    assert "[run]" not in str(refused.value)

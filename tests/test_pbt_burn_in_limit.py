"""A PBT burn_in above max_budget is refused with the largest burn_in that is accepted.

Before, the line said "set it to at most <max_budget>", and that value was refused in turn: a burn_in past the
last decision (the last interval's start) leaves no member ever exploited.
"""

from __future__ import annotations

import re

import pytest

import l2l
from l2l.errors import ConfigError


def mapping(**policy):
    return {"run": {"name": "pbt", "seed": 1}, "space": {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True}},
            "simulator": {"name": "noisy-sgd", "max_budget": 100},
            "objectives": [{"name": "loss", "direction": "minimize"}],
            "policy": {"name": "pbt", "population": 4, "interval": 20, **policy}, "backend": {"name": "serial"}}


def test_the_burn_in_a_refusal_names_is_accepted():
    with pytest.raises(ConfigError) as error:
        l2l.loop.build(l2l.from_mapping(mapping(burn_in=500)))
    message = str(error.value)
    assert message.startswith("policy 'pbt': burn_in = 500 is above max_budget = 100"), message
    assert message.endswith("set it to at most 80"), message  # decisions at 20, 40, 60, 80
    named = float(re.search(r"at most (\S+)$", message).group(1))
    assert l2l.loop.build(l2l.from_mapping(mapping(burn_in=named))).budgets[-2] == named
    with pytest.raises(ConfigError, match="past the last decision"):  # one unit more is refused
        l2l.loop.build(l2l.from_mapping(mapping(burn_in=named + 1)))

"""A component option's typo is refused with the option it resembles, as an unknown component name is."""

from __future__ import annotations

import pytest

from l2l.errors import ConfigError
from l2l.jobs import BACKENDS
from l2l.optimizers import OPTIMIZERS
from l2l.simulators import SIMULATORS


@pytest.mark.parametrize("registry, name, typo, meant", [
    (OPTIMIZERS, "ga", "populaton_size", "population_size"),
    (OPTIMIZERS, "ga", "population-size", "population_size"),
    (SIMULATORS, "noisy-sgd", "max_budgett", "max_budget"),
    (BACKENDS, "local", "chunksize", "chunk_size"),
])
def test_an_option_typo_names_the_option_it_resembles(registry, name, typo, meant):
    with pytest.raises(ConfigError) as refused:
        registry.create(name, {typo: 1})
    message = str(refused.value)
    assert f"unknown option {typo!r} (did you mean {meant!r}?); allowed: " in message and "\n" not in message


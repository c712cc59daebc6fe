"""A section's key pasted below the [run] header (objectives = [...], docs/multiobjective.md) says where it goes."""
import pytest

import l2l
from l2l.errors import ConfigError


def test_objectives_under_run_says_where_it_goes():
    config = {"run": {"objectives": ["value"]}, "space": {"x": {"low": 0.0, "high": 1.0}},
              "simulator": {"name": "sphere"}}
    with pytest.raises(ConfigError) as error:
        l2l.from_mapping(config)
    assert "unknown key run.'objectives' (a section of its own, not a [run] key: objectives = [...] above the " \
           "first [table] header" in str(error.value)

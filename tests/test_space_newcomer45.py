"""A newcomer's parameter written with a pair of bounds or a numpy type name is refused saying what to write.

``x = { type = "float", bounds = [0, 1] }`` was refused with the allowed keys only, and ``type = "float32"`` (or
``"int64"``) with l2l's three types only, though the fix is one word.
"""

from __future__ import annotations

import pytest

from l2l.errors import ConfigError
from l2l.space import Space


@pytest.mark.parametrize("table, said", [
    ({"type": "float", "bounds": [0, 1]}, "unknown key 'bounds' for type 'float'; allowed: default, high, log, low, "
                                          "scale, shape, type (write low = 0, high = 1)"),
    ({"range": [0.5, 2.0]}, "(write low = 0.5, high = 2.0)"),
    ({"type": "int", "limits": "wide"}, "(the bounds are low and high)"),
    ({"type": "float32", "low": 0.0, "high": 1.0},
     "type must be one of ['categorical', 'float', 'int'], got 'float32'; write type = \"float\" with low and high"),
    ({"type": "int64", "low": 0, "high": 3}, "got 'int64'; write type = \"int\" with low and high"),
])
def test_what_to_write_instead(table, said):
    with pytest.raises(ConfigError) as refused:
        Space.from_json({"x": table})
    message = str(refused.value)
    assert message.startswith("parameter 'x': ") and message.endswith(said) and "\n" not in message, message


def test_another_unknown_key_is_refused_as_before():
    with pytest.raises(ConfigError) as refused:
        Space.from_json({"x": {"low": 0.0, "high": 1.0, "colour": "red"}})
    assert str(refused.value).endswith("allowed: default, high, log, low, scale, shape, type")

"""Decoding a value with no array and no non-finite float skips the walk over its header; the values are the same."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from l2l.errors import TrajectoryError
from l2l.results_schema import codec


@pytest.mark.parametrize("value", [
    {"population": [[0.5, -1.25, 3], [2, 4.0, None]], "names": ["a", "b"], "nested": {"x": [True, False]}},
    [1, 2.5, "__ndarray__ in a string", {"k": []}],
    {"array": np.arange(6, dtype=np.float32).reshape(2, 3), "list": [float("nan"), float("-inf"), 1.0]},
])
def test_every_value_comes_back_as_it_went_in(value):
    decoded = codec.decode(codec.encode(value))
    assert json.dumps(_plain(decoded)) == json.dumps(_plain(value))


def _plain(value):
    if isinstance(value, np.ndarray):
        return {"dtype": str(value.dtype), "values": value.tolist()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:
        return "nan"
    return value


def _encoded(header: str, body: bytes = b"") -> bytes:
    raw = header.encode("utf-8")
    return codec.MAGIC + struct.pack("<Q", len(raw)) + raw + body


def test_a_marker_spelled_with_json_escapes_is_still_decoded_and_checked():
    body = np.array([1.5, 2.5]).tobytes()
    escaped = _encoded('{"a": {"\\u005f_ndarray__": ["<f8", [2], 0, 16]}}', body)
    assert codec.decode(escaped)["a"].tolist() == [1.5, 2.5]
    bad_float = _encoded('[{"\\u005f_float__": "1e308"}]')
    with pytest.raises(TrajectoryError, match="__float__ must be one of"):
        codec.decode(bad_float)

"""Pickle-free encoding of nested values with numpy arrays (optimizer states, traces).

The encoding is UTF-8 JSON. Arrays become ``{"__ndarray__": [dtype, shape,
base64 of the C-ordered bytes]}``; every other leaf must be ``None``, bool,
int, float (NaN and infinities allowed), str, list or dict with string keys.
Tuples come back as lists. Decoding never executes code: only numeric and
boolean dtypes are accepted.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

from l2l.errors import TrajectoryError

_ARRAY = "__ndarray__"
_FLOAT = "__float__"
_ALLOWED_KINDS = frozenset("biuf")


def _pack(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _ALLOWED_KINDS:
            raise TypeError(f"cannot store arrays of dtype {value.dtype}")
        data = np.ascontiguousarray(value)
        return {_ARRAY: [data.dtype.str, list(data.shape), base64.b64encode(data.tobytes()).decode("ascii")]}
    if isinstance(value, np.generic):
        return _pack(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT: repr(value)}
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"dict keys must be strings, got {k!r}")
            out[k] = _pack(v)
        return out
    if isinstance(value, (list, tuple)):
        return [_pack(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store a value of type {type(value).__name__}: {value!r}")


def _unpack(value: Any) -> Any:
    if isinstance(value, dict):
        if _ARRAY in value and len(value) == 1:
            dtype, shape, data = value[_ARRAY]
            dtype = np.dtype(dtype)
            if dtype.kind not in _ALLOWED_KINDS:
                raise TrajectoryError(f"refusing to decode an array of dtype {dtype}")
            return np.frombuffer(base64.b64decode(data), dtype=dtype).reshape(shape).copy()
        if _FLOAT in value and len(value) == 1:
            return float(value[_FLOAT])
        return {k: _unpack(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    return value


def encode(value: Any) -> bytes:
    """Serialize ``value`` to bytes; raises TypeError for unsupported leaves."""
    return json.dumps(_pack(value), separators=(",", ":"), allow_nan=False).encode("utf-8")


def decode(data: bytes | np.ndarray) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(data, np.ndarray):
        data = data.tobytes()
    try:
        return _unpack(json.loads(bytes(data).decode("utf-8")))
    except (ValueError, KeyError) as exc:
        raise TrajectoryError(f"corrupt encoded value: {exc}") from exc

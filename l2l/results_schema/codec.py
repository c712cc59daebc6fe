"""Pickle-free encoding of nested values with numpy arrays (optimizer states, traces).

An encoded value is ``b"L2L1"``, the length of a header as an unsigned
64-bit little-endian integer, the header (UTF-8 JSON), then the raw bytes of
every array. In the header an array is ``{"__ndarray__": [dtype, shape,
offset, nbytes]}`` (offset counted from the end of the header) and a
non-finite float is ``{"__float__": "nan"}``; every other leaf is ``None``,
bool, int, float, str, list or dict with string keys. Tuples come back as
lists. Decoding never executes code: only numeric and boolean dtypes are
accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import math
import threading
import zlib
from typing import Any

import numpy as np

from l2l.errors import TrajectoryError

MAGIC = b"L2L1"
_ARRAY = "__ndarray__"
_FLOAT = "__float__"
_ALLOWED_KINDS = frozenset("biuf")
_NON_FINITE = ("nan", "inf", "-inf")


_PLAIN = frozenset((str, int, bool, type(None)))  # leaves stored as they are (exact types: no subclass)


def _pack(value: Any, arrays: list[bytes], offset: list[int]) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if math.isfinite(value) else {_FLOAT: repr(value)}
    if kind is dict:  # plain leaves are kept inline: most of a state's nodes are leaves (one call each saved)
        out = {}
        for k, v in value.items():
            if type(k) is not str and not isinstance(k, str):
                raise TypeError(f"dict keys must be strings, got {k!r}")
            out[k] = v if type(v) in _PLAIN else _pack(v, arrays, offset)
        return out
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else _pack(v, arrays, offset) for v in value]
    return _pack_other(value, arrays, offset)


def _pack_other(value: Any, arrays: list[bytes], offset: list[int]) -> Any:
    """Arrays, numpy scalars and subclasses of the plain types."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _ALLOWED_KINDS:
            raise TypeError(f"cannot store arrays of dtype {value.dtype}")
        data = np.ascontiguousarray(value)  # its buffer is joined (or written) as it is: no copy made here
        entry = {_ARRAY: [value.dtype.str, list(value.shape), offset[0], data.nbytes]}
        arrays.append(data)
        offset[0] += data.nbytes
        return entry
    if isinstance(value, np.generic):
        return _pack(value.item(), arrays, offset)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {_FLOAT: repr(float(value))}
    if isinstance(value, dict):
        return _pack(dict(value), arrays, offset)
    if isinstance(value, (list, tuple)):
        return _pack(list(value), arrays, offset)
    if isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"cannot store a value of type {type(value).__name__}: {value!r}")


def _array(entry: Any, body: memoryview) -> np.ndarray:
    # (values parsed from JSON: a list, str or int is one exactly, bool is the only subclass of int)
    if type(entry) is not list or len(entry) != 4:
        raise TrajectoryError("corrupt encoded value: an array entry is not [dtype, shape, offset, nbytes]")
    dtype, shape, offset, nbytes = entry
    if type(dtype) is not str or type(shape) is not list or type(offset) is not int or type(nbytes) is not int \
            or offset < 0 or nbytes < 0 or not all(map(_is_count, shape)):
        raise TrajectoryError("corrupt encoded value: an array entry is not [dtype, shape, offset, nbytes]")
    known = _DTYPES.get(dtype)  # (not `or`: a dtype without fields is false)
    dtype = known if known is not None else _dtype(dtype)
    if offset + nbytes > len(body):
        raise TrajectoryError("an encoded array points past the end of its value")
    if nbytes != math.prod(shape) * dtype.itemsize:
        raise TrajectoryError(f"corrupt encoded value: {nbytes} bytes do not hold a {dtype} array of shape "
                              f"{tuple(shape)}")
    if not nbytes:  # (a state holds many empty arrays)
        return np.empty(0, dtype=dtype).reshape(shape).copy()
    return np.frombuffer(body, dtype=dtype, count=nbytes // dtype.itemsize, offset=offset).reshape(shape).copy()


#: The dtypes array entries named, by their text, once accepted: a state holds a dozen arrays of two dtypes.
_DTYPES: dict[str, np.dtype] = {}


def _dtype(text: str) -> np.dtype:
    try:
        dtype = np.dtype(text)
    except (TypeError, ValueError, SyntaxError):
        raise TrajectoryError(f"refusing to decode an array of dtype {text[:40]!r}") from None
    if dtype.kind not in _ALLOWED_KINDS or dtype.hasobject or dtype.fields is not None or dtype.subdtype:
        raise TrajectoryError(f"refusing to decode an array of dtype {dtype}")
    if len(_DTYPES) < 256:  # (a crafted file names any number)
        _DTYPES[text] = dtype
    return dtype


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _unpack(value: Any, body: memoryview) -> Any:
    if isinstance(value, dict):
        if _ARRAY in value and len(value) == 1:
            return _array(value[_ARRAY], body)
        if _FLOAT in value and len(value) == 1:
            if value[_FLOAT] not in _NON_FINITE:
                raise TrajectoryError(f"corrupt encoded value: {_FLOAT} must be one of {', '.join(_NON_FINITE)}")
            return float(value[_FLOAT])
        return {k: _unpack(v, body) for k, v in value.items()}
    if isinstance(value, list):  # leaves kept inline: most of a state's nodes are numbers (one call each saved)
        return [_unpack(v, body) if type(v) is dict or type(v) is list else v for v in value]
    return value


class _Unpacker:
    """The object hook of :func:`decode`: each JSON object, innermost first, as :func:`_unpack` turns it (the
    arrays' bytes in ``body``). The value it gives is :func:`_unpack`'s whenever it gives one (an object inside a
    marker's entry, turned first, still leaves the entry invalid); on damaged data :func:`decode` asks
    :func:`_unpack` for its message."""

    __slots__ = ("body",)

    def __init__(self) -> None:
        self.body = memoryview(b"")

    def __call__(self, value: dict) -> Any:
        if len(value) == 1:
            if _ARRAY in value:
                return _array(value[_ARRAY], self.body)
            if _FLOAT in value:
                text = value[_FLOAT]
                if type(text) is not str or text not in _NON_FINITE:
                    raise TrajectoryError(f"{_FLOAT} must be one of {', '.join(_NON_FINITE)}")
                return float(text)
        return value


_LOCAL = threading.local()  # each thread's JSON decoder with an object hook (making one took a third of a
# small value's decoding)


def _marked(text: str, body: memoryview) -> Any:
    """The value of a header ``text`` with markers, its arrays' bytes in ``body``."""
    decoder = getattr(_LOCAL, "decoder", None)
    if decoder is None:
        decoder = _LOCAL.decoder = json.JSONDecoder(object_hook=_Unpacker())
    decoder.object_hook.body = body
    try:
        return decoder.decode(text)
    finally:
        decoder.object_hook.body = memoryview(b"")  # (the value's bytes are not kept)


def encode(value: Any) -> bytes:
    """Serialize ``value`` to bytes; raises TypeError for unsupported leaves."""
    arrays: list[bytes] = []
    header = json.dumps(_pack(value, arrays, [0]), separators=(",", ":"), allow_nan=False).encode("utf-8")
    return b"".join([MAGIC, struct.pack("<Q", len(header)), header, *arrays])


def encode_parts(value: Any) -> list[memoryview]:
    """The bytes :func:`encode` gives, as the pieces they join (the arrays' own memory, not copied): for
    writing or hashing a large value without building it in memory once more."""
    arrays: list[Any] = []
    header = json.dumps(_pack(value, arrays, [0]), separators=(",", ":"), allow_nan=False).encode("utf-8")
    return [memoryview(MAGIC + struct.pack("<Q", len(header)) + header),
            *(memoryview(a.reshape(-1).view(np.uint8)) for a in arrays)]


def check(value: Any) -> None:
    """Raise TypeError, as :func:`encode` would, if ``value`` cannot be encoded (without encoding it)."""
    _pack(value, [], [0])


def decode(data: bytes | np.ndarray) -> Any:
    """Inverse of :func:`encode`; raises :class:`TrajectoryError` (one line) for anything else.

    Never executes code: a pickle, an array of objects or of any other
    non-numeric dtype, malformed or too deeply nested JSON are refused.
    """
    if isinstance(data, np.ndarray):
        if data.dtype != np.dtype("u1"):
            raise TrajectoryError(f"corrupt encoded value: stored as {data.dtype}, not bytes")
        data = data.tobytes()
    data = bytes(data)
    if data[:1] in _LEGACY_START:  # plain JSON: the first encoding (files written before 29 November 2026, 12:36)
        return _legacy(data)
    if data[:4] != MAGIC or len(data) < 12:
        what = " (a Python pickle)" if data[:1] == b"\x80" else ""
        raise TrajectoryError(f"corrupt encoded value: wrong magic bytes{what}")
    (length,) = struct.unpack("<Q", data[4:12])
    if length > len(data) - 12:
        raise TrajectoryError("corrupt encoded value: its header is longer than the value")
    try:
        text = data[12:12 + length].decode("utf-8")
        if _ARRAY not in text and _FLOAT not in text and "\\u" not in text:
            return json.loads(text)  # no marker (not even an escaped one): JSON gives the value itself
        body = memoryview(data)[12 + length:]
        # Markers become values as JSON builds each object (its C parser calls the hook), where a walk of the
        # tree afterwards visited every number of every list in Python (a GA's state holds 625 of them).
        try:
            return _marked(text, body)
        except (TrajectoryError, ValueError, TypeError):
            pass  # damaged: the walk's own answer and message (the hook sees objects a later duplicate key drops)
        return _unpack(json.loads(text), body)
    except RecursionError:
        raise TrajectoryError("corrupt encoded value: nested too deeply") from None
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise TrajectoryError(f"corrupt encoded value: {exc}") from None


#: First bytes of a value of the first encoding: a JSON object or list (every state, trace and record was one).
_LEGACY_START = (b"{", b"[")


def _legacy(data: bytes) -> Any:
    """A value of the first encoding, which files of schema version 1 written by l2l before the binary codec
    (29 November 2026, 12:36) hold: UTF-8 JSON whose arrays are ``{"__ndarray__": [dtype, shape, base64 of
    the C-ordered bytes]}``; read with the same refusals (numeric and boolean dtypes only, no code run)."""
    try:
        return _unpack_legacy(json.loads(data.decode("utf-8")))
    except RecursionError:
        raise TrajectoryError("corrupt encoded value: nested too deeply") from None
    except (ValueError, TypeError, binascii.Error) as exc:  # UnicodeDecodeError, JSONDecodeError: ValueErrors
        raise TrajectoryError(f"corrupt encoded value: {exc}") from None


def _unpack_legacy(value: Any) -> Any:
    if isinstance(value, dict):
        if _ARRAY in value and len(value) == 1:
            entry = value[_ARRAY]
            if not isinstance(entry, list) or len(entry) != 3 or not isinstance(entry[0], str) \
                    or not isinstance(entry[1], list) or not all(_is_count(n) for n in entry[1]) \
                    or not isinstance(entry[2], str):
                raise TrajectoryError("corrupt encoded value: an array entry is not [dtype, shape, base64]")
            raw = base64.b64decode(entry[2], validate=True)
            header = {_ARRAY: [entry[0], entry[1], 0, len(raw)]}
            return _unpack(header, memoryview(raw))  # the checks of the binary encoding's arrays
        if _FLOAT in value and len(value) == 1:
            return _unpack(value, memoryview(b""))
        return {k: _unpack_legacy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpack_legacy(v) for v in value]
    return value


def checksum(data: bytes | np.ndarray) -> int:
    """The CRC-32 of encoded bytes (``zlib.crc32``), stored beside each checkpoint to find damage: 1 to 3 GB/s
    on one core, a small part of what encoding and writing the bytes costs."""
    if isinstance(data, np.ndarray):
        data = np.ascontiguousarray(data)
    return zlib.crc32(data)


#: Why a checkpoint whose bytes fail their checksum is not used.
DAMAGED = ("its bytes do not match the checksum stored with it: the file was changed or damaged after it was "
           "written")


def padded_checksums(stored: Any, n: int) -> np.ndarray:
    """The first ``n`` stored CRC-32s of a checksum column (``stored``: its dataset, None where the file has none),
    -1 (``NO_CHECKSUM``: none stored) past its end: rows a version of l2l without the column wrote."""
    out = np.full(n, -1, dtype="<i8")
    if stored is not None:
        values = stored[:min(n, stored.shape[0])]
        out[:len(values)] = values
    return out


def verify(data: bytes | np.ndarray, expected: int) -> None:
    """Raise :class:`TrajectoryError` if ``data`` does not have the checksum ``expected`` (negative: none
    was stored, nothing to check)."""
    if expected >= 0 and checksum(data) != expected:
        raise TrajectoryError(DAMAGED)

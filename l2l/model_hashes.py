"""How a model's recorded file hashes are compared across sessions: a hash cut to :data:`SHORT_HASH` digits (an
event too small for the whole one) still matches the whole one it was cut from.

:mod:`l2l.provenance` records the hashes, :mod:`l2l.sessions` reads them back for ``l2l show``'s model line, and
:func:`l2l.stored_config.relocated_model` checks a ``--model-dir`` against them: all three compare by these rules."""

from __future__ import annotations

from typing import Any

#: How many hex digits of a sha256 an event keeps where the whole one does not fit (64 bits still tell two apart).
SHORT_HASH = 16


def whole_digest(text: str) -> bool:
    """True where ``text`` is a whole sha256 digest in hex (a recorded entry may hold a reason instead)."""
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def same_model(before: list[Any], now: list[list[str]]) -> bool:
    """True where ``now`` hashes what ``before`` (a recorded entry, its hashes maybe cut short) hashed."""
    if len(before) != len(now):
        return False
    for old, new in zip(before, now):
        old_hash = str(old[1]) if isinstance(old, (list, tuple)) and len(old) == 2 else ""
        if not (new[1] == old_hash
                or (whole_digest(new[1]) and len(old_hash) >= SHORT_HASH and new[1].startswith(old_hash))):
            return False
    return True


def same_imports(before: Any, now: Any) -> bool:
    """True where the ``imports`` entries ``before`` and ``now`` (:func:`l2l.model_code.model_imports`; a hash maybe
    cut short) hash the same files, and wherever one of the two sessions recorded none (an older l2l's, or nothing
    imported)."""
    if not isinstance(before, dict) or not isinstance(now, dict):
        return True
    short, long = sorted((str(before.get("sha256", "")), str(now.get("sha256", ""))), key=len)
    return before.get("files") == now.get("files") and (short == long or (
        len(short) >= SHORT_HASH and long.startswith(short)))

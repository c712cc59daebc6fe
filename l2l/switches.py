"""A switch argument given from Python (``force=``, ``overwrite=``, ``segments=``, ``curves=``): a bool, or one line.

The readers of :mod:`l2l.results_schema` (``l2l.load``, ``l2l.lineage``) and the writers of :mod:`l2l.analysis`
and :mod:`l2l.plot` take their switches through :func:`check_switch`; a message names the switch as the user gave
it (:func:`l2l.words.option`).
"""

from __future__ import annotations

from l2l.errors import ArgumentError
from l2l.words import option


def check_switch(value: object, name: str) -> bool:
    """The switch ``name`` (``force=``, ``overwrite=``) as a bool, numpy's too; anything else, one
    :class:`ArgumentError` line before any work (``force="3"`` rendered a report for a minute, as if True)."""
    from l2l.parameters import plain  # numpy: loaded only when a switch is checked

    value = plain(value)
    if not isinstance(value, bool):
        raise ArgumentError(f"{option(name).split('=')[0]} must be True or False, got {type(value).__name__} "
                            f"{value!r:.60}")
    return value

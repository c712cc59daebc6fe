"""The time a run ran: from its start, leaving out the pauses between its sessions.

A run stopped in the evening and resumed the next morning was not running overnight. A pause starts at the
run's last sign of life before a ``resumed`` event (an evaluation that finished, or an event) and ends at that
event; the figures that measure a run's speed (``l2l compare``'s wall time and its best-so-far against time,
the report's wall time and rate, ``l2l watch``'s rate) count only the time outside the pauses, as
``run.max_time`` does.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def active_seconds(times: np.ndarray, start: float, event_times: Sequence[float], event_kinds: Sequence[str],
                   completions: np.ndarray) -> np.ndarray:
    """Seconds from ``start`` to each of ``times`` (all in seconds since the epoch) outside the pauses between
    sessions (see the module)."""
    times = np.asarray(times, dtype=float)
    moments = np.asarray(event_times, dtype=float)
    kinds = np.asarray(event_kinds, dtype=object)
    resumed = moments[kinds == "resumed"]
    if not len(resumed):
        return times - start
    signs = np.sort(np.concatenate([np.asarray(completions, dtype=float), moments[kinds != "resumed"]]))
    paused = np.zeros_like(times)
    for moment in resumed:
        before = signs[signs < moment]
        if len(before):
            paused += np.where(times >= moment, moment - before[-1], 0.0)
    return times - start - paused


__all__ = ["active_seconds"]

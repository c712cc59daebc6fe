"""The driver's side of :func:`l2l.simulators.said_once.report`: the warnings a ``slurm-array`` task's evaluation saw,
written with its result, said in the run's driver once for the run (a task's own stderr goes to a job log)."""

from __future__ import annotations

from typing import Any

from l2l.simulators import brian2_seeds, nest_seeds, nest_threads


def replay(reports: Any, owner: Any) -> None:
    """Feed the reports a task wrote with its result to the warnings, as seen by ``owner`` (the run's executor in the
    driver): each says its line once for the run. Anything unknown or malformed is passed over."""
    if not isinstance(reports, list):
        return
    for entry in reports[:100]:
        try:
            kind = entry["kind"]
            if kind == "nest_seeds":
                nest_seeds.seen(int(entry["used"]), int(entry["seed"]), owner)
            elif kind == "brian2_seeds":
                brian2_seeds.seen(int(entry["used"]), int(entry["seed"]), owner)
            elif kind == "nest_threads":
                nest_threads.seen(int(entry["given"]), int(entry["used"]), owner)
        except (KeyError, TypeError, ValueError):
            continue


__all__ = ["replay"]

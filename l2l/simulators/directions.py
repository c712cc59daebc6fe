"""The objectives of a run with the directions its simulator fixes: a name alone takes the simulator's own
direction (lsm's ``memory_capacity`` and egru's ``accuracy`` are maximized), and a direction that contradicts it
is refused. Above :mod:`l2l.objectives` and the simulators' registry, which it reads."""

from __future__ import annotations

from typing import Any, Mapping

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.simulators import SIMULATORS


def natural_directions(objectives: tuple[Objective, ...], raw: Any, simulator: str,
                       refuse: bool = True, options: Mapping[str, Any] | None = None) -> tuple[Objective, ...]:
    """``objectives`` (parsed from the config value ``raw``) with the simulator's own direction where ``raw``
    gives none.

    A simulator declares in ``directions`` the names whose better side is fixed (lsm's ``memory_capacity`` and
    egru's ``accuracy``: ``"maximize"``; errors: ``"minimize"``); a name alone, or a table without a direction,
    takes it (a name the simulator leaves out, such as a firing rate, is minimized, in either direction a table
    gives). With ``refuse``, a direction that contradicts the simulator's is refused in one line (it would
    search for the worst); a config an earlier l2l stored resumes as it ran (``refuse=False``). ``options``: the
    simulator's (a wrapper such as ``emulated-hardware`` takes the sides of the simulator it wraps).
    """
    try:
        natural = dict(SIMULATORS.get(simulator).directions_for(options or {}) or {})
    except ConfigError:  # an unknown simulator: said where the components are built
        return objectives
    if not natural:
        return objectives
    entries = [raw] if isinstance(raw, (str, dict)) else list(raw)
    out = []
    for objective, entry in zip(objectives, entries):
        given = isinstance(entry, Objective) or (isinstance(entry, dict) and "direction" in entry)
        own = natural.get(objective.name)
        if own is None:
            out.append(objective)
        elif not given:
            out.append(Objective(objective.name, own))
        elif objective.direction != own and refuse:
            better = "larger" if own == "maximize" else "smaller"
            raise ConfigError(f"objective {objective.name!r}: simulator {simulator!r} says {better} is better, so "
                              f"direction {objective.direction!r} would search for the worst; give "
                              f"direction = {own!r} or the name alone")
        else:
            out.append(objective)
    return tuple(out)


# -- Pareto fronts of scores (larger is better in every column) -------------------------

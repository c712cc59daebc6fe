"""Named objectives, each minimized or maximized, and Pareto fronts over them.

Scores are objective values turned so that larger is better
(:func:`scores_from_values`); :func:`pareto_front_mask`, :func:`pareto_front` and
:func:`hypervolume_2d` work on scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from l2l import foreign
from l2l.errors import ConfigError

DIRECTIONS = ("minimize", "maximize")
#: Column names of the analysis table that parameters and objectives may not take.
from l2l.results_schema.layout import RESERVED_NAMES  # noqa: E402 - the layout owns the column names


@dataclass(frozen=True)
class Objective:
    """One objective of a run: its name and whether smaller or larger is better."""

    name: str
    direction: str = "minimize"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ConfigError(
                f"objective name must be a Python identifier, got {self.name!r}")
        if self.name in RESERVED_NAMES:
            raise ConfigError(f"objective name {self.name!r} is reserved for a column of the results; "
                              f"reserved names: {', '.join(sorted(RESERVED_NAMES))}")
        if not isinstance(self.direction, str) or self.direction not in DIRECTIONS:  # an array: no "ambiguous"
            raise ConfigError(
                f"objective {self.name!r}: direction must be one of {DIRECTIONS}, "
                f"got {self.direction!r:.60}{_meant_direction(self.direction)}")

    @property
    def sign(self) -> float:
        """+1 for maximize, -1 for minimize: ``sign * value`` is larger-is-better."""
        return 1.0 if self.direction == "maximize" else -1.0

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "direction": self.direction}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Objective":
        return cls(name=data["name"], direction=data.get("direction", "minimize"))


def _meant_direction(direction: Any) -> str:
    """`` (did you mean 'minimize'?)`` for another spelling of a direction: 'min', 'minimise', 'MINIMIZE', Optuna's
    'StudyDirection.MINIMIZE' (refused with the two words alone before)."""
    word = direction.strip().lower().rpartition(".")[2] if isinstance(direction, str) else ""
    meant = [d for d in DIRECTIONS if len(word) >= 3 and word[:3] == d[:3]]
    return f" (did you mean {meant[0]!r}?)" if meant else ""


def scores_from_values(values: np.ndarray, objectives: Sequence[Objective]) -> np.ndarray:
    """Turn raw objective values (n, k) into scores where larger is better."""
    signs = np.array([o.sign for o in objectives], dtype=float)
    return np.asarray(values, dtype=float) * signs


def values_from_scores(scores: np.ndarray, objectives: Sequence[Objective]) -> np.ndarray:
    """Inverse of :func:`scores_from_values`."""
    return scores_from_values(scores, objectives)


def parse_objectives(raw: Any) -> tuple[Objective, ...]:
    """Objectives from a config value: a list of tables or of names."""
    if isinstance(raw, (str, dict)):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ConfigError(f"objectives must be a non-empty list, got {raw!r}")
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(Objective(item))
        elif isinstance(item, dict):
            unknown = set(item) - {"name", "direction"}
            if unknown:
                raise ConfigError(
                    f"objectives: unknown key {sorted(unknown)[0]!r}; allowed: 'name', 'direction'"
                    f"{foreign.objective_key_hint(str(sorted(unknown)[0]))}")  # Ray Tune's metric, mode
            if "name" not in item:
                raise ConfigError(f"objectives: every entry needs a 'name', got {item!r}")
            out.append(Objective(item["name"], item.get("direction", "minimize")))
        elif isinstance(item, Objective):
            out.append(item)
        else:
            raise ConfigError(f"objectives: entry must be a name or a table, got {item!r}")
    names = [o.name for o in out]
    if len(set(names)) != len(names):
        raise ConfigError(f"objectives: names must be unique, got {names}")
    return tuple(out)


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """True if ``a`` is at least as good as ``b`` everywhere and better somewhere."""
    return bool(np.all(a >= b) and np.any(a > b))


def pareto_front_mask(scores: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``scores`` (n, k), larger is better.

    Rows with a non-finite entry are never on the front. Duplicated rows that
    are non-dominated are all kept.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    n = len(scores)
    finite = np.all(np.isfinite(scores), axis=1)
    mask = finite.copy()
    # Lexicographic order (best first) lets a point be dominated only by earlier points.
    order = np.lexsort(tuple(-scores[:, j] for j in reversed(range(scores.shape[1]))))
    kept: list[int] = []
    for i in order:
        if not finite[i]:
            continue
        row = scores[i]
        if kept:
            front = scores[kept]
            if np.any(np.all(front >= row, axis=1) & np.any(front > row, axis=1)):
                mask[i] = False
                continue
        kept.append(i)
    return mask if n else np.zeros(0, dtype=bool)


def pareto_front(scores: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated rows, in the order of the input."""
    return np.flatnonzero(pareto_front_mask(scores))


def hypervolume_2d(scores: np.ndarray, reference: tuple[float, float] | np.ndarray) -> float:
    """Area dominated by the rows of ``scores`` (n, 2) and bounded below by ``reference``.

    Larger is better in both columns; ``reference`` is a point worse than the
    region of interest. Points that do not strictly dominate the reference in
    both coordinates add nothing.
    """
    scores = np.asarray(scores, dtype=float).reshape(-1, 2)
    reference = np.asarray(reference, dtype=float).reshape(2)
    keep = np.all(np.isfinite(scores), axis=1) & np.all(scores > reference, axis=1)
    points = scores[keep]
    if len(points) == 0:
        return 0.0
    points = points[pareto_front_mask(points)]
    points = points[np.argsort(-points[:, 0], kind="stable")]
    area = 0.0
    height = reference[1]
    for x, y in points:
        if y > height:
            area += (x - reference[0]) * (y - height)
            height = y
    return float(area)

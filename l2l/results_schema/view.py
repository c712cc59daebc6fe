"""What the evaluations tables (:mod:`l2l.results_schema.frames`) and the in-flight counts
(:mod:`l2l.results_schema.in_flight`) read of an open trajectory: :class:`TrajectoryView`, the members of
:class:`l2l.results_schema.reader.Trajectory` that they are handed it for.

Both are parts of the reader kept in files of their own: ``Trajectory.evaluations`` calls them with itself.
They name this protocol, not the class, so that neither imports the reader that imports them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from l2l.objectives import Objective
from l2l.results_schema.inspected import Layout
from l2l.space import Space

if TYPE_CHECKING:
    import pandas as pd


class TrajectoryView(Protocol):
    """The members of an open :class:`~l2l.results_schema.reader.Trajectory` that the tables and the in-flight
    counts use (the private ones read rows and check their values as the reader does)."""

    path: Path
    run: dict[str, Any]
    space: Space
    objectives: tuple[Objective, ...]
    n_evaluations: int
    n_generations: int
    _layout: Layout

    @property
    def metric_columns(self) -> dict[str, str]: ...

    @property
    def multi_fidelity(self) -> bool: ...

    @property
    def top_budget(self) -> float | None: ...

    def _check(self, problems: list[str]) -> None: ...

    def _read(self, name: str, stop: int, start: int = 0) -> np.ndarray: ...

    def _take(self, name: str, rows: np.ndarray) -> np.ndarray: ...

    def _column(self, name: str, n: int, rows: np.ndarray | None = None) -> np.ndarray: ...

    def _columns(self, names: tuple[str, ...], n: int, rows: np.ndarray | None = None) -> dict[str, np.ndarray]: ...

    def rows(self, names: tuple[str, ...], start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]: ...

    def state(self, generation: int | None = None) -> Any: ...

    def events(self) -> pd.DataFrame: ...

    def finished(self) -> bool: ...

    def finished_detail(self) -> dict[str, Any] | None: ...

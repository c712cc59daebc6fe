"""What :func:`l2l.results_schema.structure.inspect` found in a trajectory (:class:`Layout`): the datasets by path,
the run, the space and objectives, the committed rows. The value checks (:mod:`l2l.results_schema.values`), the
re-evaluations' reader and ``l2l validate`` take it; :mod:`~l2l.results_schema.structure` hands it on too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from l2l.objectives import Objective
from l2l.space import Space

if TYPE_CHECKING:
    import h5py


@dataclass
class Layout:
    """What :func:`~l2l.results_schema.structure.inspect` found: every dataset by path (no leading slash), the run,
    the commit marks."""

    datasets: dict[str, h5py.Dataset]
    run: dict[str, Any]
    space: Space
    objectives: tuple[Objective, ...]
    schema_version: int
    rows: int
    generations: int
    metrics: list[str] = field(default_factory=list)

    def blob_size(self, name: str) -> int:
        return int(self.datasets[f"blobs/{name}"].shape[0])

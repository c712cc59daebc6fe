"""The writer's speed path: what it stores, and memory that stays flat while a run writes."""

from __future__ import annotations

import numpy as np

from l2l.jobs.base import Outcome
from l2l.objectives import Objective
from l2l.results_schema import writer as trajectory_writer
from l2l.space import Space


def _resident_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 1e6


def test_an_open_writer_does_not_grow_with_the_rows_it_writes(tmp_path):
    """Before, each column's chunk cache kept 8 MB of chunks written long ago: about 160 bytes per row."""
    space = Space.from_json({f"p{i}": {"type": "float", "low": -1.0, "high": 1.0} for i in range(10)})
    path = tmp_path / "run.h5"
    trajectory_writer.create(path, run={"name": "memory", "seed": 0, "config": {}}, space=space,
                             objectives=(Objective("loss"),), metrics=("rate",))
    rng = np.random.default_rng(0)
    rows = 5_000
    params = [dict(zip([f"p{i}" for i in range(10)], row)) for row in rng.uniform(-1, 1, (rows, 10)).tolist()]
    outcomes = [Outcome(0, i, i, "ok", objectives={"loss": float(v)}, metrics={"rate": 1.0}, started=1e9,
                        duration=0.1) for i, v in enumerate(rng.random(rows))]
    sizes = []
    with trajectory_writer.TrajectoryWriter(path) as writer:
        for generation in range(90):
            writer.append(outcomes, params)
            writer.commit_generation(generation, evaluations=writer.rows, failed=0, started=0.0, finished=1.0,
                                     summary={s: {"loss": 0.0} for s in ("best", "median", "worst")},
                                     state={"optimizer": {}, "loop": {"generation": generation}})
            if generation in (30, 89):
                sizes.append(_resident_mb())
        assert writer._file.id.get_access_plist().get_cache()[2] == trajectory_writer.WRITER_CHUNK_CACHE_BYTES
    # 295,000 rows after generation 30 (when each 1 MB cache is full): the chunk caches held about 47 MB more
    # before; now nothing but noise.
    assert sizes[1] - sizes[0] < 12, sizes

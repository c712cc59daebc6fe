"""How many Dask tasks (chunks) a batch of evaluations goes in.

A chunk is one Dask task evaluating several tasks in a row on one worker:
few enough chunks that the per-task costs (the scheduler's, the client's, a
worker's round trip for its next chunk) stay small, enough that the workers
finish a generation together. What each chunk evaluates, and with what seed,
never depends on the chunking.
"""

from __future__ import annotations

import math
from typing import Iterable

#: A worker waits a round trip through the scheduler for its next chunk (a few ms, tens under load): chunks
#: of 0.5 s rather than 0.2 s halved that idle time in a GA of 4 x 100 evaluations of 20 ms (docs/scaling.md).
TARGET_CHUNK_SECONDS = 0.5
#: Dask tasks per second a run stays under, whatever the worker count: each task costs the client, the
#: scheduler (in the caller's process for the local backend) and a worker CPU (2.4 ms per evaluation over
#: all three at 256 workers, docs/scaling.md), and its worker a round trip for the next one. Past TASK_RATE x
#: TARGET_CHUNK_SECONDS = 25 workers, chunks last up to workers / TASK_RATE seconds (5.1 s at 256 workers, which
#: ran 1,024 one-second evaluations as 256 chunks of 4 instead of 1,024 of 1). What each chunk evaluates, and
#: with what seed, is unchanged.
TASK_RATE = 50
#: Once the evaluations are known to take the same time (the spread of the last ones under UNIFORM_SPREAD of
#: their mean), chunks last up to UNIFORM_CHUNK_SECONDS: a worker then waits for its next chunk less often (a
#: GA generation of 100 x 20 ms on 2 workers goes as one chunk per worker, not two), and no tail forms, since
#: the workers' chunks end together. Evaluations of varied length keep TARGET_CHUNK_SECONDS.
UNIFORM_CHUNK_SECONDS = 2.0
UNIFORM_SPREAD = 0.1
UNIFORM_SAMPLES = 16


def slots(workers: dict) -> int:
    """Evaluations the workers run at once: their threads (a Dask worker of 64 threads runs 64 tasks)."""
    return max(1, sum(int(info.get("nthreads", 1) or 1) for info in workers.values()))


def chunk_seconds(durations: Iterable[float]) -> float:
    """How long a chunk may last: UNIFORM_CHUNK_SECONDS if the last evaluations (``durations``, seconds) took
    the same time, else TARGET_CHUNK_SECONDS."""
    durations = list(durations)
    if len(durations) >= UNIFORM_SAMPLES:
        mean = sum(durations) / len(durations)
        spread = math.sqrt(sum((d - mean) ** 2 for d in durations) / len(durations))
        if mean > 0 and spread <= UNIFORM_SPREAD * mean:
            return UNIFORM_CHUNK_SECONDS
    return TARGET_CHUNK_SECONDS


def chunk_count(n: int, workers: int, mean_duration: float | None, durations: Iterable[float] = ()) -> int:
    """Chunks for ``n`` tasks on ``workers`` slots: a multiple of the slots, each chunk lasting about
    :func:`chunk_seconds` (at least workers / TASK_RATE) at ``mean_duration``; four rounds while the duration
    is unknown (None)."""
    if mean_duration is None:  # four chunks per worker, as many as the task rate allows for 2 s ones
        rounds = max(1, min(4, round(4 * TARGET_CHUNK_SECONDS * TASK_RATE / workers)))
    else:
        seconds = max(chunk_seconds(durations), workers / TASK_RATE)
        rounds = max(1, round(n * mean_duration / (workers * seconds)))
    return max(1, min(n, rounds * workers))

"""When the loop appends finished rows between commits (l2l.driver_files.Commits.flush_due).

Every second, so that a crash loses at most that much work; not when the generation in flight will be
committed within that second anyway (its commit appends the rows right after the next generation is
submitted; an append just before, tens of milliseconds holding the interpreter lock, made the first pause
between generations of the overhead benchmark's GA 25-50 ms instead of 10-18); and after two seconds
whatever the estimate says (a generation's last evaluation may take longer than the others).
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from l2l.driver_files import Commits


def loop(waited: float, running: int, mean: float | None, commit: str = "cohort", workers: int = 2) -> Commits:
    state = Commits()
    state.buffer = [object()]
    state.pending = None
    state.last_flush = time.monotonic() - waited
    state.running = {i: None for i in range(running)}
    state.mean_duration = mean
    state.policy = SimpleNamespace(commit=commit)
    state.executor = SimpleNamespace(worker_count=workers)
    return state


@pytest.mark.parametrize("waited, running, mean, commit, due", [
    (0.5, 100, 0.02, "cohort", False),   # appended less than a second ago
    (1.2, 100, 0.02, "cohort", True),    # 50 rounds of 20 ms left: more than a second
    (1.2, 2, 0.02, "cohort", False),     # the generation ends in 20 ms: its commit appends the rows
    (2.5, 2, 0.02, "cohort", True),      # but never more than two seconds after the last append
    (1.2, 2, None, "cohort", True),      # no duration known yet
    (1.2, 2, 0.02, "count", True),       # asynchronous runs: no generation to wait for
    (1.2, 0, 0.02, "cohort", True),      # nothing in flight
])
def test_rows_are_appended_every_second_unless_the_generation_s_commit_is_about_to(waited, running, mean, commit,
                                                                                  due):
    assert loop(waited, running, mean, commit).flush_due(1.0) is due


def test_nothing_is_appended_while_a_commit_waits_or_the_buffer_is_empty():
    state = loop(5.0, 100, 0.02)
    state.pending = ("a commit taken",)
    assert not state.flush_due(1.0)
    state = loop(5.0, 100, 0.02)
    state.buffer = []
    assert not state.flush_due(1.0)


def test_rows_whose_checkpoints_fill_the_buffer_are_appended_at_once():
    from l2l.driver_files import BUFFERED_CHECKPOINT_BYTES

    state = loop(0.1, 100, 0.02)
    assert state.flush_due(1.0) is False
    state.buffered_bytes = BUFFERED_CHECKPOINT_BYTES  # large checkpoints leave memory once written
    assert state.flush_due(1.0) is True
    state.pending = object()
    assert state.flush_due(1.0) is True

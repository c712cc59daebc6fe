"""The progress bar's line comes every interval in a log while no result comes back (session 45).

README and docs/slurm.md promise a line every minute in a log that is no terminal (``tail -f
NAME.h5.slurm-JOBID.log``, ``l2l run ... > log``); tqdm writes one only when the bar moves, so a run whose
evaluations took 70 s each wrote its 0 % line and then nothing until the first result: a 77 s SLURM run's log had
no line at 60 s. The interval is shortened here (``LOG_INTERVAL``) so that the test takes a second."""

from __future__ import annotations

import io
import re
import sys
import time

import pytest

from l2l import progress


def _lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def test_a_line_every_interval_while_no_result_comes(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.25)
    bar = progress.Progress(True, 4, 0)
    try:
        deadline = time.monotonic() + 10
        while len(_lines(stream)) < 3 and time.monotonic() < deadline:  # the 0 % line and two more, no result
            time.sleep(0.05)
        waiting = _lines(stream)
        assert len(waiting) >= 3, waiting  # before: only the 0 % line
        assert all(re.search(r" 0/4 \[", line) for line in waiting), waiting
        assert re.search(r"\[00:0[0-9]<\?", waiting[-1]), waiting  # elapsed moves on; the time left unknown
        bar.update(1, 0, {"err": 0.5}, 0)
        deadline = time.monotonic() + 10
        count = len(_lines(stream))
        while len(_lines(stream)) < count + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        after = _lines(stream)[count:]
        assert len(after) >= 2 and all(" 1/4 [" in line and "best err=0.5" in line for line in after), after
    finally:
        bar.close()
    closed = len(_lines(stream))
    time.sleep(0.6)  # no line once the bar is closed
    assert len(_lines(stream)) == closed, _lines(stream)


def test_lines_come_every_minute_from_the_start_and_the_rate_from_the_results(monkeypatch):
    """Lines at 60 s and 120 s of a run whose evaluations take 70 s (a result at 70 s writes none of its own: the
    line of a 77 s run comes at 60 s whenever its first result came), and the rate is the results' (70 s each),
    not counted to the time the line was written. The clock is the bar's, moved by hand."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(progress, "LOG_INTERVAL", 60.0)
    bar = progress.Progress(True, 4, 0)
    try:
        minutes = bar._minutes
        assert minutes is not None
        start_at = bar.bar.start_t = minutes.last_line
        now = [start_at]
        bar.bar._time = lambda: now[0]
        start = len(_lines(stream))
        now[0] = start_at + 30
        assert minutes.tick() == pytest.approx(30) and len(_lines(stream)) == start  # half a minute: no line yet
        now[0] = start_at + 20
        bar.update(1, 0, {"err": 0.5}, 0)  # the first result at 20 s: no line of its own
        assert len(_lines(stream)) == start, _lines(stream)
        now[0] = start_at + 60
        assert minutes.tick() == 60 and len(_lines(stream)) == start + 1  # a minute: the line, 1/4
        assert " 1/4 [01:00<?" in _lines(stream)[-1] and "best err=0.5" in _lines(stream)[-1], _lines(stream)
        now[0] = start_at + 90
        bar.update(1, 0, {"err": 0.4}, 0)  # the second result, 70 s after the first: no line of its own
        assert len(_lines(stream)) == start + 1, _lines(stream)
        now[0] = start_at + 120
        assert minutes.tick() == 60 and len(_lines(stream)) == start + 2
        line = _lines(stream)[-1]  # the rate of the results: 70 s an evaluation (2 left: 02:20), not 100 s
        assert " 2/4 [02:00<02:20, 70.00s/eval" in line, line
    finally:
        bar.close()

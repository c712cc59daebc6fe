"""Why evaluations failed, in a line: the line of an error text that says what went wrong
(:func:`error_message`) and the most frequent reasons of a run's failures (:func:`failure_line`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from l2l.summary.record import status_codes

if TYPE_CHECKING:
    from l2l.results_schema.reader import Trajectory
    from l2l.summary.record import RunSummary


def error_message(text: str) -> str:
    """The line of an error text that says what went wrong: the last one, before the output tails and the
    working directory that the ``command`` simulator appends after its message (lines from ``--- ``)."""
    lines = text.splitlines()
    tails = next((i for i, line in enumerate(lines) if line.startswith("--- ")), len(lines))
    line = next((line.strip() for line in reversed(lines[:tails]) if line.strip()), "(no error text)")
    # a traceback names an exception by its module unless it is a builtin: l2l's own (a ConfigError raised in
    # a simulator's setup on a worker) is shown by its class name, as ValueError is; a user's keeps its module
    return _L2L_EXCEPTION.sub(r"\1", line, count=1)


#: ``l2l.errors.ConfigError`` at the start of a traceback's last line: the class name is kept.
_L2L_EXCEPTION = re.compile(r"^l2l(?:\.\w+)+\.([A-Za-z_]\w*)(?=:|$)")


#: The failure line reads this many rows at most, up to the last unsuccessful one (``l2l show`` of a very
#: large run reads a bounded number of rows); the failures before them are counted, not described.
FAILURE_ROWS = 128
#: How wide the failure line gets, and one reason in it.
FAILURE_WIDTH = 150
REASON_WIDTH = 70


def failure_line(trajectory: Trajectory, summary: RunSummary) -> str:
    """Why evaluations failed, in one line, most frequent reason first: ``9 failed: 7 × "ValueError: x must be
    positive", 2 × timeout`` ("" if none failed); the reasons that do not fit are counted as the others are, in
    evaluations (``..., 5 with 3 other reasons``). A reason is the line of the error text that says what went
    wrong (:func:`error_message`), a timeout says ``timeout``. Only the :data:`FAILURE_ROWS` rows up to the last
    unsuccessful one are read: a run with failures before them says how many of the last it describes."""
    from collections import Counter

    from l2l.results_schema import frames

    total = summary.unsuccessful
    n = trajectory.n_evaluations
    if not total or not n:
        return ""
    codes = status_codes()
    end = n if summary.last_unsuccessful is None else min(n, summary.last_unsuccessful + 1)
    start = max(0, end - FAILURE_ROWS)
    status = trajectory.rows(("status",), start, end)["status"]
    bad = np.flatnonzero(status != codes["ok"]) + start
    if not len(bad):  # (the summary's count alone: the progress line has it)
        return ""
    columns = trajectory._columns(("error_start", "error_length"), n, bad)
    texts = frames.error_texts(trajectory, columns["error_start"], columns["error_length"])
    messages = ["timeout" if code == codes["timeout"] else error_message(text or "")
                for code, text in zip(status[bad - start], texts)]
    reasons = Counter(message if message == "timeout" else _quoted(message) for message in messages)
    some = len(bad) < total
    head = f"{total} failed" + (f" (the last {len(bad)}: " if some else ": ")
    if len(set(messages)) == 1 and messages[0] != "timeout":  # one reason: the line has room for all of it
        width = FAILURE_WIDTH - len(head) - len(f"{len(messages)} × ") - 1
        return head + f"{len(messages)} × {_quoted(messages[0], max(width, REASON_WIDTH))}" + (")" if some else "")
    parts: list[str] = []
    common = reasons.most_common()
    for i, (reason, count) in enumerate(common):
        part = f"{count} × {reason}"
        more = f", {_others(common[i + 1:])}" if i + 1 < len(common) else ""
        if parts and len(head) + len(", ".join(parts + [part])) + len(more) > FAILURE_WIDTH:
            parts.append(_others(common[i:]))
            break
        parts.append(part)
    return head + ", ".join(parts) + (")" if some else "")


def _others(rest: list[tuple[str, int]]) -> str:
    """The reasons left out of the failure line, counted as the others are, in evaluations: ``2 with another
    reason``, ``7 with 3 other reasons``. It read '1 other reason' for 2 evaluations that failed for one reason, in
    a list of counts of evaluations ('33 × "...", 1 other reason')."""
    evaluations = sum(count for _, count in rest)
    return f"{evaluations} with another reason" if len(rest) == 1 else \
        f"{evaluations} with {len(rest)} other reasons"


def _quoted(message: str, width: int = REASON_WIDTH) -> str:
    """``message`` in quotes, cut to ``width`` characters (the quotes left out) with '...'. A run whose failures
    all have one message gets the line's whole width for it: 'PyNEST cannot be imported...' hid the reason that
    followed ('(libnestkernel.so: cannot open shared object file)'), for one message and a count."""
    if len(message) > width:
        message = message[:width - 3].rstrip() + "..."
    return f'"{message}"'

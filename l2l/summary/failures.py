"""Why evaluations failed, in a line: the line of an error text that says what went wrong
(:func:`error_message`), the most frequent reasons of a run's failures (:func:`failure_line`) and the evaluations
that failed and succeeded on a retry (:func:`retry_line`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from l2l.error_lines import informative_line
from l2l.results_schema.layout import TIMEOUT
from l2l.summary.record import status_codes

if TYPE_CHECKING:
    from l2l.results_schema.reader import Trajectory
    from l2l.summary.record import RunSummary


def error_message(text: str) -> str:
    """The line of an error text that says what went wrong (:func:`l2l.error_lines.informative_line`: the last one
    that is not a blank, a separator, a URL or a line between chained tracebacks; a bare exception said with what
    explains it), before the output tails and the working directory that the ``command`` simulator appends after
    its message (lines from ``--- ``). It was the last line that was not blank: Dask's errors read as a URL."""
    lines = text.splitlines()
    tails = next((i for i, line in enumerate(lines) if line.startswith("--- ")), len(lines))
    line = informative_line(lines[:tails]) or "(no error text)"
    # a traceback names an exception by its module unless it is a builtin: l2l's own (a ConfigError raised in
    # a simulator's setup on a worker) is shown by its class name, as ValueError is; a user's keeps its module
    return _L2L_EXCEPTION.sub(r"\1", line, count=1)


#: An object's memory address in an error text (the repr of an object without its own: ``at 0x7f3c2e1b9a80``).
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
#: ``l2l.errors.ConfigError`` at the start of a traceback's last line: the class name is kept.
_L2L_EXCEPTION = re.compile(r"^l2l(?:\.\w+)+\.([A-Za-z_]\w*)(?=:|$)")


def reason_of(status: str, error: str | None) -> str:
    """The failure reason of one outcome, as ``l2l show``'s failure line groups them: ``timeout``, or the line of
    its error text that says what went wrong (an object's address made alike)."""
    if status == TIMEOUT:
        return "timeout"
    return _ADDRESS.sub("0x…", error_message(error or status))


#: A number in an error message (``-0.31``, ``1e-05``, ``1234``), not a digit inside a word (``float64``).
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?!\w|\.\d)")
#: Distinct messages that differ only in their numbers and count as one reason from this many on: a value in the
#: message ("x must be positive, got -0.31", "diverged at step 1234") made each failure a reason of its own, the
#: line "1 × ..., 40 with 40 other reasons". Two or fewer stay apart ("exit status 1" and "exit status 137" are
#: different reasons).
ALIKE_AT_LEAST = 3


def reason_shape(message: str) -> str:
    """``message`` with every number written ``#``: the messages of one shape differ only in their numbers."""
    return _NUMBER.sub("#", message)


def _differs_at(a: str, b: str) -> int:
    """The index of the first character where ``a`` and ``b`` differ (the shorter's length if one begins the other)."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def reasons_alike(messages) -> dict[str, str]:
    """Each distinct message of ``messages`` (None, a timeout, left out) and the reason it counts as: itself, or,
    for :data:`ALIKE_AT_LEAST` or more messages that differ only in their numbers, one message with the numbers
    that differ between them written ``…`` (``ValueError: x must be positive, got …``)."""
    groups: dict[str, list[str]] = {}
    for message in dict.fromkeys(m for m in messages if m is not None):
        groups.setdefault(reason_shape(message), []).append(message)
    reasons = {}
    for members in groups.values():
        if len(members) < ALIKE_AT_LEAST:
            reasons.update((message, message) for message in members)
            continue
        numbers = [_NUMBER.findall(message) for message in members]
        shared = [len({found[i] for found in numbers}) == 1 for i in range(len(numbers[0]))]
        words = _NUMBER.split(members[0])
        template = "".join(words[i] + (numbers[0][i] if shared[i] else "…") for i in range(len(shared))) + words[-1]
        reasons.update((message, template) for message in members)
    return reasons


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
    # None: a timeout; an object's address in the text (`<Generator at 0x7f…>`) differs from one evaluation to
    # the next and would make one reason several
    messages = [None if code == codes["timeout"] else _ADDRESS.sub("0x…", error_message(text or ""))
                for code, text in zip(status[bad - start], texts)]
    # grouped by the whole message: two errors whose first 70 characters agree are two reasons (cut to 70 before,
    # they merged into one), each shown long enough to tell them apart (:func:`_shown`)
    alike = reasons_alike(messages)  # messages that differ only in their numbers (from 3 on) are one reason
    messages = [None if message is None else alike[message] for message in messages]
    reasons = Counter(messages)
    some = len(bad) < total
    head = f"{total} failed" + (f" (the last {len(bad)}: " if some else ": ")
    if len(reasons) == 1 and messages[0] is not None:  # one reason: the line has room for all of it
        width = FAILURE_WIDTH - len(head) - len(f"{len(messages)} × ") - 1
        return head + f"{len(messages)} × {_quoted(messages[0], max(width, REASON_WIDTH))}" + (")" if some else "")
    shown = _shown([message for message in reasons if message is not None])
    parts: list[str] = []
    order = [message for message, _ in reasons.most_common()]
    common = [("timeout" if message is None else shown[message], count) for message, count in reasons.most_common()]
    for i, (reason, count) in enumerate(common):
        part = f"{count} × {reason}"
        more = f", {_others(common[i + 1:])}" if i + 1 < len(common) else ""
        used = len(head) + len(", ".join(parts + [""])) + len(more)
        if parts and used + len(part) > FAILURE_WIDTH:
            # cut shorter where what is left shows it apart from the others ('8 with another reason' hid an
            # out-of-memory kill beside a long first reason); else counted with the rest
            room = FAILURE_WIDTH - used - len(f"{count} × ") - 2
            if order[i] is None or room < _least_width(order[i], order):
                parts.append(_others(common[i:]))
                break
            part = f"{count} × {_quoted(order[i], room, _least_width(order[i], order) - 3)}"
        parts.append(part)
    return head + ", ".join(parts) + (")" if some else "")


#: The fewest characters of a reason the failure line shows, cut.
SHORTEST_SHOWN = 30


def _least_width(message: str, messages: list[str | None]) -> int:
    """The fewest characters (quotes left out) ``message`` can be cut to in the failure line and still read apart
    from each of ``messages``: past the first character where it differs from each, at least
    :data:`SHORTEST_SHOWN`."""
    width = SHORTEST_SHOWN
    for other in messages:
        if other is not None and other != message:
            width = max(width, min(_differs_at(message, other) + 4, len(message)))  # the differing character before the '...'
    return width


def _others(rest: list[tuple[str, int]]) -> str:
    """The reasons left out of the failure line, counted as the others are, in evaluations: ``2 with another
    reason``, ``7 with 3 other reasons``. It read '1 other reason' for 2 evaluations that failed for one reason, in
    a list of counts of evaluations ('33 × "...", 1 other reason')."""
    evaluations = sum(count for _, count in rest)
    return f"{evaluations} with another reason" if len(rest) == 1 else \
        f"{evaluations} with {len(rest)} other reasons"


def _shown(messages: list[str]) -> dict[str, str]:
    """Each of the distinct ``messages`` quoted and cut to :data:`REASON_WIDTH`, or past the first character where
    it differs from another message that begins as it does (a few characters of the difference shown, up to
    :data:`SHOWN_AT_MOST` characters), so that two reasons do not read alike."""
    shown = {}
    for message in messages:
        width = REASON_WIDTH
        for other in messages:
            if other != message and message[:REASON_WIDTH - 3] == other[:REASON_WIDTH - 3]:
                width = min(max(width, _differs_at(message, other) + 3 + DIFFERENCE_SHOWN), SHOWN_AT_MOST)
        shown[message] = _quoted(message, width, _least_width(message, messages) - 3)
    return shown


#: Characters shown past the point where a reason differs from another that begins alike, and the widest such a
#: reason gets (the line stays within FAILURE_WIDTH, the others counted beside it: two that differ further on read
#: alike, each with its own count).
DIFFERENCE_SHOWN = 12
SHOWN_AT_MOST = 100


def _quoted(message: str, width: int = REASON_WIDTH, least: int = 0) -> str:
    """``message`` in quotes, cut to ``width`` characters (the quotes left out) with '...'. A run whose failures
    all have one message gets the line's whole width for it: 'PyNEST cannot be imported...' hid the reason that
    followed ('(libnestkernel.so: cannot open shared object file)'), for one message and a count. The cut is
    made between words where one ends in the last :data:`WORD_CUT` characters kept and at ``least`` characters
    or more (where the message differs from another one), not in a word ('cannot be imp...')."""
    if len(message) > width:
        message = cut_between_words(message, width, least)
    return f'"{message}"'


#: The most characters a cut gives up to end between two words rather than in one.
WORD_CUT = 20


def cut_between_words(text: str, width: int, least: int = 0) -> str:
    """``text`` cut to ``width`` characters with '...' (``text`` itself if it fits): after its last whole word that
    ends within :data:`WORD_CUT` characters of the cut and at ``least`` characters or more, else in the word."""
    if len(text) <= width:
        return text
    kept = text[:width - 3]
    space = kept.rfind(" ", max(least, len(kept) - WORD_CUT))
    if space > 0 and text[len(kept)] != " " and kept[space - 1] != " ":
        kept = kept[:space]
    return kept.rstrip() + "..."


#: The rows :func:`retry_line` reads at most, the last ones, as many as the failure line: ``l2l show`` reads a bounded
#: number of rows, whatever the size of the file (the running statistics do not count attempts).
RETRY_ROWS = FAILURE_ROWS


def retry_line(trajectory: Trajectory, segments: bool = False) -> str:
    """The evaluations (``segments``: of a multi-fidelity run) that succeeded after more than one attempt, in one
    line: ``2 segments needed a retry and then succeeded (4 attempts, each counted in the compute); first error:
    "RuntimeError: ..."`` ('' if none); of a run with more than :data:`RETRY_ROWS` rows, ``2 of the last 128
    segments ...``. Before, such a run read '13 segments (0 failed)' with no word of the attempts the compute
    counted, and the failed attempt's error was kept nowhere: the loop now keeps it on the row
    (:data:`~l2l.jobs.base.RETRIED_ERROR`; an attempt the backend ran again by itself, its job or worker lost, has
    none)."""
    from l2l.jobs.base import RETRIED_ERROR
    from l2l.results_schema import frames

    n = trajectory.n_evaluations
    if not n:
        return ""
    start = max(0, n - RETRY_ROWS)
    attempts = trajectory.rows(("attempts",), start, n)["attempts"]
    rows = np.flatnonzero(attempts > 1) + start  # then the status of those alone (the summary reads it already)
    if not len(rows):
        return ""
    where = trajectory._columns(("status", "error_start", "error_length"), n, rows)
    ok = where["status"] == status_codes()["ok"]
    if not ok.any():
        return ""
    rows, where = rows[ok], {key: value[ok] for key, value in where.items()}
    word = "segment" if segments else "evaluation"
    count = f"{len(rows)} of the last {n - start} {word}s" if start else f"{len(rows)} {word}{'s' * (len(rows) != 1)}"
    line = (f"{count} needed a retry and then succeeded ({int(attempts[rows - start].sum())} attempts"
            f"{', each counted in the compute' if segments else ''})")
    texts = frames.error_texts(trajectory, where["error_start"], where["error_length"])
    first = next((text for text in texts if text and text.startswith(RETRIED_ERROR)), None)
    if first is not None:
        line += f"; first error: {_quoted(error_message(first[len(RETRIED_ERROR):]))}"
    return line

"""``run.stop_after_failures``: a run whose model is broken stops early instead of spending its whole budget.

A model that cannot run at all (an ImportError, a typo in the command, a missing data file) fails every
evaluation the same way; before, the run evaluated until its budget was spent (on a SLURM allocation, the whole
bill) and only then said "every evaluation failed". The loop now counts the evaluations (segments) each session
finishes, after their retries (:class:`FailureWatch`): once the first N of a session all failed and none of the
run ever succeeded (in this session or an earlier one of the file), it stops as on a stop request: what finished is
kept, the ``stopped`` event records why (``failures``: the count and the most frequent reason), and
``l2l resume`` goes on, with N fresh tries, once the model is fixed (``--stop-after-failures 0``: a model that
fails in much of its space goes on without the check). A run that had one success never stops for this reason: a
model that fails in one region of the space is legitimate.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from l2l.jobs.base import OK

#: The least default N, and how many batches of work it covers otherwise (see :func:`failure_limit`). 20, not 10: a
#: legitimate model that fails in 90 % of its space (80 %) has all its first N evaluations fail, and is stopped,
#: with probability 0.9^N (0.8^N): 35 % (11 %) at 10, 12 % (1.2 %) at 20; a broken model costs 20 evaluations.
LEAST_FAILURES = 20
BATCHES = 2
#: How much of the most frequent reason the ``stopped`` event keeps (the event holds 512 bytes in all).
REASON_CHARACTERS = 150
#: Distinct reasons counted at most; the others are counted together (a message that differs every time).
MOST_REASONS = 100
#: The key of the ``stopped`` event's detail that says the run stopped for its failures.
KEY = "failures"


def failure_limit(given: int | None, batch: int, generation: bool = False) -> int:
    """How many failed evaluations, none of the run a success, end a session: ``given`` (run.stop_after_failures;
    0: never), else ``max(20, 2 x batch)``, ``batch`` being the evaluations the optimizer asks at once (a
    generation) or that run at once (the workers, in async and policy runs). ``generation``: ``batch`` is a
    generation's size, and the default is rounded up to whole generations (21 for generations of 3, not 20), so
    that the run stops between two generations, with no half-evaluated one (which a resume evaluates again: see
    :func:`l2l.resume_limits.failed_to_redo`)."""
    if given is not None:
        return int(given)
    batch = max(1, int(batch))
    least = max(LEAST_FAILURES, BATCHES * batch)
    return -(-least // batch) * batch if generation else least


class FailureWatch:
    """The evaluations one session finished (after their retries) while none of the run succeeded: how many, and
    why they failed. ``limit()`` gives N (asked per failure: the workers of a Dask cluster come and go)."""

    def __init__(self, limit: Callable[[], int], unit: str) -> None:
        self.limit = limit
        self.unit = unit  # 'evaluation', or 'segment' in a multi-fidelity run
        self.before = 0  # the run's evaluations before this session's (all failed, if it is to stop): see detail
        self.failed = 0
        self.reasons: Counter[str] = Counter()
        self._shapes: dict[str, str] = {}  # a reason's numbers written '#' -> the first reason of that shape
        self.succeeded = False
        self.due = False  # the session's first N failed and none of the run succeeded

    def saw(self, status: str, error: str | None, ever_succeeded: bool) -> None:
        """Count one finished evaluation of this session (not one reused from the file); ``ever_succeeded``: the
        run holds a success (this one included)."""
        if self.succeeded:
            return
        if status == OK or ever_succeeded:
            self.succeeded, self.due = True, False
            self.reasons.clear()
            self._shapes.clear()
            return
        limit = self.limit()
        self.failed += 1  # counted with the check off as well (0): the line that every evaluation failed gives the
        # most frequent reason (it gave none with --stop-after-failures 0)
        from l2l.summary.failures import reason_of, reason_shape

        reason = reason_of(status, error)

        shape = reason_shape(reason)
        if reason not in self.reasons and len(self.reasons) >= MOST_REASONS:
            reason = self._shapes.get(shape)  # counted with the first one alike but for its numbers, if any
        if reason is not None:
            self.reasons[reason] += 1
            self._shapes.setdefault(shape, reason)
        self.due = limit > 0 and self.failed >= limit

    def detail(self, evaluations: int) -> dict[str, Any]:
        """What the ``stopped`` event records: ``reason`` (as ``l2l show``'s status says it) and ``failures``
        (the count, N, the most frequent reason cut to :data:`REASON_CHARACTERS` and how often it came, the
        evaluations before this session's, all failed); ``evaluations``: the run's, this session's included."""
        self.before = max(0, int(evaluations) - self.failed)  # a resumed generation's rows reused count as before
        from l2l.summary.failures import cut_between_words, reasons_alike

        alike, merged = reasons_alike(self.reasons), Counter()
        for message, count in self.reasons.items():  # messages differing only in numbers: one reason
            merged[alike[message]] += count
        reason, times = merged.most_common(1)[0] if merged else ("(no error text)", 0)
        reason = cut_between_words(reason, REASON_CHARACTERS)  # (it was cut in a word)
        return {"reason": f"{self.first()} all failed; run.stop_after_failures = {self.limit()}",
                KEY: {"count": self.failed, "limit": self.limit(), "error": reason, "times": times,
                      "unit": self.unit, "before": self.before}}

    def first(self) -> str:
        """``the first 20 evaluations`` (of a resumed session: ``the first 20 evaluations of this session``)."""
        return f"the first {self.failed} {self.unit}{'s' * (self.failed != 1)}" + \
            (" of this session" if self.before else "")


def stopped_line(failures: dict[str, Any], resume: str, never: str, errors: str) -> str:
    """The one line that says a run stopped for its failures (``failures``: the ``stopped`` event's record), with
    the most frequent reason, ``resume``, the call that goes on once the model is fixed, and ``never``, the one
    that goes on without the check (``--stop-after-failures 0``: failures expected in much of the space);
    ``errors``: where every error is (``l2l.load('run.h5')['error']``)."""
    count = int(failures.get("count", 0) or 0)
    times = int(failures.get("times", 0) or 0)
    unit = str(failures.get("unit") or "evaluation")
    before = int(failures.get("before", 0) or 0)
    others = count - times
    why = f'{times} × "{failures.get("error", "(no error text)")}"' + \
        (f", {others} with other reasons" if others > 0 else "")
    session = f" of this session (the {before} before them failed too; " if before else " ("
    return (f"l2l: every {unit} failed, so the run stopped after the first {count}{session}"
            f"run.stop_after_failures = {failures.get('limit', count)}, 0: never): {why}; fix the model, then "
            f"continue with: {resume} (or, if failures are expected in much of the space: {never}) "
            f"(all errors: {errors})")


def stopped_for_failures(trajectory: Any) -> dict[str, Any] | None:
    """The ``failures`` record of the ``stopped`` event that ended ``trajectory``'s last session, or None if it did
    not stop for its failures (or goes on since)."""
    from l2l.summary.record import event_detail

    events = trajectory.events()
    if not len(events) or events["kind"].iloc[-1] != "stopped":
        return None
    record = event_detail(events["detail"].iloc[-1]).get(KEY)
    return record if isinstance(record, dict) else None


def file_line(path: Any, segments: bool) -> str:
    """The line of :func:`stopped_line` for the run in ``path`` (``l2l run``, ``l2l resume`` and ``l2l watch`` end
    with it), naming ``l2l resume FILE``; ``segments``: its errors are segments' (a run with a policy); '' if the
    run did not stop for its failures."""
    from l2l.results_schema.reader import Trajectory
    from l2l.errors import command

    with Trajectory(path) as trajectory:
        failures = stopped_for_failures(trajectory)
    if failures is None:
        return ""
    errors = f"l2l.load({str(path)!r}{', segments=True' if segments else ''})['error']"
    return stopped_line(failures, command("l2l", "resume", path),
                        command("l2l", "resume", path, "--stop-after-failures", "0"), errors)

"""The outer loop's run.stop_after_failures side: how many failures stop a run (N), whether it gives up now
(after the evaluations still in flight, in an async or policy run), and the lines said when it stopped for its
failures or when every evaluation of the run failed.

A mixin of :class:`l2l.driver._Loop` (it uses the loop's attributes: failures, gave_up, loop, policy, optimizer,
executor, config, writer, running, outbox, unread, and its :meth:`work_left`); the count of failures itself is
:class:`l2l.driver_failures.FailureWatch`.
"""

from __future__ import annotations

from l2l.driver_failures import REASON_CHARACTERS, failure_limit, stopped_line
from l2l.words import call, passed_as


class GivingUp:
    def all_failed_line(self) -> str:
        """The line l2l.run (l2l.resume) says as it returns a run that ended with every evaluation failed before
        run.stop_after_failures was due (a sweep of fewer candidates than its 20, or the check off): l2l run says
        so as its last line and exits 1, where the Python call said nothing (and l2l.best then raised 'no
        successful evaluation'). The most frequent reason of this session's, where counted."""
        unit = self.failures.unit
        evaluations = int(self.loop["evaluations"])
        reason, times = self.failures.reasons.most_common(1)[0] if self.failures.reasons else ("", 0)
        from l2l.summary.failures import cut_between_words

        reason = cut_between_words(reason, REASON_CHARACTERS)  # (it was cut in a word)
        why = f': {times} × "{reason}"' if reason else ""
        where = self.writer.path.absolute()
        segments = ", segments=True" if self.policy.multi_fidelity else ""
        return (f"l2l: every {unit} of the run failed ({evaluations} of {evaluations}){why}; fix the model, then "
                f"run the config again into a new file (all errors: l2l.load({str(where)!r}{segments})['error'])")

    def failure_limit(self) -> int:
        """N of run.stop_after_failures: the config's, else max(20, 2 x the generation's size) in a generational
        run and max(20, 2 x the workers) in the others (asked per failure: Dask's workers come and go)."""
        batch = 0
        if self.policy.name == "generational":
            batch = int(getattr(self.optimizer, "population_size", 0) or 0)
        if batch:
            return failure_limit(self.config.stop_after_failures, batch, generation=True)
        return failure_limit(self.config.stop_after_failures, self.executor.worker_count)

    def giving_up(self) -> bool:
        """True once run.stop_after_failures ends the run (its record in ``gave_up``): the first N evaluations of
        this session failed, none of the run succeeded, and work is left; in an async or policy run, once the
        evaluations in flight ended too (:meth:`failures_in_flight`). Where none is (the failure was the run's
        last, its budget spent or its policy done) the run ends as it would have."""
        if self.gave_up is not None:
            return True
        if not self.failures.due or self.failures_in_flight():
            return False
        if not (self.running or self.outbox or self.unread) and not self.work_left():
            return False
        self.gave_up = self.failures.detail(self.loop["evaluations"])
        return True

    def failures_in_flight(self) -> bool:
        """run.stop_after_failures is due in an async or policy run while evaluations run: nothing new starts, and
        those are waited for, as one may succeed and lift the stop (before, they were cancelled: a model failing
        fast in 85 % of its space, 2 local workers, was stopped in 5 of 6 seeds with successes in flight). A
        generation's members are all asked at once: N is counted in whole generations, or as the user set it."""
        return self.failures.due and bool(self.running) and self.policy.name != "generational"

    def stopped_for_failures_line(self) -> str:
        """The line that says the run stopped for its failures (see :func:`l2l.driver_failures.stopped_line`)."""
        where = self.writer.path.absolute()
        function = passed_as(self.config.simulator.options)
        segments = ", segments=True" if self.policy.multi_fidelity else ""
        return stopped_line(self.gave_up["failures"], call("resume", where, function=function),
                            call("resume", where, function=function, stop_after_failures=0),
                            f"l2l.load({str(where)!r}{segments})['error']")

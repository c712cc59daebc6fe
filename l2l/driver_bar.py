"""The outer loop's progress bar: how far it moves (fidelity units, or a sweep's candidates decided), the line
beside it (candidates started, running, completed, stopped) and, in a model-based run, its endgame.

A mixin of :class:`l2l.driver._Loop` (it uses the loop's attributes: bar, sweep, loop, trials, running, completed,
policy, policy_state, table, c, and :meth:`bar_best`).
"""

from __future__ import annotations

from l2l import numbers


class Bar:
    def show(self, cost: float) -> None:
        """Move the bar by ``cost`` fidelity units (a sweep's: to the candidates decided) and say how many
        candidates run and completed (of all started: '3 of 163 candidates completed, 1 running', not '163
        candidates: 1 running, 3 completed', which read as every state while the paused and stopped were left out)."""
        if self.bar.bar is None:
            return
        self.bar.describe(self.endgame_text())
        best, self.bar.best_note = self.bar_best()
        if not self.sweep:
            self.bar.move_to(self.loop["compute"], self.loop["generation"], best, self.loop["failed"],
                            f"{self.completed} of {len(self.trials)} candidate{'s' * (len(self.trials) != 1)} "
                            f"completed, {len(self.running)} running")
            return
        decided = self.decided(len(self.running))
        unit = self.c.simulator.fidelity().unit
        self.bar.move_to(decided, self.loop["generation"], best, self.loop["failed"],
                         f"{self.loop['next_trial']} started, {len(self.running)} running, {self.completed} "
                         f"completed, {max(0, decided - self.completed)} stopped, "
                         f"{numbers.compute(self.loop['compute'])} {unit}")

    def endgame_text(self) -> str:
        """The bar's description once a model-based run's endgame has started (``endgame from compute X``, as the
        line the run ends with says it); '' before and for other policies. Asked of the policy only past the
        compute its endgame may start from (then it counts the top budget's candidates)."""
        begins = getattr(self.policy, "endgame_begins", None)
        start = begins(self.c.compute) if begins is not None and self.policy_state else None
        if start is None or self.loop["compute"] < start:
            return ""
        from l2l.summary.multi_fidelity import endgame_brief

        status = self.policy.endgame_status(self.policy_state, self.table, self.loop["compute"], self.c.compute)
        return endgame_brief(status) if status.started else ""

    def open_candidates(self, running: int) -> int | None:
        return self.policy.open_candidates(self.policy_state, self.table, running)

    def decided(self, running: int) -> int:
        """The sweep's candidates that are completed or stopped for good (``running``: those running)."""
        return max(0, self.loop["next_trial"] - running - (self.open_candidates(running) or 0))

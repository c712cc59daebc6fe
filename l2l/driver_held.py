"""The outer loop's results told where the schedule says: under ``successive-halving`` and ``hyperband`` with
``same_everywhere`` (see :mod:`l2l.policies.halving`) the results that come in while a bracket still asks for
candidates are held by the policy and told to the optimizer in trial order once it releases them, so that what each
ask knows is the same on every backend.

A mixin of :class:`l2l.driver._Loop`, before :class:`l2l.driver_trials.Trials` (whose ``tell_partial`` and
``settle`` it extends); it uses the loop's attributes: policy, policy_state, optimizer, optimizer_state, problem,
trials, top, ready and finals.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.jobs import Outcome
from l2l.policies import budget_key


class HeldResults:
    def holding(self) -> bool:
        """Whether a result that comes in now waits to be told to the optimizer (the policy's
        ``holds_results``); never where the policy proposes its candidates itself, or the optimizer is told
        the simulators' outputs (which the trial table does not keep)."""
        holds = getattr(self.policy, "holds_results", None)
        return (holds is not None and not self.policy.proposes and not self.optimizer.needs_outputs
                and holds(self.policy_state))

    def tell_partial(self, record: dict[str, Any], outcome: Outcome) -> None:
        if self.holding():
            self.policy_state = self.policy.hold(self.policy_state, outcome.trial)
            return
        super().tell_partial(record, outcome)

    def settle(self) -> bool:
        self.release_held()
        if self.ready and self.holding():  # final results (a bracket that starts at the top budget): held too
            for trial in self.ready:
                self.finals.pop(trial)
                self.policy_state = self.policy.hold(self.policy_state, trial)
            self.ready = []
        return super().settle()

    def release_held(self) -> None:
        """Tell the optimizer the results the policy held, in trial order, once it releases them: from the trial
        table (a resumed run's held results too), each as it would have been told when it came in."""
        release = getattr(self.policy, "release", None)
        if release is None:
            return
        held, self.policy_state = release(self.policy_state)
        if not held:
            return
        records = [self.trials[str(t)] for t in held]
        codes = np.array([r["code"] for r in records], dtype=float)
        scores = np.array([[r["scores"][budget_key(r["budget"])]] for r in records], dtype=float)
        below = np.array([r["budget"] < self.top for r in records])
        if below.any():  # failed segments are told NaN, as tell_partial tells them
            failed = np.array([not r.get("ok", True) for r in records])
            partial = np.where(failed[:, None], np.nan, scores)
            self.optimizer_state = self.optimizer.tell_partial(
                self.problem, self.optimizer_state, codes[below],
                np.array([r["budget"] for r in records], dtype=float)[below], partial[below])
        if (~below).any():
            self.optimizer_state = self.optimizer.tell(self.problem, self.optimizer_state, codes[~below],
                                                       scores[~below], None)

"""Scheduling policies: what runs next, and for how long (see :mod:`l2l.policies.base`).

``generational`` and ``async`` are the two single-fidelity modes (``run.mode``);
the others need a simulator with a fidelity and schedule segments of
training between budgets.
"""

from l2l.policies.base import DONE, WAIT, Action, Policy, TrialTable, budget_key, rung_budgets
from l2l.registry import Registry

POLICIES = Registry("policy", group="l2l.policies", entries={
    "successive-halving": "l2l.policies.halving:SuccessiveHalving",
    "hyperband": "l2l.policies.halving:Hyperband",
    "asha": "l2l.policies.asha:ASHA",
    "median-stopping": "l2l.policies.median:MedianStopping",
    "model-based": "l2l.policies.model_based:ModelBased",
    "pbt": "l2l.policies.pbt:PBT",
})

__all__ = ["POLICIES", "Policy", "Action", "TrialTable", "WAIT", "DONE", "budget_key", "rung_budgets"]

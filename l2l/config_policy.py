"""A run's scheduling policy in the config: ``run.policy = NAME`` and ``run.generations`` under a policy.

``run.policy = "successive-halving"`` is short for a ``[policy]`` table with
only that name (its options at their defaults); the config stored in the
trajectory is the table, so that resume and validate read one form.

Under a policy that honours it, ``run.generations`` sets the sweep's size as
it does without a policy: the run starts ``generations x population_size``
candidates (the ``[optimizer]``'s population), each trained until the policy
stops it or it reaches the top budget, and ends when none is left. It is
stored as the policy's ``max_candidates`` option. Under ``pbt`` the sweep's
candidates are its members (option ``population``), each trained to the top
budget: a sweep switched to PBT with one line spends the sweep's compute.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from l2l.errors import ConfigError

#: Keys that every config stored in a trajectory before run.generations counted a policy's candidates has in
#: its [run] table (RunConfig.to_json wrote them all, and run.generations too, which the policy ignored).
_STORED_RUN_KEYS = frozenset({"retries", "timeout", "penalty", "mode", "compute"})

GENERATIONS_WITH_POLICY = ("{what} does not apply to policy {name!r}: {why}")
NO_SWEEP = ("{what} does not apply to a run with a [policy] ({name!r}) unless its config sets run.generations (the "
            "sweep's candidates: generations x population_size); its budgets are run.compute (fidelity units), "
            "run.max_time and run.evaluations (a cap on segments)")
#: Most candidates a policy's sweep may start (``[policy] max_candidates``, or ``population`` for ``pbt``, however
#: set): the halving policies plan their brackets one by one before the run starts, so a count like 10**30
#: (run.generations = 10**30) hung ``l2l run`` (and ``--dry-run``) there without a word.
MAX_CANDIDATES = 1_000_000
FIXED_SWEEP = ("{what} cannot change the candidates of a run with a [policy] once it started: policy {name!r} "
               "starts {candidates} ([policy] {option}, from run.generations x population_size); start a new "
               "run with more run.generations")


def shorthand(value: Any, has_table: bool) -> str:
    """The policy named by ``run.policy``; ConfigError if it is no name or a [policy] table is given too."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"run.policy must be a policy's name such as 'successive-halving' (options go in a "
                          f"[policy] table), got {value!r}")
    if has_table:
        raise ConfigError(f"run.policy = {value!r} and [policy] name both choose the policy; give one of them "
                          f"(run.policy = NAME names the policy, a [policy] table without a name gives its options)")
    return value


def sweep(generations: int, run: Mapping[str, Any], optimizer: Any, policy: Any,
          user_file: bool) -> tuple[int, dict[str, Any]]:
    """A policy run's (generations, policy options): run.generations set as the candidates option.

    A config an earlier l2l stored in a trajectory (not a ``user_file``) states run.generations beside a
    [policy] that ignored it: it keeps ignoring it.
    """
    if "generations" not in run or (not user_file and "max_candidates" not in policy.options
                                    and _STORED_RUN_KEYS <= set(run)):
        return 0, dict(policy.options)
    return generations, with_sweep(generations, optimizer, policy)


def check_candidates(policy: Any, source: str | None = None) -> None:
    """Refuse a sweep of more than :data:`MAX_CANDIDATES` candidates in the options of ``policy`` (a config
    Component); ``source`` says how the count was set when the user did not write it (run.generations)."""
    key = sweep_option(policy.name)
    count = policy.options.get(key)
    if isinstance(count, bool) or not isinstance(count, int) or count <= MAX_CANDIDATES:
        return  # not a count: the policy's own check of the option says what it must be
    if source:
        raise ConfigError(f"{source} is {count} candidates, more than the {MAX_CANDIDATES} policy {policy.name!r} "
                          f"may start; give fewer generations")
    raise ConfigError(f"[policy] {key} must be at most {MAX_CANDIDATES} (the candidates policy {policy.name!r} "
                      f"starts), got {count}")


def policy_class(name: str) -> type:
    from l2l.policies import POLICIES

    return POLICIES.get(name)


def sweep_option(policy_name: str) -> str:
    """The policy option that run.generations x population_size sets: ``max_candidates``, or ``population``
    for ``pbt`` (the sweep's candidates become its members, each trained to the top budget: the sweep's
    compute, spent on learners that copy the best ones' weights and perturb their parameters)."""
    return getattr(policy_class(policy_name), "sweep_option", "max_candidates")


def _refuse_unless_honoured(what: str, policy_name: str, candidates: int = 0) -> None:
    """ConfigError if the policy cannot honour a candidate budget; ``candidates``: the sweep's, whose compute the
    refusal then names as the run.compute to give instead."""
    cls = policy_class(policy_name)
    if not getattr(cls, "candidate_budget", False):
        why = getattr(cls, "no_candidate_budget", "it schedules by run.compute only")
        if candidates:
            why += (f" (in fidelity units; the sweep's {candidates} candidates, each trained to the top budget, "
                    f"spend {candidates} x the top budget: give that, or a fraction of it, and leave out {what})")
        raise ConfigError(GENERATIONS_WITH_POLICY.format(what=what, name=policy_name, why=why))


def with_sweep(generations: int, optimizer: Any, policy: Any) -> dict[str, Any]:
    """The options of ``policy`` (a config Component) with the candidates of ``generations`` generations of
    the ``optimizer``'s population.

    ConfigError if the policy cannot honour a candidate budget, if ``[policy] max_candidates`` is set too, or if
    the optimizer has no fixed population size.
    """
    from l2l.optimizers import OPTIMIZERS

    try:
        size, refused = getattr(OPTIMIZERS.create(optimizer.name, optimizer.options), "population_size", None), None
    except ConfigError as error:
        size, refused = None, error
    whole = isinstance(size, int) and not isinstance(size, bool) and 0 < size and 0 < generations
    _refuse_unless_honoured("run.generations", policy.name, generations * size if whole else 0)
    if refused is not None:
        raise refused
    key = sweep_option(policy.name)
    if key in policy.options:
        raise ConfigError(f"run.generations and [policy] {key} both set how many candidates policy "
                          f"{policy.name!r} starts; give one of them")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError(f"run.generations with a [policy] starts generations x population_size candidates, and "
                          f"optimizer {optimizer.name!r} has no fixed population_size; set [optimizer] "
                          f"population_size")
    return {**policy.options, key: generations * size}


def resized(policy_name: str, options: Mapping[str, Any], before: int, generations: int) -> dict[str, Any]:
    """The policy's options for ``--generations generations`` on a config whose run.generations was ``before``.

    A run that started is refused: its stored config states only the candidates, fixed when it started.
    """
    key = sweep_option(policy_name)
    candidates = options.get(key)
    if not before or not candidates:
        _refuse_unless_honoured("--generations", policy_name)
        template = FIXED_SWEEP if candidates else NO_SWEEP
        raise ConfigError(template.format(what="--generations", name=policy_name, candidates=candidates, option=key))
    return {**options, key: candidates // before * generations}


#: The kinds of :class:`~l2l.policies.base.Action` the loop runs.
ACTION_KINDS = ("start", "batch", "continue", "wait", "done")


def _said(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def checked_next(policy: Any, answer: Any, trials: Any, budgets: Any = None) -> tuple[Any, dict]:
    """``answer``, what ``policy.next`` returned, if it is an (Action, state dict) the loop can run: a start or a
    continue to one of ``budgets`` (the rungs its ``init`` was given; None: not checked), a continue of a trial of
    the table that is not running, did not fail and reached less than the budget. Else ConfigError in one line
    naming the mistake (the loop failed with a TypeError or KeyError traceback, or ran forever: a candidate
    continued to the budget it had reached was continued again and again)."""
    from l2l.policies.base import Action

    def refuse(what: str) -> ConfigError:
        return ConfigError(f"policy {policy.name!r} {what} ({type(policy).__module__}.{type(policy).__qualname__}"
                           f".next; docs/multifidelity.md#your-own-policy-a-plug-in)")

    if not isinstance(answer, tuple) or len(answer) != 2:
        raise refuse(f"returned {_said(answer)} from next, not a pair (action, state)")
    action, state = answer
    if not isinstance(action, Action):
        raise refuse(f"returned {_said(action)} as next's action, not an l2l.policies.base.Action "
                     f"(Action('start', budget), Action('continue', budget, trial), WAIT or DONE)")
    if action.kind not in ACTION_KINDS:
        raise refuse(f"returned an Action of kind {action.kind!r} from next, none of {', '.join(ACTION_KINDS)}")
    if not isinstance(state, dict):
        raise refuse(f"returned {_said(state)} as next's state, not a dict")
    if action.kind not in ("start", "continue"):
        return action, state
    budget = action.budget
    if budgets is not None and not (isinstance(budget, (int, float)) and any(
            math.isclose(budget, b, rel_tol=1e-9) for b in budgets)):
        what = "started a new candidate" if action.kind == "start" else f"continued trial {action.trial}"
        shown = f"{budget:g}" if isinstance(budget, (int, float)) else repr(budget)
        raise refuse(f"{what} at budget {shown}, which is no rung ({', '.join(f'{b:g}' for b in budgets)}): "
                     f"give one of the budgets init was given")
    if action.kind == "continue":
        try:
            reached, running, failed = trials.reached(action.trial), trials.running(action.trial), \
                trials.failed(action.trial)
        except (KeyError, TypeError, ValueError):
            raise refuse(f"continued trial {action.trial!r}, which the table does not hold (trials.ids())") from None
        if running:
            raise refuse(f"continued trial {action.trial}, whose segment is still running (trials.running)")
        if failed:
            raise refuse(f"continued trial {action.trial}, whose last segment failed: it has no checkpoint "
                         f"(trials.failed)")
        if not budget > reached:
            raise refuse(f"continued trial {action.trial} to budget {budget:g}, not above the {reached:g} it reached")
    return action, state


def raised(policy: Any, method: str, exc: BaseException) -> ConfigError:
    """The one-line error of a plug-in policy's ``method`` that raised ``exc``, naming where."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return ConfigError(f"policy {policy.name!r} ({type(policy).__module__}.{type(policy).__qualname__}): {method} "
                       f"raised {type(exc).__name__}: {exc}{where}")

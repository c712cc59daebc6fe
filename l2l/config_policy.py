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
from itertools import islice
from typing import Any, Mapping

from l2l.errors import ConfigError

#: Keys that every config stored in a trajectory before run.generations counted a policy's candidates has in
#: its [run] table (RunConfig.to_json wrote them all, and run.generations too, which the policy ignored).
_STORED_RUN_KEYS = frozenset({"retries", "timeout", "penalty", "mode", "compute"})

GENERATIONS_WITH_POLICY = ("{what} does not apply to policy {name!r}: {why}")
NO_SWEEP = ("{what} does not apply to a run with a [policy] ({name!r}) unless its config sets run.generations (the "
            "sweep's candidates: generations x population_size); its budgets are run.compute (fidelity units), "
            "run.max_time and run.evaluations (a cap on segments)")
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
    """Refuse a sweep of more than :data:`~l2l.policies.base.MAX_CANDIDATES` candidates in the options of ``policy``
    (a config Component); ``source`` says how the count was set when the user did not write it (run.generations)."""
    from l2l.policies.base import MAX_CANDIDATES

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


PLUG_IN_DOCS = "docs/multifidelity.md#your-own-policy-a-plug-in"


def plug_in(policy: Any) -> bool:
    """Whether ``policy`` is a user's own (its class is defined outside l2l): the loop checks what its methods
    return (:func:`l2l.components_schedule._guarded`); l2l's own policies are checked by the contract suite instead."""
    return type(policy).__module__.split(".")[0] != "l2l"


#: Top-level keys of a state whose values :func:`layout` notes (of more, only how many there are).
LAYOUT_KEYS = 16


def layout(state: dict) -> tuple[int, list]:
    """What a change in place of the dict ``state`` shows, taken without copying it (a few microseconds a call):
    how many keys it has, and for its first :data:`LAYOUT_KEYS` keys each value's identity and, for a list or dict,
    its length. An append, a pop, a key set or a value replaced (``state["n"] += 1``) changes it; a change deeper
    down (an item of a list replaced) or of a value past the first keys does not show."""
    items = state.items() if len(state) <= LAYOUT_KEYS else islice(state.items(), LAYOUT_KEYS)
    return len(state), [(key, id(value), len(value) if type(value) is list or type(value) is dict else -1)
                        for key, value in items]


def kept_in_place(policy: Any, method: str, state: dict, before: tuple[int, list]) -> None:
    """ConfigError in one line if ``method`` of plug-in ``policy`` changed the state it received in place (its
    :func:`layout` was ``before``). The loop keeps that state: its commits store each state as its change from the
    one committed before, found by identity, so a change in place went unrecorded and the file's states came
    apart (``l2l resume`` read them as a corrupt delta, or resumed a policy that continued a trial again)."""
    after = layout(state)
    if after == before:
        return
    (count, old), (grown, new) = before, after
    old_keys, new_keys = [k for k, _, _ in old], [k for k, _, _ in new]
    changed = [(k, i, n, j, m) for (k, i, n), (_, j, m) in zip(old, new) if (i, n) != (j, m)]
    if new_keys[:len(old_keys)] != old_keys[:len(new_keys)] or count != grown:
        key = next((k for k in new_keys if k not in old_keys), None) or next(
            (k for k in old_keys if k not in new_keys), None)
        what = f"it went from {count} to {grown} keys" if key is None else \
            f"{'set' if key in new_keys else 'removed'} state[{key!r}]"
    else:
        key, was, length, now, size = changed[0]
        what = f"state[{key!r}] went from {length} to {size} items" if was == now else f"replaced state[{key!r}]"
    shown = "key" if key is None else repr(key)
    raise ConfigError(f"policy {policy.name!r} changed the state {method} received in place ({what}): return a "
                      f"new dict ({{**state, {shown}: ...}}) and leave the one received as it was, or the run "
                      f"stores states it did not have ({type(policy).__module__}.{type(policy).__qualname__}."
                      f"{method}; {PLUG_IN_DOCS})")


def waits_forever(policy: Any) -> ConfigError:
    """The one-line error of a plug-in policy whose ``next`` returned WAIT with no segment running: no result
    could ever come to end the wait (the run ended 'finished', exit status 0, candidates paused, without a word)."""
    return ConfigError(f"policy {policy.name!r} returned WAIT with nothing running: it would wait forever (WAIT "
                       f"waits for a running segment's result; return DONE once nothing is left to run; "
                       f"{type(policy).__module__}.{type(policy).__qualname__}.next; {PLUG_IN_DOCS}); the segments "
                       f"that finished are kept: fix the policy, then l2l resume the file")


def _unstorable_part(value: Any, where: str) -> tuple[str, str] | None:
    """The first part of ``value`` the run cannot store (its path from ``where``, why), or None."""
    from l2l.results_schema.codec import check

    try:
        check(value)
        return None
    except (TypeError, ValueError) as exc:
        why = str(exc) if len(str(exc)) <= 100 else str(exc)[:97] + "..."
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return where, f"a key {key!r} of type {type(key).__name__}, not a string"
            found = _unstorable_part(item, f"{where}[{key!r}]")
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _unstorable_part(item, f"{where}[{index}]")
            if found is not None:
                return found
    return where, why


def unstorable(policy: Any, state: Any) -> ConfigError | None:
    """The one-line error of a plug-in policy whose state (as a commit took it) the run cannot store: a set, a numpy
    generator, a dict with int keys (was: a TypeError traceback from the encoder); None where the state can be
    stored or the policy is l2l's own. Asked only of a commit that failed: checking each state next, launched
    and report return cost a fifth of a 4,000-candidate sweep's CPU, and more the more candidates."""
    if not plug_in(policy):
        return None
    found = _unstorable_part(state, "state")
    if found is None:
        return None
    where, why = found
    return ConfigError(f"policy {policy.name!r} ({type(policy).__module__}.{type(policy).__qualname__}): next, "
                       f"launched or report returned a state the run cannot store ({where}: {why}): keep numbers, "
                       f"strings, lists and dicts with string keys ({PLUG_IN_DOCS}); the segments committed before "
                       f"are kept")

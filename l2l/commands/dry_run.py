"""What ``l2l run CONFIG --dry-run`` says the run would do, beyond "the config is valid" (not a plug-in command).

The summary named neither the scheduling policy nor the compute, and under ``model-based`` named the optimizer
``auto`` that the policy never asks. :func:`plan_lines` gives, from the validated components: the run's extent
(the banner's: generations and evaluations, or the policy and its compute budget in fidelity units), the
policy's key options as the run would run them (its rungs; options left at 0 read as what they stand for) and
who proposes the candidates (what ``auto`` would choose, or that the policy proposes them all). :func:`check_lines`
makes the backend's checks the run makes before its file exists (``sbatch --test-only``, slurm-array's refusal of
``launch = 'srun'`` on several ranks for a ``command`` simulator): a dry run is how a user learns what the run
would refuse.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from l2l.numbers import compute, number

#: The options :func:`policy_line` names for each policy (beside those the config gives): what decides how
#: many candidates start, how far they train and when they stop.
KEY_OPTIONS: dict[str, tuple[str, ...]] = {
    "successive-halving": ("eta", "brackets", "max_candidates"),
    "hyperband": ("eta", "brackets", "max_candidates"),
    "asha": ("eta", "max_candidates"),
    "median-stopping": ("eta", "min_trials", "grace", "max_candidates"),
    "model-based": ("eta", "brackets", "model", "repeats", "exploit_share", "endgame_results"),
    "pbt": ("population", "interval", "max_budget", "fraction", "selection", "explore", "synchronous"),
}
#: Options whose 0 means "not given" and is left out of the line when nothing gave it (a sweep's size).
_ZERO_UNSAID = ("max_candidates",)
#: Options the rungs already say (the lowest and the top rung), for every policy but ``pbt``.
_IN_RUNGS = ("min_budget", "max_budget")


def plan_lines(config: Any, components: Any, extent: str) -> list[str]:
    """The lines after ``config ... is valid``: ``would run: <extent>`` (``extent``: the banner's, see
    :func:`l2l.cli_banners.run_extent`), the policy's line (runs with a ``[policy]``) and what ``auto`` would choose."""
    lines = [f"would run: {extent}{_evaluations(config, components)}"]
    if components.policy is not None:
        lines.append(policy_line(config, components))
    chose = proposer_line(config, components)
    if chose:
        lines.append(chose)
    return lines


def check_lines(components: Any) -> tuple[list[str], Exception | None]:
    """The backend's checks before the run (:meth:`~l2l.jobs.base.Executor.pre_run_checks`, the very ones ``l2l
    run`` makes before creating its file): one ``checked: ...`` line each, and the refusal (None if none), which
    the caller raises once it has printed the plan (``l2l: error: ...``, exit status 2, as the run would end). A
    check that could not be made (no ``sbatch`` on this machine, or no answer) is said, not raised: a dry run on a
    laptop still prints the job script."""
    from l2l.errors import L2LError
    from l2l.jobs.slurm_common import SlurmError

    tell = getattr(components.executor, "_tell_chunks_with_target", None)  # the Dask backends'
    if callable(tell):  # the note l2l run prints as the executor starts (an explicit chunk_size > 1 kept with
        # run.target), from the one place that words it; the dry run said nothing of it
        components.executor.each_result = components.config.target is not None  # as loop.py sets it for the run
        tell()
    try:
        said = components.executor.pre_run_checks(components.simulator)
    except SlurmError as exc:  # not a refusal: no sbatch here (a laptop, to see the job script), or no answer
        if exc.refused:
            raise
        return [f"checked: not made (l2l run would stop here too): {exc.said or exc}"], None
    except L2LError as exc:
        return [f"checked: backend {components.executor.name!r}: l2l run would refuse this config before creating "
                f"its file (the error below)"], exc
    return [f"checked: {line}" for line in said], None


def policy_line(config: Any, components: Any) -> str:
    """``policy hyperband: eta = 3, brackets = 0 (...), rungs 1, 3, 9, 27, 81 <unit>``: the key options of the
    run's policy and those the config gives, each as the run would use it."""
    policy, name = components.policy, config.policy.name
    fidelity = components.fidelity
    unit = (getattr(fidelity, "unit", "") or getattr(fidelity, "name", "") or "budget units") if fidelity else ""
    fields = [f.name for f in dataclasses.fields(policy) if f.init]
    given = [key for key in config.policy.options if key in fields]
    keys = [key for key in (*KEY_OPTIONS.get(name, ()), *given) if key in fields]
    if name != "pbt":
        keys = [key for key in keys if key not in _IN_RUNGS]
    shown = []
    for key in dict.fromkeys(keys):  # in order, once
        value = getattr(policy, key)
        if key in _ZERO_UNSAID and not value and key not in given:
            continue
        shown.append(_resolved(key, value, components, policy))
    budgets = list(components.budgets)
    if name != "pbt" and budgets:
        shown.append(f"rungs {', '.join(number(b) for b in budgets)} {unit}")
    return f"policy {name}: " + ", ".join(shown)


def proposer(config: Any, components: Any) -> str:
    """Who proposes the candidates, for the line ``config ... is valid: <proposer> over 3 parameters``: the optimizer
    by name; ``auto (cmaes)``, what ``auto`` would choose; a policy that proposes them all itself (``model-based
    (optimizer 'auto' is not used)``), where the config's optimizer is never asked."""
    name = config.optimizer.name
    if _proposes(config, components):
        return f"{config.policy.name} (optimizer {name!r} is not used)"
    choose = getattr(components.optimizer, "choose", None)
    if callable(choose):
        try:  # a summary never fails on what it only names
            return f"{name} ({choose(components.problem)[0]})"
        except Exception:  # noqa: BLE001
            return name
    return name


def proposer_line(config: Any, components: Any) -> str:
    """What ``auto`` would choose and by which row of its table, as ``l2l run`` says it; '' for an optimizer named
    and where the policy proposes every candidate (:func:`proposer` says so)."""
    describe = getattr(components.optimizer, "describe", None)
    return describe(components.problem) if callable(describe) and not _proposes(config, components) else ""


def _proposes(config: Any, components: Any) -> bool:
    """True where the policy proposes every candidate (``model-based``; ``pbt``'s first population is drawn by the
    optimizer)."""
    return bool(getattr(components.policy, "proposes", False)) and config.policy.name != "pbt"


def _evaluations(config: Any, components: Any) -> str:
    """`` (480 evaluations: 32 a generation)`` after a run's generations where its generations bound it and the
    size of a generation is known; '' for a run with a policy (bounded by compute) or without generations."""
    if components.policy is not None or not config.generations:
        return ""
    per = _per_generation(components)
    if not per:
        return ""
    total = config.generations * per
    capped = f"; run.evaluations stops it at {config.evaluations}" if config.evaluations and \
        config.evaluations < total else ""
    return f" ({total} evaluation{'s' * (total != 1)}: {per} a generation{capped})"


def _per_generation(components: Any) -> int:
    """Evaluations in a generation: the asynchronous mode's ``population``, else the optimizer's population_size
    (``auto``'s: that of the optimizer it would choose); 0 where none is known."""
    per = getattr(components.schedule, "population", 0) or getattr(components.optimizer, "population_size", 0)
    choose = getattr(components.optimizer, "choose", None)
    if not per and callable(choose):
        try:  # a summary never fails on what it only counts
            name, options, _ = choose(components.problem)
            per = options.get("population_size") or getattr(components.optimizer._optimizer(name, options),
                                                            "population_size", 0)
        except Exception:  # noqa: BLE001
            per = 0
    return int(per) if isinstance(per, int) and not isinstance(per, bool) else 0


def _value(value: Any) -> str:
    """An option's value as a config spells it: ``3``, ``0.33``, ``true``, ``"parzen"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number(value)
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _resolved(key: str, value: Any, components: Any, policy: Any) -> str:
    """``key = value`` as the run would use it: an option left at 0 that stands for a number given as that number,
    with what it comes from in brackets (``endgame_results = 12 (left at 0: 2 x max(dimension 2 + 2, 6))``)."""
    budgets, fidelity = list(components.budgets), components.fidelity
    note = ""
    if key == "brackets" and not value:
        note = "no limit: until the run's budget is spent"
    elif key == "brackets":  # DEHB's run(brackets=...): the run ends after them, whatever run.compute is left
        note = f"the run ends after {'them' if value != 1 else 'it'}, sooner where its budget is spent"
    elif key == "endgame_results" and not value and hasattr(policy, "endgame_need"):
        dimension = components.problem.space.dimension
        value, note = policy.endgame_need(dimension), f"left at 0: 2 x max(dimension {dimension} + 2, 6)"
    elif key == "exploit_share" and value and hasattr(policy, "endgame_begins"):
        begins = policy.endgame_begins(components.compute)
        note = f"the endgame from compute {compute(begins)}" if begins is not None else ""
        if note and getattr(policy, "brackets", 0):  # brackets that end the run before then leave it out
            brackets = policy.brackets
            note += (f", unless the {brackets} bracket{'s' * (brackets != 1)} "
                     f"{'have' if brackets != 1 else 'has'} ended the run before")
    elif key == "grace" and not value:
        note = "none"
    elif key in ("interval", "max_budget") and budgets and fidelity is not None:
        top = budgets[-1]
        if key == "max_budget" and not value:
            value, note = top, f"left at 0: the simulator's {fidelity.name} maximum"
        elif key == "interval":
            interval = policy._interval(top, fidelity.integer)
            if not value:
                note = "left at 0: a tenth of max_budget" + ", in whole units" * bool(fidelity.integer)
            elif interval != value:
                note = f"{_value(value)} rounded to whole units"
            value = interval
    return f"{key} = {_value(value)}" + (f" ({note})" if note else "")

"""The warnings and refusals a new run's components earn before anything starts: compute that ends a policy run
before any candidate reaches the top budget (:func:`compute_short_of_top`), a Lamarckian run's target out of reach
(:func:`target_out_of_reach`), options a run would ignore or misuse (:func:`warn_options`), NEST threads beyond the
cores (:func:`threads_warning`)."""

from __future__ import annotations

import math
import os
import sys

from l2l import initial_points
from l2l.components import Components
from l2l.run_config import RunConfig
from l2l.run_options import penalty_warning
from l2l.numbers import at_least, compute as compute_text, number


def compute_short_of_top(components: Components) -> str:
    """Where the run's compute ends a policy run before the policy can start any segment to the top budget (its
    ``before_top``: the least it spends or commits first, exact for successive halving and hyperband, a lower
    bound for asha, whose promotions depend on the results), what is short and the compute that lets the first
    segment to the top start (for asha: the least that may); '' otherwise (and where the policy cannot tell)."""
    policy = components.policy
    before = getattr(policy, "before_top", None)
    if before is None or len(components.budgets) < 2:
        return ""
    # a python function without a checkpoint parameter trains every segment from scratch, at its whole budget
    # (counted so): the compute that lets a continuing run reach the top left this one short of it
    restarts = components.simulator.restarts()
    least = before(list(components.budgets), restarts=True) if restarts else before(list(components.budgets))
    compute = float(components.compute)
    if least is None or compute > least + 1e-9:
        return ""
    fidelity = components.simulator.fidelity()
    unit = fidelity.unit or fidelity.name
    enough = f"{number(math.floor(least + 1e-9) + 1)} or more" if fidelity.integer else f"more than {at_least(least)}"
    if hasattr(policy, "rungs") and hasattr(policy, "planned_compute"):  # pbt: one member at the top is not the run
        enough += (f" (run.compute = {at_least(policy.planned_compute(list(components.budgets)))} trains every member "
                   f"to the top)")
    bound = "" if getattr(policy, "before_top_exact", False) else "at least "
    how = " (every segment restarts: the function takes no checkpoint)" if restarts else ""
    return (f"run.compute = {compute_text(compute)} {unit} ends the run before policy "
            f"{components.config.policy.name!r} trains any candidate to the top budget "
            f"({number(components.budgets[-1])} {unit}): its first segment there starts only after "
            f"{bound}{number(least)} {unit} at the lower rungs{how}; give run.compute = {enough}")


def target_out_of_reach(config: RunConfig, components: Components, interval: float, *,
                         last_to_top: bool = True) -> str | None:
    """Why a Lamarckian run's target could never end it, or None: run.target counts only results at the simulator's
    top budget, and generations of ``interval`` units each that stop short of it (run.generations, or the
    generations run.evaluations leaves room for) leave every result below, so the run would end 'target not
    reached' whatever its values (a target there means 'stop once a candidate is good enough', which it cannot).
    ``last_to_top``: run.inherit = true's last generation trains to the top budget (False: a state stored by an
    l2l whose generations all trained the rounded share, which resumes so)."""
    fidelity = components.simulator.fidelity()
    size = getattr(components.optimizer, "population_size", None)
    counts = [int(config.generations)] if config.generations else []
    if config.evaluations and isinstance(size, int) and size > 0:
        counts.append(-(-int(config.evaluations) // size))  # generations started before the evaluations run out
    if not counts:
        return None  # run.max_time alone: as many generations as the time allows
    generations = min(counts)
    if config.inherit is True and last_to_top and config.generations and generations >= config.generations:
        return None  # all of run.generations run, and the last one trains what the rounded shares left
    reached = min(fidelity.maximum, generations * interval)
    if reached >= fidelity.maximum - 1e-9:
        return None
    unit = fidelity.unit or fidelity.name
    spread = (f"run.inherit = true's {generations} generations of {number(interval)} {unit} each (the top budget "
              f"spread over them, in whole {unit})" if config.inherit is True and fidelity.integer else
              f"{generations} generations of run.inherit = {number(interval)} {unit}")
    by_evaluations = generations != config.generations
    why = (f" (run.evaluations = {config.evaluations} leaves room for {generations} generations of {size})"
           if by_evaluations else "")
    if config.inherit is True and not last_to_top:  # a stored run goes on with the schedule it started with
        way = "start a new run (the last of its generations trains to the top budget)"
    elif config.inherit is True:  # run.evaluations ends it before its last generation, which trains to the top
        way = f"give run.evaluations = {config.generations * size} (all {config.generations} generations)"
    else:
        needed = math.ceil(fidelity.maximum / interval - 1e-9)
        way = (f"give run.evaluations = {needed * size}" if by_evaluations else f"give {needed} generations") + \
            " (or a larger run.inherit)"
    return (f"{config.target_from} counts only results at the simulator's top budget ({number(fidelity.maximum)} "
            f"{unit}), and {spread} train candidates to {number(reached)} at most{why}, so the run could never end at "
            f"its target; {way}, or leave the target out")


def warn_options(components: Components) -> None:
    """One warning line on stderr for options of the ``[policy]`` table that do nothing as given (the policy's
    ``config_warning``), one for a run.compute that ends the run before any candidate can reach the top budget
    (:func:`_compute_short_of_top`), else one for a ``hyperband`` run with room for its first bracket alone (its
    ``single_bracket_warning``): as a run starts from a config (``l2l run``, :func:`run`) and on
    ``l2l run --dry-run``."""
    first = initial_points.note(components.config)  # 'note: 3 initial points first (run.initial_points)'
    if first:
        print(first, file=sys.stderr)
    penalty = penalty_warning(components.config.penalty, components.problem.objectives)
    if penalty:
        print(penalty, file=sys.stderr)
    check = getattr(components.policy, "config_warning", None)
    text = check(components.config.policy.options) if check is not None else ""
    if text:
        print(text, file=sys.stderr)
    short = compute_short_of_top(components)
    if short:  # (the more telling line: a hyperband run so short has room for no bracket at all)
        print(f"l2l: warning: {short}", file=sys.stderr)
    single = getattr(components.policy, "single_bracket_warning", None)
    if single is not None and components.budgets and not short:  # one bracket only: successive halving
        fidelity = components.simulator.fidelity()
        text = single(list(components.budgets), float(components.compute), fidelity.unit or fidelity.name,
                      components.config.generations)
        if text:
            print(text, file=sys.stderr)
    threads = threads_warning(components)
    if threads:
        print(threads, file=sys.stderr)


def threads_warning(components: Components) -> str:
    """A warning line where a NEST simulator's ``threads`` (``nest``, ``lsm`` on engine ``nest``), times the workers of
    a ``local`` or ``serial`` run, asks more threads than this machine has cores: NEST's threads wait for each other
    spinning, so an evaluation slows many times over when they share cores (docs/simulators.md); '' otherwise.
    ``threads = 0`` gives each evaluation its worker's share, never more."""
    simulator, executor = components.simulator, components.executor
    threads = getattr(simulator, "threads", 0)
    if not isinstance(threads, int) or threads <= 1 or getattr(simulator, "engine", "nest") != "nest" \
            or executor.name not in ("local", "serial"):
        return ""
    cores = os.cpu_count() or 1
    workers = 1 if executor.name == "serial" else int(getattr(executor, "workers", 0) or cores)
    if threads * workers <= cores:
        return ""
    on = "the serial backend" if executor.name == "serial" else f"{workers} local worker{'s' * (workers != 1)}"
    return (f"l2l: warning: [simulator] threads = {threads} on {on} asks {threads * workers} threads of this "
            f"machine's {cores} core{'s' * (cores != 1)}: NEST's threads wait for each other spinning when they share "
            f"cores, which slows every evaluation many times over; keep workers x threads at most {cores} (threads = 0 "
            f"gives each evaluation its worker's share)")

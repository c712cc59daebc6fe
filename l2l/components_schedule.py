"""The schedule of a run that trains its candidates to budgets, and its cross-checks.

:func:`policy_schedule` makes the ``[policy]`` table's scheduling policy and checks it against the simulator's
fidelity, the space, the objectives and the optimizer (its rungs, its compute budget; a plug-in policy is
:func:`_guarded`); :func:`inherit_interval` checks ``run.inherit`` (Lamarckian generations). Each refusal is a
:class:`~l2l.errors.ConfigError` before any work; :func:`l2l.components.build` asks them.
"""

from __future__ import annotations

import math
from dataclasses import replace

from l2l.run_config import RunConfig
from l2l.errors import ConfigError
from l2l.numbers import at_least, at_most, compute as compute_text, number
from l2l.optimizers import OPTIMIZERS, Optimizer, Problem
from l2l.simulators import SIMULATORS, Simulator


def _refuse_column_names(problem: Problem, lineage: tuple[str, ...] = ()) -> None:
    """ConfigError if a parameter or objective of a multi-fidelity run (a [policy], run.inherit) is named like a
    column its results add beside them (:data:`SEGMENT_VIEW`; ``lineage``: those of :func:`l2l.lineage`, ``member``
    in a PBT run), which would overwrite the user's column in l2l.load and the tables."""
    from l2l.results_schema.layout import SEGMENT_VIEW

    names = (*SEGMENT_VIEW, *lineage)
    clash = sorted(set(names) & ({*problem.space.names} | {o.name for o in problem.objectives}))
    if clash:
        raise ConfigError(f"{clash[0]!r} names a column of multi-fidelity results ({', '.join(names)}); "
                          f"rename the parameter or objective")


def _restarts_why(simulator: Simulator) -> tuple[str, str]:
    """Why every segment of ``simulator`` trains from scratch, and how to continue instead (a refusal's words)."""
    function = getattr(simulator, "function", None)  # a config's python function by name, or the function
    name = function if isinstance(function, str) and function else getattr(function, "__qualname__", None)
    if name:
        return f"{name} takes no 'checkpoint' argument", "accept checkpoint=None and return one"
    return (f"simulator {simulator.name!r} restarts every segment (its restarts())",  # a plug-in that says so
            "continue from the checkpoint run_to receives")


def inherit_interval(config: RunConfig, simulator: Simulator, problem: Problem, resumed: bool = False) -> float:
    """The fidelity units each generation of a Lamarckian run trains on (0: not Lamarckian). A number of units
    the simulator does not train to (a fraction of whole epochs, less than its least budget) is refused in one
    line: it was rounded without a word (run.inherit = 0.5 or 1e-300 trained 1 epoch a generation, 2.5 trained 2);
    a stored run (``resumed``) goes on as it ran."""
    if not config.inherit:
        return 0.0
    _refuse_column_names(problem)  # its rows are segments too (trial, budget, parent, state)
    if config.mode != "generational":
        raise ConfigError("run.inherit needs run.mode = 'generational': candidates inherit from the previous "
                          "generation")
    if not resumed and config.optimizer.options.get("evaluate_copies") is False:
        # A copy under inherit trains its parent's network on to the generation's budget: its known score was
        # of a lower budget, and the network it names stopped training (an elite of generation 0 stayed at it).
        raise ConfigError("optimizer 'ga': evaluate_copies = false and run.inherit exclude each other: under "
                          "run.inherit a copy of a known point trains its parent's network on to a higher budget, "
                          "so its known score is of a lower one; leave evaluate_copies out (true)")
    fidelity = simulator.fidelity()
    if fidelity is None:
        raise ConfigError(f"run.inherit continues candidates from their parents' checkpoints, so it needs a "
                          f"simulator with a fidelity; {config.simulator.name!r} has none")
    if simulator.restarts():  # every generation would train from scratch: nothing to inherit
        why, how = _restarts_why(simulator)
        raise ConfigError(f"run.inherit continues each candidate from its parent's checkpoint; {why}, so every "
                          f"generation would train from scratch and inherit nothing: {how} "
                          f"(docs/coming_from_l2l.md#a-stateful-optimizee)")
    if config.inherit is True:
        if not config.generations:
            raise ConfigError("run.inherit = true spreads the top budget over run.generations; set "
                              "run.generations, or give run.inherit as a number of fidelity units")
        interval = fidelity.maximum / config.generations
    else:
        interval = float(config.inherit)
        whole = not fidelity.integer or interval.is_integer()
        if not resumed and (not whole or interval < fidelity.minimum):
            unit, least, top = fidelity.unit, number(fidelity.minimum), number(fidelity.maximum)
            raise ConfigError(f"run.inherit = {number(interval)} {unit} a generation is no budget the simulator "
                              f"trains to: " + (f"its {unit} are whole numbers from {least}" if fidelity.integer
                                                else f"its least budget is {least} {unit}")
                              + f"; give {'a whole number' if fidelity.integer else 'a number'} from {least} to "
                              f"{top}, or true (the top budget / run.generations)")
    if fidelity.integer:
        interval = float(max(1, round(interval)))
    return max(interval, fidelity.minimum)


def policy_schedule(config: RunConfig, problem: Problem, optimizer: Optimizer, simulator: Simulator):
    """The policy of a multi-fidelity run, its rungs and its compute budget; ConfigError if they cannot work."""
    from l2l.policies import POLICIES, rung_budgets

    policy = POLICIES.create(config.policy.name, config.policy.options)
    # A plug-in policy that subclasses Policy itself has no rungs to run on (an AttributeError further down, before)
    needs = ("max_budget",) + (() if hasattr(policy, "rungs") else ("eta",))
    missing = [name for name in needs if not hasattr(policy, name)]
    if missing:
        kind = type(policy)
        raise ConfigError(f"policy {config.policy.name!r} ({kind.__module__}.{kind.__qualname__}) has no "
                          f"{missing[0]}: a policy schedules on rungs between min_budget and max_budget a factor eta "
                          f"apart; subclass l2l.policies.base.RungPolicy, which gives it these options "
                          f"(docs/multifidelity.md#your-own-policy-a-plug-in)")
    if config.mode != "generational":
        raise ConfigError(f"run.mode = {config.mode!r} and a [policy] table exclude each other: the policy "
                          f"{config.policy.name!r} schedules the evaluations")
    fidelity = simulator.fidelity()
    if fidelity is None:
        with_fidelity = [n for n in SIMULATORS.names() if _has_fidelity(n) and n != config.simulator.name]
        switch = getattr(simulator, "multi_fidelity", None)  # a benchmark function's flag, or a declared fidelity
        give = ("" if not getattr(simulator, "fidelity_variant", True) else  # (zdt1: no such variant)
                "set multi_fidelity = true in [simulator], or " if isinstance(switch, bool) else
                "declare one with a multi_fidelity table in [simulator], or " if switch is not None else "")
        raise ConfigError(f"policy {config.policy.name!r} trains candidates to growing budgets, so it needs a "
                          f"simulator with a fidelity; {config.simulator.name!r} has none ({give}use one of: "
                          f"{', '.join(with_fidelity)})")
    _refuse_column_names(problem, ("member",) if config.policy.name == "pbt" else ())
    if len(problem.objectives) > 1:
        names = [o.name for o in problem.objectives]
        raise ConfigError(f"policy {config.policy.name!r} ranks candidates by one objective; the run has "
                          f"{len(names)}: {names}; keep only the one to rank by in [[objectives]] (e.g. "
                          f"{names[0]!r}: the simulator's other values are stored as metrics), or remove the "
                          f"[policy] table to search for the front (nsga2, nsga3, motpe)")
    if policy.proposes:
        problem.space.require_bounded(f"policy {config.policy.name!r}")
    _check_untold(config, optimizer, policy)
    unknown = [name for name in getattr(policy, "keep", ()) if name not in problem.space.names]
    if unknown:
        raise ConfigError(f"policy {config.policy.name!r}: keep names {unknown[0]!r}, which is no parameter of the "
                          f"space ({', '.join(problem.space.names)})")
    low = getattr(policy, "min_budget", 0.0) or fidelity.minimum
    high = policy.max_budget or fidelity.maximum
    for key, value in (("min_budget", low), ("max_budget", high)):
        if not fidelity.minimum <= value <= fidelity.maximum:
            raise ConfigError(f"policy {config.policy.name!r}: {key} = {number(value)} is outside the simulator's "
                              f"{fidelity.name} range [{number(fidelity.minimum)}, {number(fidelity.maximum)}]")
    if fidelity.integer and high != round(high):  # the top budget itself: rounding it would train to another one
        whole = [b for b in (math.floor(high), math.ceil(high)) if fidelity.minimum <= b <= fidelity.maximum]
        raise ConfigError(f"policy {config.policy.name!r}: max_budget = {number(high)} is not a whole number, but the "
                          f"simulator's fidelity ({fidelity.name}) counts whole {fidelity.unit or fidelity.name}: give "
                          f"{' or '.join(number(b) for b in whole)}")
    if fidelity.integer and low != round(low) and low <= high and hasattr(policy, "eta") \
            and not hasattr(policy, "rungs"):  # the rungs go down from the top by eta and round: 1.5 said nothing
        whole = [b for b in (max(1, math.floor(low)), math.ceil(low)) if fidelity.minimum <= b <= high]
        ways = []
        for b in dict.fromkeys(whole):
            try:
                ways.append(f"{number(b)} (rungs {', '.join(number(r) for r in rung_budgets(b, high, policy.eta))})")
            except ConfigError:
                ways.append(number(b))
        raise ConfigError(f"policy {config.policy.name!r}: min_budget = {number(low)} is not a whole number, but the "
                          f"simulator's fidelity ({fidelity.name}) counts whole {fidelity.unit or fidelity.name}: give "
                          f"{' or '.join(ways)}")
    if low > high:
        raise ConfigError(f"policy {config.policy.name!r}: min_budget <= max_budget must hold, got "
                          f"(min_budget={number(low)}, max_budget={number(high)})")
    for key in ("interval", "burn_in"):  # population-based training: decisions inside the training
        value = float(getattr(policy, key, 0.0) or 0.0)
        if value > high:
            most = high
            if key == "burn_in" and hasattr(policy, "rungs"):  # a burn-in past the last decision is refused too
                decisions = policy.rungs(low, high, fidelity.integer)[:-1]
                most = decisions[-1] if decisions else high
            raise ConfigError(f"policy {config.policy.name!r}: {key} = {number(value)} is above max_budget = "
                              f"{number(high)} (the {fidelity.name} every member trains to); set it to at most "
                              f"{at_most(most)}")
    if hasattr(policy, "rungs"):  # population-based training: one rung per interval
        if simulator.restarts():  # every segment would restart: nothing to continue or copy
            why, how = _restarts_why(simulator)
            raise ConfigError(f"policy {config.policy.name!r} continues each member from its checkpoint and "
                              f"copies the best members' checkpoints; {why}, so every segment would train from "
                              f"scratch and an exploit would copy nothing: {how} (docs/multifidelity_simulators.md)")
        interval = float(getattr(policy, "interval", 0.0) or 0.0)
        if fidelity.integer and 0 < interval < 1:  # no fraction of a unit to stop at; run as 1, a segment per unit
            default = replace(policy, interval=0.0)._interval(high, True)
            raise ConfigError(f"policy {config.policy.name!r}: interval = {number(interval)} is below 1, the smallest "
                              f"interval of the simulator's {fidelity.name} (whole {fidelity.unit or fidelity.name}): "
                              f"give interval = 1 or more (or leave it out: a tenth of max_budget, {number(default)})")
        budgets = tuple(policy.rungs(low, high, fidelity.integer))
        if len(budgets) == 1:  # no member is ever compared with another
            raise ConfigError(policy.one_interval(low, high, fidelity))
        burn_in = float(getattr(policy, "burn_in", 0.0) or 0.0)
        if burn_in > budgets[-2]:  # every decision falls inside the burn-in: nothing is ever exploited
            raise ConfigError(f"policy {config.policy.name!r}: burn_in = {number(burn_in)} is past the last decision "
                              f"(at {number(budgets[-2])} of max_budget {number(high)}), so no member is ever "
                              f"exploited; give a burn_in of at most {at_most(budgets[-2])}")
    else:
        try:
            budgets = tuple(rung_budgets(low, high, policy.eta, fidelity.integer))
        except ConfigError as exc:  # too many rungs: said of the policy the config names
            raise ConfigError(f"policy {config.policy.name!r}: {exc}") from None
        if len(budgets) == 1 and not policy.proposes:
            raise ConfigError(one_rung(policy, low, high, fidelity))
        grace = float(getattr(policy, "grace", 0.0) or 0.0)  # median stopping: no stop below it
        if len(budgets) > 1 and grace > budgets[-2] * (1 + 1e-9):  # every candidate would train to the top budget
            raise ConfigError(f"policy {config.policy.name!r}: grace = {number(grace)} is past the last rung below "
                              f"the top budget (rungs {', '.join(number(b) for b in budgets)} "
                              f"{fidelity.unit or fidelity.name}), so no candidate would be stopped early; give a "
                              f"grace of at most {at_most(budgets[-2])}")
    planned = getattr(policy, "planned_compute", None)
    compute = config.compute or (planned(budgets) if planned else 100.0 * budgets[-1])
    first = float(getattr(policy, "population", 0)) * budgets[0] if hasattr(policy, "rungs") else 0.0
    if config.compute and config.compute <= first:  # PBT: spent before a member is ever compared with another
        raise ComputeFloor(config.compute, first, planned(budgets), fidelity.integer,
                           f"ends the run before policy {config.policy.name!r} compares its members: their first "
                           f"interval costs {policy.population} x {number(budgets[0])} = {compute_text(first)} "
                           f"{fidelity.unit or fidelity.name}")
    return _guarded(policy, budgets, problem.space.dimension, config.seed), budgets, compute


def _guarded(policy, budgets, dimension, seed):
    """A plug-in policy (one not defined in l2l) whose ``init``, ``next``, ``launched`` and ``report`` are checked as
    the loop calls them: a method that raises, returns what the loop cannot run (no (Action, dict) pair, a budget
    that is no rung, a continue of a trial that is missing, running, failed or already at that budget) or changes
    the state it received in place (an append, a pop, a key set: :func:`l2l.config_policy.kept_in_place`), ends
    the run in one line naming the policy and the mistake, exit status 2 (was: a traceback, a run that never
    ended, or a file whose states came apart). Its ``init`` is asked once here, before the run creates its file,
    so that an init that raises or returns a state the run cannot store (a numpy generator) is refused with nothing
    created (was: a file left 'interrupted', or a traceback at the first commit); the states the other methods
    return are checked where a commit stores them (:func:`l2l.config_policy.unstorable`).

    The policy becomes an instance of a subclass of its class, named as it is, whose methods check (so that a
    class with ``__slots__``, whose instances take no attributes, is guarded too); l2l's own policies are returned
    as they are (the contract suite checks them)."""
    from l2l.config_policy import checked_next, kept_in_place, layout, plug_in, raised
    from l2l.results_schema.codec import check as storable

    if not plug_in(policy):
        return policy
    cls = type(policy)
    rungs = tuple(float(b) for b in budgets)

    def call(self, method, *args):
        try:
            return getattr(cls, method)(self, *args)
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001 - the plug-in's own mistake, said in one line
            raise raised(self, method, exc) from exc

    def stated(self, method, state):
        if not isinstance(state, dict):
            raise ConfigError(f"policy {self.name!r} ({cls.__module__}.{cls.__qualname__}): {method} returned "
                              f"{type(state).__name__} as its state, not a dict "
                              f"(docs/multifidelity.md#your-own-policy-a-plug-in)")
        return state

    def changing(self, method, state, *args):  # the state returned, the one received checked to be as it was
        before = layout(state) if isinstance(state, dict) else None
        answer = call(self, method, state, *args)
        if before is not None:
            kept_in_place(self, method, state, before)
        return answer

    class Guarded(cls):
        __slots__ = ()

        def init(self, budgets, dimension, seed):  # the state every commit stores: JSON-able (checked once, here)
            state = stated(self, "init", call(self, "init", budgets, dimension, seed))
            try:
                storable(state)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"policy {self.name!r} ({cls.__module__}.{cls.__qualname__}): init returned a "
                                  f"state the run cannot store ({exc}): keep numbers, strings, lists and dicts "
                                  f"with string keys (a generator's rng.bit_generator.state, not the generator; "
                                  f"docs/multifidelity.md#your-own-policy-a-plug-in)") from None
            return state

        def next(self, state, trials):
            return checked_next(self, changing(self, "next", state, trials), trials, rungs)

        def launched(self, state, trial, budget):
            return stated(self, "launched", changing(self, "launched", state, trial, budget))

        def report(self, state, trials, trial, budget, score):
            return stated(self, "report", changing(self, "report", state, trials, trial, budget, score))

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):  # messages and repr name the class
        setattr(Guarded, attribute, getattr(cls, attribute))
    try:
        object.__setattr__(policy, "__class__", Guarded)
    except TypeError:  # a layout the subclass cannot take over (none known): run unchecked, as before
        return policy
    policy.init([float(b) for b in budgets], dimension, seed)
    return policy


class ComputeFloor(ConfigError):
    """A run.compute that PBT's first interval spends (``floor``: population x interval, or less), so no member
    would ever be compared. Its message names run.compute; ``l2l resume`` words it for its ``--compute``
    (a file an older l2l ran stores such a compute)."""

    def __init__(self, compute: float, floor: float, default: float, integer: bool, why: str) -> None:
        self.compute, self.floor, self.default, self.integer, self.why = compute, floor, default, integer, why
        super().__init__(f"run.compute = {compute_text(compute)} {why}; give more (the default, "
                         f"{compute_text(default)}, trains every member to the top)")

    def least(self, spent: float = 0.0) -> float:
        """The smallest compute that lets the population be compared (and is above ``spent``): a whole unit
        more for an integer fidelity, else the floor itself (any compute above it)."""
        return math.floor(max(self.floor, spent)) + 1.0 if self.integer else max(self.floor, spent)


def policy_refusal(policy, optimizer) -> str | None:
    """Why ``optimizer`` (an optimizer instance or class) cannot search under ``policy`` whatever its options,
    or None. The refusal and the optimizers it offers instead (:func:`usable_optimizers`) both come from here.

    The loop tells the optimizer only candidates that reach the top budget; stopped ones (and, under a policy
    that proposes candidates itself, all of them) are never told.
    """
    if not policy.proposes and not optimizer.supports_async:
        return (f"policy {policy.name!r} asks for one new candidate at a time; optimizer {optimizer.name!r} "
                f"cannot")
    if getattr(optimizer, "untold_limit", None) is not None and policy.untold_asks() is None:
        limit = optimizer.untold_limit
        keeps = f"num_workers = {int(limit())}" if not isinstance(optimizer, type) else "num_workers"
        return (f"optimizer {optimizer.name!r} keeps at most {keeps} candidates asked and not told, and policy "
                f"{policy.name!r} never tells the candidates it stops before the top budget")
    return None


def usable_optimizers(policy) -> list[str]:
    """The registered optimizers that :func:`policy_refusal` lets search under ``policy``."""
    return [name for name in OPTIMIZERS.names() if _usable(policy, name)]


def _usable(policy, name: str) -> bool:
    try:
        return policy_refusal(policy, OPTIMIZERS.get(name)) is None
    except Exception:  # noqa: BLE001 - a broken plugin must not break the message
        return False


def one_rung(policy, low: float, high: float, fidelity, consequence: str = "nothing would be stopped early;") -> str:
    """Why the rungs between ``low`` and ``high`` (factor ``policy.eta``) are only one, and what gives two.

    Refused for the halving and stopping policies, which decide only at the rungs below the top: with one,
    every candidate trains to the top budget (a plain sweep that calls itself early stopping). A policy that
    proposes its candidates itself (``model-based``) is then a model-based search at the top budget, what it
    turns into anyway where low budgets mislead: allowed, and said by ``l2l run`` as it starts.
    """
    from l2l.policies import rung_budgets

    def two(lo: float, hi: float, eta: float) -> bool:  # lo is 0 where high / eta underflows (eta = inf, 1e308)
        return 0 < lo <= hi and len(rung_budgets(lo, hi, eta, fidelity.integer)) > 1

    eta, unit = policy.eta, fidelity.unit or fidelity.name
    down, up = (lambda x: math.floor(x * 1000 + 1e-6) / 1000), (lambda x: math.ceil(x * 1000 - 1e-6) / 1000)
    lowest = down(high / eta)  # shown rounded, so rounded the way that still gives two rungs
    if fidelity.integer:  # a min_budget of whole units (one of 3.5 is refused)
        lowest = float(math.floor(lowest))
    if not two(lowest, high, eta):  # whole budgets: the lowest rung rounds up to the top one
        lowest = next((float(b) for b in range(math.floor(lowest), 0, -1) if two(b, high, eta)), 0.0)
    ways = []
    if lowest >= fidelity.minimum and two(lowest, high, eta):
        ways.append(f"lower min_budget to at most {at_most(lowest)}")
    if high > low and down(high / low) > 1 and two(low, high, down(high / low)):
        ways.append(f"lower eta to at most {at_most(down(high / low))}")
    highest = low * eta if not math.isfinite(low * eta) else \
        math.ceil(low * eta - 1e-9) if fidelity.integer else up(low * eta)  # a whole top budget if so counted
    if highest <= fidelity.maximum and two(low, highest, eta):
        ways.append(f"raise max_budget to at least {at_least(highest)}")
    fix = ", or ".join(ways) if ways else f"widen the simulator's {fidelity.name} range"
    low_from = "" if policy.min_budget else f" (the simulator's {fidelity.name} minimum)"
    high_from = "" if policy.max_budget else f" (the simulator's {fidelity.name} maximum)"
    return (f"policy {policy.name!r}: min_budget {number(low)}{low_from} and max_budget {number(high)}{high_from} "
            f"with eta {number(eta)} give one rung ({number(high)} {unit}): {consequence} {fix}")


def _check_untold(config: RunConfig, optimizer: Optimizer, policy) -> None:
    """Refuse an optimizer that cannot search under ``policy`` (:func:`policy_refusal`), naming those that can,
    and one that keeps fewer candidates asked and untold than the policy leaves (until num_workers is raised)."""
    why = policy_refusal(policy, optimizer)
    if why is not None:
        raise ConfigError(f"{why}; use one of: {', '.join(usable_optimizers(policy))}")
    limit = getattr(optimizer, "untold_limit", None)
    if limit is None:
        return
    limit = int(limit())
    asked = policy.untold_asks()
    if asked is not None and asked > limit:
        raise ConfigError(f"optimizer {optimizer.name!r} keeps at most num_workers = {limit} candidates asked "
                          f"and not told, and policy {policy.name!r} asks {asked} and tells none; set [optimizer] "
                          f"num_workers = {asked} (or use random)")


def _has_fidelity(name: str) -> bool:
    try:
        cls = SIMULATORS.get(name)
        return (cls.fidelity is not Simulator.fidelity and name not in ("python", "command")
                and getattr(cls, "fidelity_variant", True))
    except Exception:  # noqa: BLE001 - a broken plugin must not break the message
        return False

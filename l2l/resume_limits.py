"""What a resume may still run: the budgets given to ``l2l resume`` held against what the run has done
(:func:`check_raised`), and why a run has nothing more to run whatever is raised (its run.target reached, its
policy's work done, another budget used up), the least compute that lets a PBT run go on, and the budgets a config
file raises that ``l2l resume`` must be told. :mod:`l2l.loop` asks these before any worker starts."""

from __future__ import annotations

import math
from typing import Any

from l2l.components_schedule import ComputeFloor
from l2l.run_config import RunConfig
from l2l.errors import ConfigError
from l2l.numbers import at_least, compute as compute_text, exact, number
from l2l.results_schema.reader import Trajectory
from l2l.words import Placeholder, call, option


def resume_budgets(stored: RunConfig, config: RunConfig) -> dict[str, Placeholder]:
    """The ``l2l resume`` options that give the stored run ``config``'s budgets where they differ: l2l resume runs
    the stored config, so a budget raised in the config file (say run.compute) would be left out unless named."""
    options = [("compute", stored.compute, config.compute), ("evaluations", stored.evaluations, config.evaluations),
               ("max_time", stored.max_time, config.max_time)]
    if config.policy is None:  # a run with a [policy] refuses --generations: its sweep is fixed once it started
        options.append(("generations", stored.generations, config.generations))
    return {name: Placeholder(exact(new)) for name, old, new in options if new and new != old}


def used_up(config: RunConfig, state: dict[str, Any], trajectory: Trajectory) -> str | None:
    """Why the finished run of ``config`` has nothing more to run whatever its budgets (its policy's work is
    complete), in words; None if it has, or has no policy. Decided from the stored state, before any worker
    starts."""
    if config.policy is None or state["loop"].get("in_flight"):
        return None
    from l2l.driver import nothing_left
    from l2l.policies import POLICIES, TrialTable

    policy = POLICIES.create(config.policy.name, config.policy.options)
    loop, space = state["loop"], trajectory.space
    table = TrialTable({k: dict(v) for k, v in state["trials"].items()}, space.to_unit, dict(loop), space)
    if not nothing_left(policy, state.get("policy"), table):
        return None
    name, key = config.policy.name, getattr(policy, "sweep_option", "max_candidates")
    candidates = int(getattr(policy, key, 0) or 0)
    # the stored config keeps the policy's options only: a one-line sweep's run.generations x population_size
    # and a [policy] table's own count read the same, so both are named
    more = f"a larger [policy] {key} (more run.generations in a one-line sweep)"
    if key == "population" and candidates:
        return (f"all {candidates} members of policy {name!r} were trained to the top budget; the population "
                f"([policy] population = {candidates}; run.generations x population_size in a one-line sweep) is "
                f"fixed when the run starts: for more, start a new run with {more}")
    if candidates and int(loop.get("next_trial", 0)) >= candidates:
        return (f"all {candidates} candidates of the sweep were evaluated (completed or stopped by policy "
                f"{name!r}); their number ([policy] {key} = {candidates}; run.generations x population_size in a "
                f"one-line sweep) is fixed when the run starts: for more, start a new run with {more}")
    options = ", ".join(f"{k} = {v}" for k, v in config.policy.options.items())
    return f"policy {name!r} has done all its work ({options}), so more compute runs nothing"


def target_reached(trajectory: Trajectory) -> str | None:
    """Why a run that ended by reaching its run.target has nothing more to run, whatever budget is raised; None
    if it did not end so."""
    from l2l.summary.text import reached_line

    line = reached_line(trajectory)
    if not line:
        return None
    return f"its {line.replace('target', 'run.target', 1).replace(' reached by', ' was reached by', 1)}; for more, " \
           f"start a new run"


def resume_floor(exc: ComputeFloor, path: Any, given: float | None, state: dict[str, Any] | None,
                  function: bool | str = False) -> str:
    """Why a resume's compute (``--compute``, else the one the file stores: an l2l before the floor let a run
    start with it) cannot run PBT, and the ``l2l resume`` command with the least compute that can."""
    spent = float(state["loop"].get("compute", 0.0)) if state is not None else 0.0
    least = exc.least(spent)
    what = option("compute", Placeholder(exact(exc.compute))) if given is not None else \
        f"its run.compute = {compute_text(exc.compute)} (an earlier l2l started the run with it)"
    fix = f"at least {number(least)}: {call('resume', path, compute=Placeholder(number(least)), function=function)}" \
        if exc.integer else \
        f"more than {at_least(least)}: {call('resume', path, compute=Placeholder('N'), function=function)} with N " \
        f"above {at_least(least)}"
    return f"{what} {exc.why}; give {fix} ({option('compute', Placeholder(at_least(exc.default)))} trains every " \
           f"member to the top)"


def compute_unit(trajectory: Trajectory) -> str:
    """What the compute of ``trajectory``'s run counts, as its fidelity says it (``epochs``); "compute units" for a
    file that stores none."""
    fidelity = trajectory.run.get("fidelity")
    unit = (fidelity.get("unit") or fidelity.get("name")) if isinstance(fidelity, dict) else None
    return str(unit) if unit else "compute units"


def still_reached(config: RunConfig, loop: dict[str, Any], unit: str = "compute units") -> str | None:
    """Why a finished run given a higher budget still has nothing to run: another of its budgets, not given
    (or given no higher), is reached already (``l2l resume --evaluations 600`` of a run that ended at its 15
    generations); None if every budget leaves room."""
    reached = []  # (what, its option, whether a singular verb goes with it alone)
    if config.policy is None and config.generations and loop.get("generation", 0) >= config.generations:
        reached.append((f"{config.generations} generation{'s' * (config.generations != 1)} (run.generations)",
                        option("generations"), config.generations == 1))
    if config.policy is not None and config.compute and loop.get("compute", 0.0) >= config.compute:
        reached.append((f"{compute_text(config.compute)} {unit} of compute (run.compute)", option("compute"), False))
    if config.evaluations and loop.get("evaluations", 0) >= config.evaluations:
        reached.append((f"{config.evaluations} evaluation{'s' * (config.evaluations != 1)} (run.evaluations)",
                        option("evaluations"), config.evaluations == 1))
    if config.max_time and loop.get("elapsed", 0.0) >= config.max_time:
        reached.append((f"{number(config.max_time)} s of run time (run.max_time)", option("max_time"), True))
    if not reached:
        return None
    what = " and ".join(text for text, _, _ in reached)
    options = " and ".join(option for _, option, _ in reached)
    return f"its {what} {'is' if len(reached) == 1 and reached[0][2] else 'are'} used up: raise {options} too"


def raised_earlier(trajectory: Trajectory, stored: RunConfig) -> dict[str, float]:
    """The budgets the last ``resumed`` event ran toward where they differ from the stored config's (each
    resume records them); {} if the run was never resumed."""
    import json

    events = trajectory.events()
    resumed = events[events["kind"] == "resumed"]
    if not len(resumed):
        return {}
    try:
        detail = json.loads(resumed["detail"].iloc[-1])
    except (TypeError, ValueError):
        return {}
    keys = ("compute",) if stored.policy is not None else ("generations",)
    out = {}
    for key in (*keys, "evaluations", "max_time"):
        value = detail.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 \
                and value != getattr(stored, key):
            out[key] = int(value) if key in ("generations", "evaluations") else float(value)
    return out


def switched_earlier(trajectory: Trajectory) -> int | None:
    """The run.stop_after_failures the last ``resumed`` event ran with (``--stop-after-failures``, or the config's),
    None if it recorded none or the run was never resumed."""
    import json

    events = trajectory.events()
    resumed = events[events["kind"] == "resumed"]
    if not len(resumed):
        return None
    try:
        value = json.loads(resumed["detail"].iloc[-1]).get("stop_after_failures")
    except (TypeError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def failed_to_redo(trajectory: Trajectory) -> bool:
    """True where the run's last session stopped for run.stop_after_failures: a generational run then drops the rows
    of the generation it stopped in the middle of (an N not a multiple of the population), all failed (none of the
    run ever succeeded), and evaluates its members again. Those failures are the model's that the stop asked to fix,
    not results of the model the run goes on with; a killed run's failed rows are reused (its model is the same),
    as are the whole generations committed before the stop (the optimizer was told them). A resume that did not fix
    the model fails them again, counted in its own N; the default N falls between two generations, leaving none."""
    from l2l.driver_failures import stopped_for_failures

    return stopped_for_failures(trajectory) is not None


def raises(loop: dict[str, Any], **limits: float | None) -> bool:
    """True if a budget given to resume lies beyond what the run has done (see :func:`check_raised`)."""
    done = {"generations": loop.get("generation", 0), "evaluations": loop.get("evaluations", 0),
            "compute": loop.get("compute", 0.0), "max_time": loop.get("elapsed", 0.0)}
    return any(value is not None and float(value) > float(done[key]) for key, value in limits.items())


def check_raised(loop: dict[str, Any], ended: bool, unit: str = "compute units", **limits: float | None) -> None:
    """A budget given to resume may not be below what a run that ended has done already (it would read,
    say, '8 of 3 generations' for good). A killed run (no event after its start) may be given any budget:
    the resume then ends it where it stands (its finished event, its re-evaluation); so may the budget a
    run has reached (a finished run: nothing runs).
    """
    done = {"generations": (loop.get("generation", 0), "generations"),
            "evaluations": (loop.get("evaluations", 0), "evaluations"),
            "compute": (loop.get("compute", 0.0), f"{unit} spent"),  # the fidelity's unit: epochs
            "max_time": (loop.get("elapsed", 0.0), "seconds of run time used")}
    for key, value in limits.items():
        if value is None:
            continue
        have, what = done[key]
        if ended and float(value) < float(have):
            if key == "max_time":  # to 0.1 s, 0.04 s read '0.0 ... must be at least 0.0' with --max-time 0 refused
                shown, least = _figure(float(have)), _at_least(float(have))
            else:
                shown = least = number(have)
                if float(least) < float(have):  # 6 significant digits, rounded down: the figure in full
                    least = repr(float(have))
            raise ConfigError(f"the run has {shown} {what} already; {option(key)} must be at least {least}")


def _figure(value: float) -> str:
    """``value`` as a message gives it: one decimal place from 1 up, three significant digits below."""
    return f"{value:.1f}" if value >= 1 or value == 0 else f"{value:.3g}"


def _at_least(value: float) -> str:
    """The least figure a message asks for in place of ``value`` (>= 0): as :func:`_figure` writes it, rounded
    up, so that the figure given back is not refused again (0.0123 -> '0.013', 12.04 -> '12.1')."""
    if value <= 0:
        return "0"
    places = 1 if value >= 0.1 else 1 - math.floor(math.log10(value))  # two significant digits below 0.1
    text = f"{math.ceil(round(value * 10 ** places, 6)) / 10 ** places:.{places}f}"
    return text if float(text) >= value else repr(value)

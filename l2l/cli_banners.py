"""What ``l2l run`` and ``l2l resume`` say first: which run, what proposes its candidates, how far it goes (its
policy's compute or its generations, the other limits, run.target) and where it goes on; ``l2l resume``'s words for
a finished run it has nothing to run for."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from l2l import __version__
from l2l.errors import shown
from l2l.numbers import number


def proposes(policy: str | None) -> bool:
    """True if ``policy`` proposes every candidate itself (``model-based``; ``pbt``'s first population is the
    optimizer's): the banners of ``l2l run`` and ``l2l resume`` then name it, not the optimizer, before the
    simulator, as ``l2l show``, ``l2l watch`` and the report do (a model-based run's read 'auto x sphere', an
    optimizer the run never asks)."""
    if not policy or policy == "pbt":
        return False
    from l2l.policies import POLICIES

    try:
        return bool(getattr(POLICIES.get(policy), "proposes", False))
    except Exception:  # noqa: BLE001 - a policy this version does not know: named with the optimizer
        return False



def run_extent(config, components) -> str:
    """How far the run goes, as its banner (and ``--dry-run``) says it: the policy and its compute budget in
    fidelity units (``policy hyperband, compute 1920 training iterations``), or the generations; with the other
    limits given (``at most 10 segments``, ``at most 3600 s``)."""
    if components.policy is not None:  # run.evaluations caps segments (each continuation is an evaluation)
        candidates = config.policy.options.get("max_candidates")  # a sweep's: run.generations x population_size
        limits = [(f"{_count(candidates, 'candidate')}, compute at most " if candidates else "compute ")
                  + _compute_bound(config, components),
                  f"{_count(config.evaluations, 'segment')} (run.evaluations)" if config.evaluations else "",
                  f"{number(config.max_time)} s" if config.max_time else ""]
        return f"policy {config.policy.name}, " + ", at most ".join(x for x in limits if x) + \
            _until(config, components)
    limits = [_count(config.generations, "generation") if config.generations else "",
              _count(config.evaluations, "evaluation") if config.evaluations else "",
              f"{number(config.max_time)} s" if config.max_time else ""]
    return ", at most ".join(x for x in limits if x) + _until(config, components)



def _until(config, components) -> str:
    """The banner's run.target: ``, until value <= 0.5`` (each objective's, in its direction); '' without one."""
    if config.target is None:
        return ""
    objectives = components.problem.objectives
    table = config.target if isinstance(config.target, dict) else {objectives[0].name: config.target}
    directions = {o.name: o.direction for o in objectives}
    return ", until " + " and ".join(f"{name} {'>=' if directions.get(name) == 'maximize' else '<='} {number(value)}"
                                     for name, value in table.items())



def _count(n: int, thing: str) -> str:
    """``1 generation``, ``3 generations``: the start line read '1 generations'."""
    return f"{n} {thing}{'s' * (n != 1)}"



def _compute_bound(config, components) -> str:
    """The banner's compute of a policy run: run.compute where given; else what its candidates cost at most when
    segments continue from checkpoints, beside the default budget (the cost if every segment restarts), or only
    the latter where the simulator is known to restart (a python function without a checkpoint parameter)."""
    from l2l.summary.progress import amount  # as l2l show and the closing line write it ('1.23457e+08' lost digits)

    unit, compute = components.fidelity.unit, components.compute
    continued = getattr(components.policy, "continued_compute", None)
    bound = continued(list(components.budgets)) if callable(continued) and not config.compute else None
    if bound is None or bound >= compute:
        return f"{amount(compute)} {unit}"
    if components.simulator.restarts():
        return f"{amount(compute)} {unit} (every segment restarts: the function takes no checkpoint)"
    return f"{amount(bound)} {unit} if segments continue from checkpoints ({amount(compute)} if they restart)"



def parameters(space) -> str:
    """``3 parameters``, or ``1 parameter (10 values)`` when some have a shape."""
    count, values = len(space.parameters), sum(int(p.size) for p in space.parameters)
    text = f"{count} parameter{'s' * (count != 1)}"
    return text + (f" ({values} values)" if values != count else "")



def said(line: str) -> str:
    """``line``, printed on stderr as it is made: a banner of ``l2l resume``, said before the notes resume prints
    after it (the SLURM jobs of a killed session it cancelled)."""
    print(line, file=sys.stderr)
    return line



def finished_banner(trajectory, why: str | None = None) -> str:
    """What ``l2l resume`` says of a run that finished when no budget beyond it is given, or when its policy
    has nothing more to run (``why``); where the re-evaluation of its ``[run] reevaluate`` was cut short (a stop,
    Ctrl-C), that it resumes that re-evaluation (it said 'nothing to resume', then ran it)."""
    from l2l.reevaluate import left_after_run
    from l2l.summary import progress_line, summarize

    summary = summarize(trajectory)
    if left_after_run(trajectory):  # its next line, the re-evaluation's, says how many are stored and left
        return (f"l2l {__version__}: {summary.name} in {shown(Path(trajectory.path).absolute())} has finished "
                f"({progress_line(summary, status=False)}): resuming its re-evaluation ([run] reevaluate), which "
                f"was cut short")
    if why is not None:
        return (f"l2l {__version__}: {summary.name} in {shown(Path(trajectory.path).absolute())} has finished "
                f"({progress_line(summary, status=False)}): nothing more to run: {why}")
    budgets = "--compute" if summary.compute is not None else "--generations"  # a policy's sweep is fixed
    return (f"l2l {__version__}: {summary.name} in {shown(Path(trajectory.path).absolute())} has finished "
            f"({progress_line(summary, status=False)}): nothing to resume; to extend it, raise a budget "
            f"({budgets}, --evaluations or --max-time)")



def announce(trajectory, args: argparse.Namespace) -> None:
    """What ``l2l resume`` prints once the file proved usable: its banner, and the note of a ``--backend`` that
    names the stored backend again without some of its stored options (see :func:`l2l.backend_notes.backend_note`)."""
    from l2l.backend_notes import stored_backend_note

    print(_resume_banner(trajectory, args.backend), file=sys.stderr)
    note = stored_backend_note(trajectory, args.backend, args.workers, "l2l resume")
    if note:
        print(note, file=sys.stderr)



def _resume_banner(trajectory, backend: str | None) -> str:
    """What ``l2l resume`` prints first, as ``l2l run`` does: which run, how far it is, where it goes on."""
    from l2l.summary import progress_line, summarize

    summary = summarize(trajectory, resuming=True)
    backend = backend or summary.backend.get("name", "?")
    proposer = summary.policy if proposes(summary.policy) else summary.optimizer.get("name", "?")
    return (f"l2l {__version__}: resuming {summary.name}: {proposer} x "
            f"{summary.simulator.get('name', '?')} on {backend}; "
            f"{progress_line(summary, status=False, resuming=True)} -> {shown(Path(trajectory.path).absolute())}")

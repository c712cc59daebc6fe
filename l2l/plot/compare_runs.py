"""The runs a comparison is of: read from what was given, named apart as its legend and table name them, the
objectives they share, whether they are of one problem, the unit they count compute in, and the refusal of runs
none of which found anything."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from l2l.errors import ArgumentError, TrajectoryError
from l2l.numbers import number
from l2l.objectives import Objective
from l2l.parameters import plain
from l2l.plot.data import RunData, load_run


def common_objectives(runs: Sequence[RunData]) -> list[Objective]:
    """Objectives every run has, in the order of the first run; a clear error if there is none."""
    shared = [o for o in runs[0].objectives if all(o in r.objectives for r in runs[1:])]
    if not shared:
        listing = "; ".join(f"{name}: {', '.join(f'{o.name} ({o.direction})' for o in r.objectives)}"
                            for r, name in zip(runs, run_labels(runs)))  # as the legend names them: two 'run's apart
        raise TrajectoryError(f"the runs share no objective (same name and direction), so they cannot be "
                              f"compared: {listing}")
    return shared


def problem(run: RunData) -> str | None:
    """What ``run`` optimised, in short: its simulator and its parameters ('sphere, x[0..3]'); None for a run read
    from a DataFrame, which does not say. A ``python`` or ``command`` simulator's function or program is not part
    of it: one model is often run through two (a sweep's ``simulate`` and a policy run's ``train`` that takes a
    budget)."""
    simulator = run.run.get("simulator") if run.run else None
    if not isinstance(simulator, dict):
        return None
    arrays: dict[str, int] = {}
    for column in run.parameters:  # x[0], x[1] ... as x[0..9]
        base = column.split("[", 1)[0]
        arrays[base] = arrays.get(base, 0) + 1
    names = [f"{base}[0..{n - 1}]" if n > 1 else base for base, n in sorted(arrays.items())]
    return f"{simulator.get('name')}, {', '.join(names)}"


#: The simulators that run the user's own model (a function, a program): one model is often run through both.
_OWN_MODEL = re.compile(r"^(python|command),")


def same_problem(runs: Sequence[RunData]) -> str | None:
    """None for runs of one problem, else a warning naming what differs (another simulator or function, other
    parameters): their best-so-far curves may be on no common scale (a 10-D sphere beside a Rastrigin function, or
    beside a 4-D sphere, were drawn and tabulated without a word, as if one had won). Not a refusal: a search over
    a subset of a model's parameters beside one over all of them, or one model in NEST and in Brian2, are
    comparisons users mean to make. ``l2l compare`` prints it; :func:`compare` draws what it is given."""
    problems = [problem(run) for run in runs]
    # a function and a program of one's own are one kind of model: a python port of a command's training script
    # (or the reverse) beside it is the comparison docs/multifidelity_simulators.md prepares (one unit for both)
    known = {_OWN_MODEL.sub("your model,", p) for p in problems if p is not None}
    if len(known) <= 1:
        return None
    names = [run.name for run in runs]
    labels = run_labels(runs)  # runs of one name told apart as the legend and the table tell them (four 'cmd's read
    # alike in the listing before)
    listing = "; ".join(f"{run.name if names.count(run.name) == 1 else labels[i]}: {p}"
                        for i, (run, p) in enumerate(zip(runs, problems)) if p is not None)
    return (f"l2l: warning: the runs are of different problems (simulator or parameters), their best values are "
            f"drawn on one axis as values of one objective: {listing}")


def _distinguishing(paths: Sequence[str]) -> list[str]:
    """The shortest end of each path as typed (whole folders; ``./`` and ``x/../`` dropped) that no other file's
    path ends with: ``runs/a.h5`` and ``other/a.h5``; ``a.h5`` and ``runs/a.h5``. The paths are not made absolute
    first, so a label never grows into folders the user did not type (``home/me/runs/a.h5`` beside a copy under
    ``/backup/home/me/runs``). One file given twice, however spelt, keeps the label of its first spelling (the
    caller numbers the two)."""
    files = [os.path.abspath(p) for p in paths]
    first = {file: Path(os.path.normpath(p)).parts for file, p in reversed(list(zip(files, paths)))}
    out = []
    for file in files:
        mine = first[file]
        others = [theirs for other, theirs in first.items() if other != file]
        k = 1
        while k < len(mine) and any(theirs[-k:] == mine[-k:] for theirs in others):
            k += 1
        end = mine[-k:]
        out.append(os.path.join(*end) if end else file)
    return out


def run_labels(runs: Sequence[RunData]) -> list[str]:
    """Run names, made unique where they clash: with the end of the file's path that tells the files apart,
    and where that is the same (one file given twice) with the run's place in the list (#1, #2 ...)."""
    names = [r.name for r in runs]
    out = [f"{r.name} ({r.proposer})" if r.proposer else r.name for r in runs]
    for name in set(names):
        clash = [i for i, n in enumerate(names) if n == name and runs[i].path]
        if names.count(name) > 1 and clash:
            for i, end in zip(clash, _distinguishing([runs[i].path for i in clash])):
                out[i] += f" [{end}]"
    repeated = {text for text in out if out.count(text) > 1}
    return [f"{text} #{i + 1}" if text in repeated else text for i, text in enumerate(out)]


def compute_axis(runs: Sequence[RunData]) -> str | None:
    """The unit in which all ``runs`` count compute (their fidelity's), or None if some run has no fidelity."""
    units = {(run.fidelity or {}).get("unit") for run in runs}
    return units.pop() if len(units) == 1 and None not in units else None


def compute_note(runs: Sequence[RunData]) -> str | None:
    """Why a comparison that includes a multi-fidelity run counts evaluations instead of compute, or None.

    A policy run's evaluations are its segments, of growing budgets, so beside a sweep whose evaluations
    each train to the end they are no measure of what either spent."""
    if compute_axis(runs) is None and not any(run.multi_fidelity for run in runs):
        return _budget_note(runs)
    if compute_axis(runs) is not None:
        return None
    names = run_labels(runs)
    without = [name.split(" (")[0] for run, name in zip(runs, names) if not (run.fidelity or {}).get("unit")]
    if without:
        return (f"note: compute is not compared, since {', '.join(without)} declare{'s' * (len(without) == 1)} "
                f"no fidelity; a policy run's evaluations are segments of growing budgets (run the sweep with the "
                f"function that takes a budget, declared by multi_fidelity: each evaluation then counts the top "
                f"budget)")
    units = sorted({str((run.fidelity or {}).get("unit")) for run in runs})
    return f"note: compute is not compared, since the runs count it in different units ({', '.join(units)})"


#: How much fewer evaluations than another a run may have run before ``l2l compare`` says their budgets differ.
BUDGET_TOLERANCE = 0.1


def _budget_note(runs: Sequence[RunData]) -> str | None:
    """The note under ``l2l compare``'s table where sweeps ran different numbers of evaluations (by more than
    :data:`BUDGET_TOLERANCE`): the table's best values and hypervolumes are each run's at its own end, which favours
    the longer run; None where they ran about as many. (A run of 40 evaluations beside one of 30 was tabulated as if
    of one budget, with no word.)"""
    counts = [len(run.frame) if run.frame is not None else 0 for run in runs]
    if len(counts) < 2 or min(counts) >= (1 - BUDGET_TOLERANCE) * max(counts):
        return None
    listing = ", ".join(f"{name}: {count:,}" for name, count in zip(run_labels(runs), counts))
    return (f"note: the runs ran different numbers of evaluations ({listing}): the best values and hypervolumes "
            f"above are each run's at its own end, which favours the longer run; the figure compares them at equal "
            f"evaluations (its x axis), or run the shorter one on (l2l resume FILE --evaluations N)")


def given_runs(sources: Any) -> list[RunData]:
    """The runs of ``sources`` (``sources=`` of :func:`compare` and :func:`table`): a list of trajectories
    (paths, Trajectories, frames of :func:`l2l.load`, RunData), numpy's array of paths too. Anything else (a number,
    one path) is one :class:`ArgumentError` line (``sources=3`` raised "'int' object is not iterable", one path
    was read letter by letter)."""
    items = plain(sources)
    if isinstance(items, (str, bytes, os.PathLike, pd.DataFrame, Mapping)) or not isinstance(items, Iterable):
        raise ArgumentError(f"sources must be a list of trajectories (their paths), got {type(sources).__name__} "
                            f"{sources!r:.60}")
    items = list(items)
    if not items:
        raise TrajectoryError("compare needs at least one trajectory")
    return [load_run(s, errors=False) for s in items]


def check_found(runs: Sequence[RunData]) -> None:
    """Refuse runs none of which has a successful result (at a multi-fidelity run's top budget), in one line:
    their comparison was empty axes, a table of NaN and a hypervolume measured from the reference point nan."""
    said = []
    for run, name in zip(runs, run_labels(runs)):
        frame = run.segments if run.multi_fidelity else run.frame
        ok = (frame["status"] == "ok").to_numpy()
        rows = "segments" if run.multi_fidelity else "evaluations"
        top = (run.fidelity or {}).get("rungs") if run.multi_fidelity else None
        if top and ok.any() and "budget" in frame.columns:
            at_top = ok & np.isclose(frame["budget"].to_numpy(dtype=float), float(top[-1]))
            if at_top.any():
                return
            unit = (run.fidelity or {}).get("unit")
            said.append(f"{name}: {len(frame)} {rows}, {int(ok.sum())} successful, none at the top budget "
                        f"({number(float(top[-1]))}{f' {unit}' if unit else ''})")
        elif ok.any():
            return
        else:
            said.append(f"{name}: {len(frame)} {rows}, all failed" if len(frame) else f"{name}: no {rows}")
    raise TrajectoryError(f"no successful result to compare: {'; '.join(said)} (l2l show FILE says why)")

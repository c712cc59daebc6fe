"""Re-evaluation of a run's winners on fresh seeds: the honest score of a candidate picked on noise.

On a noisy fitness the best recorded value is biased: selection picked the candidate whose noise was
luckiest. :func:`reevaluate` evaluates the ``top`` best distinct candidates of a finished (or stopped)
run again on ``seeds`` fresh seeds and stores those rows apart, in ``/reevaluations`` of the trajectory
(SPEC.md), where no optimizer, policy or resume reads them. In a run of several objectives the candidates
are its Pareto front (at most ``top`` of it, spread along it) unless an objective is named to pick the best
by. :func:`ranking` orders the candidates by their mean over the fresh seeds, with a 95 % confidence
interval; ``l2l show``, ``l2l report`` and ``l2l compare`` print it.

Fresh seeds: the seed of repeat ``r`` is drawn from ``SeedSequence(run seed, spawn_key=(0x5EE7, c, 0))``
for the counters ``c = 0, 1, ...``, skipping any value that is the seed of an evaluation of the run.
Evaluation seeds come from two-word spawn keys (generation, individual), so the derivations never
coincide, and the skip makes "no selection used this seed" hold for every row written. Every candidate
is evaluated on the same seeds (common random numbers), so differences between candidates are not
differences between seeds. Running it again with more seeds or candidates evaluates only what the file
does not hold yet; a run killed in the middle keeps every committed row.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from l2l.errors import ArgumentError, ConfigError, L2LError, TrajectoryError, path_argument, shown
from l2l.results_schema.layout import REEVALUATION_SEED_KEY
from l2l.summary.ranking import (RANKING_COLUMNS, objective_of, pooled, ranking, ranking_column, ranking_text,
                                 ranking_values)
from l2l.words import call, named

SEED_MASK = (1 << 63) - 1
FLUSH_SECONDS = 1.0
#: Default extent of ``l2l reevaluate`` when the run's config has no ``[run] reevaluate``.
DEFAULT_TOP, DEFAULT_SEEDS = 5, 10


def fresh_seeds(run_seed: int, n: int, taken: Any = ()) -> list[int]:
    """The first ``n`` re-evaluation seeds of a run: derived from the run seed, none of them in ``taken``."""
    taken = set(int(s) for s in np.asarray(list(taken) if not isinstance(taken, np.ndarray) else taken).ravel())
    out: list[int] = []
    counter = 0
    while len(out) < n:
        words = np.random.SeedSequence(run_seed, spawn_key=(REEVALUATION_SEED_KEY, counter, 0)).generate_state(
            2, np.uint32)
        seed = (int(words[0]) << 32 | int(words[1])) & SEED_MASK
        counter += 1
        if seed not in taken and seed not in out:
            out.append(seed)
    return out


@dataclass(frozen=True)
class Candidate:
    """One candidate to re-evaluate: its row in /evaluations, its parameters and the value selection saw."""

    generation: int
    individual: int
    params: dict[str, Any]
    value: float
    budget: float | None = None


def _check_arguments(top: Any, seeds: Any, objective: Any) -> str | None:
    """:func:`reevaluate`'s ``top``, ``seeds`` and ``objective`` checked before the file is opened: one
    :class:`ConfigError` line for a bad one; ``objective`` as a text (numpy's too) or None."""
    from l2l.parameters import plain

    _check_extent(top, seeds)
    objective = plain(objective)
    if objective is not None and not isinstance(objective, str):  # an array raised "truth value is ambiguous"
        raise ArgumentError(f"reevaluate: objective must be an objective's name (or None), got "
                            f"{type(objective).__name__} {objective!r:.60}")
    return objective


def _check_extent(top: Any, seeds: Any) -> None:
    from l2l.run_options import MAX_REEVALUATION_SEEDS

    for key, value in (("top", top), ("seeds", seeds)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError(f"reevaluate: {key} must be an integer >= 1, got {value!r}")
    if seeds > MAX_REEVALUATION_SEEDS:  # fresh_seeds takes a time that grows with their square
        raise ConfigError(f"reevaluate: seeds must be at most {MAX_REEVALUATION_SEEDS} (fresh seeds per candidate), "
                          f"got {seeds!r}")


def _front(trajectory, top: int) -> tuple[dict[str, np.ndarray], list[np.ndarray], np.ndarray, str]:
    """A run of several objectives: its Pareto front over candidates at the means of their repeats, as ``l2l show``
    and :func:`l2l.front` list it, at most ``top`` of it, ordered by the first objective (best first); the rows,
    each chosen candidate's rows, its mean of the first objective, and the line saying what was picked.

    A front longer than ``top`` gives ``top`` candidates spread evenly along it by the first objective: the
    positions ``round(linspace(0, length - 1, top))`` of the front sorted by it, so both ends are kept (top >= 2)."""
    from l2l.objectives import pareto_front_mask
    from l2l.results_schema.statistics import pareto_front_2d

    objectives = trajectory.objectives
    names = [o.name for o in objectives]
    rows, ranked, first_means = pooled(trajectory, objectives[0], tuple(names[1:]))
    if not ranked:
        return rows, [], first_means, ""
    sizes = np.array([len(m) for m in ranked])
    group = np.repeat(np.arange(len(ranked)), sizes)
    every = np.concatenate(ranked)
    means = np.column_stack([first_means] + [np.bincount(group, weights=rows[f"objectives/{name}"][every]) / sizes
                                             for name in names[1:]])
    scores = means * np.array([o.sign for o in objectives], dtype=float)
    on_front = np.flatnonzero(pareto_front_2d(scores) if len(names) == 2 else pareto_front_mask(scores))
    length = len(on_front)  # in the order of the first objective's mean, best first
    if length > top:
        on_front = on_front[np.round(np.linspace(0, length - 1, top)).astype(int)]
    over = ", ".join(names)
    line = (f"picked: the Pareto front over {over} (candidates at the means of their repeats, as l2l show lists "
            f"it): {'all ' * (1 < length <= top)}{length} candidate{'s' * (length != 1)}"
            + ((f", 1 of them: its best by {names[0]}, one end of it (--top 2 or more keeps both ends)" if top == 1
                else f", {top} of them spread evenly along it by {names[0]} (both ends kept)") * (length > top))
            + "; --objective NAME takes the best by one objective instead")
    return rows, [ranked[k] for k in on_front], first_means[on_front], line


def candidates(trajectory, top: int, objective: str | None = None) -> list[Candidate]:
    """The ``top`` best distinct parameter sets among the successful evaluations (best first).

    A candidate evaluated several times (an elite kept by a GA, the model-based policy's repeats) counts once,
    by the mean of its results, at its first row, as ``l2l show`` lists it (a row of it re-evaluated by an
    earlier l2l, which took its best row, is kept, so that more seeds extend that row's). A multi-fidelity run's
    candidates are its results at the top budget. Ranked by ``objective`` (default: the run's first). A run of
    two or more objectives without ``objective``: its Pareto front instead, at most ``top`` of it spread along it
    (:func:`picked`), ordered by the first objective; ``value`` is the mean of the first objective.
    """
    return _choose(trajectory, top, objective)[0]


def picked(trajectory, top: int, objective: str | None = None) -> str:
    """The line saying which candidates :func:`candidates` picks in a run of several objectives (the front, or the
    best by ``objective``); '' in a run of one objective."""
    if len(trajectory.objectives) == 1:
        return ""
    return _choose(trajectory, top, objective)[1]


def _choose(trajectory, top: int, objective: str | None) -> tuple[list[Candidate], str]:
    space = trajectory.space
    if objective is None and len(trajectory.objectives) > 1:
        rows, ranked, means, line = _front(trajectory, top)
    else:
        goal = objective_of(trajectory, objective)
        rows, ranked, means = pooled(trajectory, goal)
        ranked, means = ranked[:top], means[:top]
        line = "" if len(trajectory.objectives) == 1 else \
            (f"picked: the {min(top, len(ranked))} best by mean {goal.name} ({goal.direction}), as --objective asks; "
             f"without it, the Pareto front over every objective")
    top_budget = trajectory.top_budget if trajectory.multi_fidelity else None
    stored = trajectory.reevaluations(errors=False) if ranked else None
    done = set(zip(stored["generation"], stored["individual"])) if stored is not None and len(stored) else set()
    chosen: list[Candidate] = []
    for members, mean in zip(ranked, means):
        row = next((m for m in members if (rows["generation"][m], rows["individual"][m]) in done), members[0])
        params = {}
        for p in space.parameters:
            raw = rows[f"params/{p.name}"][row]
            if p.kind == "categorical":
                if not 0 <= int(raw) < len(p.choices):  # a damaged file (l2l validate names it): was an IndexError
                    raise TrajectoryError(f"{trajectory.path}: /evaluations/params/{p.name} holds index {int(raw)}, "
                                          f"outside its {len(p.choices)} choices, in row {int(row)}")
                params[p.name] = p.choices[int(raw)]
            elif p.shape:
                params[p.name] = np.array(raw, dtype=float if p.kind == "float" else np.int64)
            else:
                params[p.name] = int(raw) if p.kind == "int" else float(raw)
        chosen.append(Candidate(int(rows["generation"][row]), int(rows["individual"][row]), params, float(mean),
                                top_budget))
    return chosen, line


def reevaluate(path: str | os.PathLike, top: int = DEFAULT_TOP, seeds: int = DEFAULT_SEEDS, *,
               backend: str | None = None, workers: int | None = None, objective: str | None = None,
               simulator: Callable[..., Any] | None = None, lock=None, progress: bool = False,
               model_dir: str | os.PathLike | None = None, accept_changed_model: bool = False) -> pd.DataFrame:
    """Evaluate the ``top`` best candidates of the run in ``path`` on ``seeds`` fresh seeds; the ranking.

    Works on a file no process writes (the run has ended or was stopped); takes the file's writer lock
    unless the caller passes the one it holds (``lock``). Rows already stored are not evaluated again.
    ``backend``/``workers`` choose where the evaluations run (default: the run's backend and its options; a
    backend named starts from its defaults, even where it is the run's own, as ``l2l resume`` does); ``simulator``
    is the Python function of a run started with one. ``model_dir``: the folder that holds the run's model now
    (its module, a command's files) where the stored one is gone; the model there must hash as the one the run ran,
    unless ``accept_changed_model`` (:func:`l2l.stored_config.relocated_model`). Returns :func:`ranking` of the file.

    ``progress``: a line on stderr says what starts (``l2l: re-evaluating the 5 best candidates on 10 fresh seeds
    each: 50 evaluations on local (2 workers)``), and a bar shows it going on as a run's does
    (:class:`l2l.progress.Progress`: redrawn on a terminal, a line a minute into a file or a pipe); nothing is said
    without it (the default).

    The ranking's ``attrs["evaluated"]`` is how many evaluations this call ran: 0 where the rows stored before
    already cover the request (``l2l reevaluate`` says so instead of printing the stored table unexplained).
    A run of two or more objectives without ``objective``: the candidates are its Pareto front, at most ``top``
    of it spread along it (:func:`candidates`); ``attrs["picked"]`` says in one line what was picked ('' in a run
    of one objective). The ranking still orders by one objective (``objective``, default the first).

    Raises :class:`ConfigError` for bad arguments, :class:`TrajectoryError` for a file that is missing,
    damaged, written by another process, or without a successful evaluation.
    """
    return _reevaluate_locked(path, top, seeds, backend=backend, workers=workers, objective=objective,
                              simulator=simulator, lock=lock, progress=progress, say=progress, model_dir=model_dir,
                              accept_changed_model=accept_changed_model)


def _reevaluate_locked(path: str | os.PathLike, top: Any, seeds: Any, *, backend: str | None = None,
                       workers: int | None = None, objective: Any = None,
                       simulator: Callable[..., Any] | None = None, lock=None, progress: bool = False,
                       say: bool = False, control=None, model_dir: str | os.PathLike | None = None,
                       accept_changed_model: bool = False) -> pd.DataFrame:
    """:func:`reevaluate`, with the starting line said (``say``) apart from the bar (``progress``), and the run's
    ``control`` (see :func:`after_run`)."""
    from l2l.results_schema.lock import WriterLock

    objective = _check_arguments(top, seeds, objective)
    path = path_argument(path)
    if not path.is_file():
        raise TrajectoryError(f"{shown(path)}: no such file" if not path.exists() else f"{shown(path)} is not a file")
    owned = lock is None
    lock = (lock or WriterLock(path)).acquire()
    try:
        if owned:  # a session of its own on the run: as l2l resume does, before anything starts
            _cancel_left_behind(path)
        evaluated = _reevaluate(path, int(top), int(seeds), backend, workers, objective, simulator, progress=progress,
                                say=say, control=control, model_dir=model_dir,
                                accept_changed_model=accept_changed_model)
    finally:
        if owned:
            lock.release()
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:  # /evaluations, which decide the pick, are as _reevaluate read them
        table = ranking(trajectory, objective)
        table.attrs["picked"] = picked(trajectory, int(top), objective)
        if len(trajectory.objectives) > 1 and not evaluated:  # what was asked and what is stored: covered_note
            table.attrs["request"] = _request_words(trajectory, int(top), objective)
            table.attrs["stored"] = _stored_words(trajectory)
    table.attrs["evaluated"] = evaluated
    return table


#: What :func:`stored_pick` calls a re-evaluation of the Pareto front (``l2l reevaluate`` without ``--objective``).
FRONT = "the Pareto front"


def stored_pick(trajectory) -> list[str]:
    """What picks exactly the candidates the file re-evaluated (the file does not record how ``l2l reevaluate`` was
    asked): :data:`FRONT` where they are the Pareto front as a call without ``--objective`` picks it (at most as many
    as are stored, spread along it), and the names of the objectives whose ``top`` best they are. Empty where
    re-evaluations of several picks were added up (or ties make the pick differ); [] without re-evaluations."""
    rows = trajectory.reevaluations(errors=False)
    if rows.empty:
        return []
    done = set(zip(rows["generation"].astype(int), rows["individual"].astype(int)))
    found = []
    if len(trajectory.objectives) > 1:
        front = {(c.generation, c.individual) for c in candidates(trajectory, len(done))}
        if front == done:
            found.append(FRONT)
    for goal in trajectory.objectives:
        best = {(c.generation, c.individual) for c in candidates(trajectory, len(done), goal.name)}
        if best == done:
            found.append(goal.name)
    return found


def _request_words(trajectory, top: int, objective: str | None) -> str:
    """A request of a run of several objectives in words: '3 candidates of the Pareto front', '2 best by err'."""
    if objective is not None:
        return f"{top} best by {objective}"
    n = len(candidates(trajectory, top))
    return f"{n} candidate{'s' * (n != 1)} of the Pareto front"


def _stored_words(trajectory) -> str:
    """The stored re-evaluation of a run of several objectives in words: '4 candidates of the Pareto front', '5 best
    by err', '6 candidates of several picks added up' (re-evaluations with and without --objective)."""
    rows = trajectory.reevaluations(errors=False)
    n = len(set(zip(rows["generation"].astype(int), rows["individual"].astype(int))))
    pick = stored_pick(trajectory)
    if pick and pick[0] != FRONT:
        return f"{n} best by {pick[0]}"
    return f"{n} candidate{'s' * (n != 1)} {'of the Pareto front' if pick else 'of several picks added up'}"


def _cancel_left_behind(path: Path) -> None:
    """Cancel the SLURM jobs a killed session of the run left in the queue, and say which, as ``l2l resume`` does
    (:func:`l2l.jobs.slurm_left.cancel_left_behind`): a re-evaluation starts new work on the allocation while
    they would run on for nobody (the results of a session killed are read by no one; a resume would run them
    again), until their walltime or a resume. Under the run's writer lock, so no session of the run is alive.
    A file moved without its folder: the jobs the folder left behind names, or a line on how to cancel them, as
    ``l2l resume`` says (before, nothing was cancelled or said, and the ``.work`` folder this re-evaluation made
    beside the file hid them from every later resume)."""
    from l2l.jobs.slurm_left import cancel_left_behind
    from l2l.left_jobs import cancelled_note, jobs_left_elsewhere, say_note
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        stored = trajectory.run.get("config") or {}
        backend = stored.get("backend") if isinstance(stored.get("backend"), dict) else {}
        say_note([jobs_left_elsewhere(path, trajectory.events(), backend.get("name", ""))])
    say_note([cancelled_note(cancel_left_behind(path.with_suffix(".work")))])


def _check_model(trajectory, simulator, accept: bool) -> str:
    """Refuse (ConfigError, one line) a re-evaluation whose model code is not the one the run ran, where it was
    (before session 42 it went on silently: l2l show and compare put the other model's means beside the run's rows
    as theirs); with ``accept``, a warning line and on. Modules the model imports from its package that differ are
    said in a warning line, as a resume says them: which of them a process had imported depends on the process.
    Returns the digest of the changed code that the rows will run (:func:`l2l.model_changes.model_digest`, what
    ``/reevaluations/model`` records), '' where it is the run's."""
    from l2l.stored_config import option_as_given as _flag
    from l2l.model_changes import model_changed_since_run

    difference, imports = model_changed_since_run(trajectory, simulator)
    if imports:
        print(f"l2l: warning: {imports}: the re-evaluated values may be of other code than the run's",
              file=sys.stderr)
    if not difference:
        return ""
    if not accept:
        raise ConfigError(f"{trajectory.path}: {difference}: a re-evaluation would measure another model than the "
                          f"one that chose the candidates; restore the run's code, or give "
                          f"{_flag('accept_changed_model')} to re-evaluate the changed one")
    print(f"l2l: warning: {difference}: the re-evaluated values are of the changed model", file=sys.stderr)
    return _recorded_digest(simulator)


def _recorded_digest(simulator) -> str:
    """What ``/reevaluations/model`` records of the rows ``simulator`` runs where its code is not the run's: the
    digest of its model code (:func:`l2l.model_changes.model_digest`; zeros where it has none to hash)."""
    from l2l.model_changes import model_digest
    from l2l.model_code import model_sources

    return model_digest(model_sources(simulator)) or "0" * 64


def _reevaluate(path: Path, top: int, n_seeds: int, backend, workers, objective, function, *, progress: bool = False,
                say: bool = False, control=None, model_dir=None, accept_changed_model: bool = False) -> int:
    """Evaluate what the file does not hold yet of the request; how many evaluations that was. ``say``: a line on
    stderr as it starts; ``progress``: a bar as it goes on; ``control``: a stop asked through it ends it (what
    finished kept)."""
    from l2l.jobs import Settings, Task
    from l2l.progress import Progress
    from l2l.components import build
    from l2l.stored_config import load_run_config
    from l2l.backend_notes import unnamed_scheduler
    from l2l.run_options import TRAINED_WITH_A_SCHEDULE
    from l2l.results_schema.reader import Trajectory
    from l2l.results_schema.reevaluation_writer import ReevaluationWriter
    from l2l.provenance import reevaluation_versions_line

    with Trajectory(path) as trajectory:
        # the rows the ranking after the re-evaluation reads, read before it writes: a damaged column (fuzz_files45:
        # a negative /evaluations/individual) refused the call after the file had been rewritten with the new group
        trajectory.evaluations(errors=False, segments=True) if trajectory.multi_fidelity else \
            trajectory.evaluations(errors=False)
        chosen = candidates(trajectory, top, objective)
        if not chosen:
            raise TrajectoryError(f"{path} holds no successful evaluation to re-evaluate")
        # accept_changed_model without model_dir: a model changed where the run's model was (below)
        config = load_run_config(trajectory, model_dir, accept_changed_model and model_dir is not None).with_overrides(
            stored=True, backend=backend, workers=workers)
        refusal = unnamed_scheduler(trajectory, config.backend, backend, "l2l reevaluate")
        if refusal:  # backend dask without a scheduler: the address the run's last session used
            raise ConfigError(refusal)
        if config.inherit or (config.policy is not None and config.policy.name == "pbt"):
            raise ConfigError(TRAINED_WITH_A_SCHEDULE.format(what=named("reevaluate")))
        taken = trajectory.rows(("seed",))["seed"]
        seeds = fresh_seeds(int(trajectory.run.get("seed", 0)), n_seeds, taken)
        stored = trajectory.reevaluations(errors=False)
        names = [o.name for o in trajectory.objectives]
        components = build(config, function, command="reevaluate", path=path)
        changed_model = ""
        versions_note = reevaluation_versions_line(trajectory)  # another numpy, l2l... than the run's last session
        if model_dir is None:  # (a model in model_dir was compared by load_run_config)
            changed_model = _check_model(trajectory, components.simulator, accept_changed_model)
        elif accept_changed_model:  # (load_run_config said it): the rows record the changed code all the same
            from l2l.model_changes import model_changed_since_run

            if model_changed_since_run(trajectory, components.simulator)[0]:
                changed_model = _recorded_digest(components.simulator)
    tasks = {}
    for c, repeat in _missing(chosen, n_seeds, stored, names):
        seed = seeds[repeat]
        task = Task(c.generation, c.individual, seed, c.params, budget=c.budget,
                    trial=c.individual if c.budget is not None else -1)
        tasks[(c.generation, c.individual, seed)] = (task, repeat)
    if not tasks:
        return 0
    settings = Settings(objectives=tuple(names), timeout=config.timeout, run_dir=str(path.with_suffix(".work")))
    executor = components.executor
    if control is not None and control.stop_requested:  # asked as the run ended: nothing started
        return 0
    if say:
        print(_starting_line(chosen, n_seeds, len(tasks), executor, len(names) > 1 and objective is None),
              file=sys.stderr, flush=True)
    if versions_note:  # said as the model's warnings are, by any caller: the rows cannot record it
        print(versions_note, file=sys.stderr, flush=True)
    where = f"{len(chosen)} candidate{'s' * (len(chosen) != 1)} x {n_seeds} fresh seed{'s' * (n_seeds != 1)}"
    failed = 0
    with ReevaluationWriter(path, names, model=changed_model) as writer:
        buffer: list[tuple[Any, int]] = []
        bar = Progress(progress, len(tasks), 0, description="re-evaluating")
        try:
            executor.start(components.simulator, settings)
            executor.submit([task for task, _ in tasks.values()])
            last_flush = time.monotonic()
            rerun: dict[tuple, int] = {}  # runs a backend made by itself (Outcome.submissions), over all attempts
            while executor.pending and not (control is not None and control.stop_requested):
                for outcome in executor.wait(timeout=FLUSH_SECONDS):
                    key = (outcome.generation, outcome.individual, outcome.seed)
                    task, repeat = tasks[key]
                    rerun[key] = rerun.get(key, 0) + max(0, outcome.submissions - 1)
                    if not outcome.ok and outcome.attempt < config.retries:
                        executor.submit([Task(task.generation, task.individual, task.seed, task.params,
                                              outcome.attempt + 1, budget=task.budget, trial=task.trial)])
                        continue
                    outcome.attempt += rerun.pop(key)  # the row's attempts count every run, as the loop's do
                    buffer.append((outcome, repeat))
                    failed += not outcome.ok
                    bar.update(1, 0, {}, failed, where)
                if buffer and (time.monotonic() - last_flush > FLUSH_SECONDS or not executor.pending):
                    writer.append(buffer)
                    buffer, last_flush = [], time.monotonic()
        except L2LError as exc:
            if not _refused(exc):
                raise
            # what finished is appended below (finally); a second re-evaluation evaluates only what is missing
            again = ("the same call again" if function is not None else
                     call("reevaluate", path, top=top, seeds=n_seeds,
                          **{key: value for key, value in (("objective", objective), ("backend", backend),
                                                           ("workers", workers)) if value is not None}))
            exc.args = (f"{exc}; every finished re-evaluation is in {path}; once SLURM takes the jobs again, run "
                        f"the rest with: {again}",)
            raise
        finally:
            bar.close()
            if buffer:  # keep what finished before an interruption
                writer.append(buffer)
            executor.close()
    return len(tasks)


def _missing(chosen: list[Candidate], n_seeds: int, stored: pd.DataFrame,
             names: list[str]) -> list[tuple[Candidate, int]]:
    """The (candidate, repeat) pairs of ``chosen`` on ``n_seeds`` fresh seeds that the ``stored`` re-evaluation rows
    do not hold yet, in the order they run: each candidate's seeds in turn."""
    from l2l.results_schema.reevaluations import own_column

    done = set(zip(stored["generation"], stored["individual"], stored[own_column(names, "repeat")]))
    return [(c, repeat) for c in chosen for repeat in range(n_seeds)
            if (c.generation, c.individual, repeat) not in done]


def _run_option(trajectory):
    """The stored config's ``[run] reevaluate`` option (``{top, seeds}``), or None."""
    config = trajectory.run.get("config") if isinstance(trajectory.run.get("config"), dict) else {}
    return (config.get("run") or {}).get("reevaluate") if isinstance(config.get("run"), dict) else None


def left_after_run(trajectory) -> int:
    """How many evaluations of the re-evaluation that ``[run] reevaluate`` asks of a finished run are not done yet (a
    stop or Ctrl-C cut it short, or the run was killed as it began); 0 where nothing is left (no such option, the
    run did not finish, nothing succeeded, all of it stored): what :func:`after_run` would run. ``l2l resume`` names
    it in its first line, where it said 'nothing to resume' and then ran it."""
    option = _run_option(trajectory)
    if not isinstance(option, dict) or not option or not trajectory.finished():
        return 0
    chosen = candidates(trajectory, int(option["top"]))
    names = [o.name for o in trajectory.objectives]
    return len(_missing(chosen, int(option["seeds"]), trajectory.reevaluations(errors=False), names))


def _starting_line(chosen: list[Candidate], n_seeds: int, count: int, executor: Any, front: bool) -> str:
    """What a re-evaluation says as it starts: ``l2l: re-evaluating the 5 best candidates on 10 fresh seeds each: 50
    evaluations on local (2 workers)`` (of a run of several objectives: ``5 candidates of the Pareto front``); the
    evaluations stored already by an earlier one are not run again, and said."""
    n = len(chosen)
    which = (f"{n} candidate{'s' * (n != 1)} of the Pareto front" if front else
             "the best candidate" if n == 1 else f"the {n} best candidates")
    stored = n * n_seeds - count
    try:
        where = executor.describe()
    except Exception:  # noqa: BLE001 - a backend that cannot say it before it starts: its name
        where = getattr(executor, "name", "?")
    return (f"l2l: re-evaluating {which} on {n_seeds} fresh seed{'s' * (n_seeds != 1)}{' each' * (n != 1)}: "
            f"{count} evaluation{'s' * (count != 1)}{f' ({stored} stored already)' if stored > 0 else ''} on {where}")


def _refused(exc: L2LError) -> bool:
    """True if ``exc`` says that sbatch refused the re-evaluation's jobs (then worth running again later)."""
    from l2l.jobs.slurm_common import JobsRefused, SlurmError, WorkersRefused

    return isinstance(exc, (JobsRefused, WorkersRefused)) or (isinstance(exc, SlurmError) and exc.refused
                                                              and exc.argv[:1] == ["sbatch"])


def after_run(path: str | os.PathLike, *, lock=None, simulator: Callable[..., Any] | None = None,
              backend: str | None = None, workers: int | None = None, progress: bool = False,
              control=None, model_dir: str | os.PathLike | None = None,
              accept_changed_model: bool = False) -> pd.DataFrame | None:
    """The ``[run] reevaluate = {top, seeds}`` option: re-evaluate once the run in ``path`` has finished.

    Does nothing (returns None) if the run's config has no such option, the run did not finish (it
    was stopped or failed) or no evaluation succeeded. Meant to be called by ``l2l.run``/``l2l.resume`` after
    their writer closed; ``backend``/``workers``: those ``l2l resume`` was given (None: the run's stored ones).

    Says in a line on stderr what it starts (how many candidates on how many seeds, on what), with or without
    ``progress``: it follows the run's bar at 100 % and may take minutes, which read as a hang; ``progress``: a bar
    of its own too, as the run's (see :func:`reevaluate`). ``control``: the run's
    :class:`~l2l.control.RunControl`; a stop asked through it (SIGTERM, SIGHUP, SIGUSR1) ends the re-evaluation too,
    its finished rows kept (``l2l resume`` runs the rest), where it went on to its end (minutes) before.
    """
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        option = _run_option(trajectory)
        finished = trajectory.finished()
        anything = bool(option) and finished and bool(candidates(trajectory, 1))
    if not anything:  # nothing asked, the run did not finish, or no evaluation succeeded
        return None
    return _reevaluate_locked(path, option["top"], option["seeds"], lock=lock, simulator=simulator, backend=backend,
                              workers=workers, progress=progress, say=True, control=control, model_dir=model_dir,
                              accept_changed_model=accept_changed_model)


def covered_note(table: pd.DataFrame, top: int, seeds: int) -> str:
    """The note ``l2l reevaluate`` prints where the request ran nothing (``attrs["evaluated"]`` is 0): the stored
    re-evaluation already covers it, what that holds against what was asked; the stored ranking follows, whole
    (its means over more seeds than asked are not thrown away). '' where something ran or nothing is stored."""
    if table.attrs.get("evaluated") != 0 or table.empty:
        return ""
    values = ranking_values(table)
    held = int((values["seeds"] + values["failed"]).max())
    # a run of several objectives: which pick was asked for and which the stored candidates are (the front, or the
    # best by an objective), not "K best" of an objective the request never named
    stored = table.attrs.get("stored") or f"{len(table)} candidate{'s' * (len(table) != 1)}"
    request = table.attrs.get("request") or f"{top} best candidate{'s' * (top != 1)}"
    each = " each" * (not request.startswith("1 "))
    return (f"l2l: note: nothing new to evaluate: the stored re-evaluation ({stored}, up to {held} "
            f"seed{'s' * (held != 1)} each) already covers the request ({request} on {seeds} "
            f"seed{'s' * (seeds != 1)}{each}); its ranking follows")


__all__ = ["Candidate", "FRONT", "RANKING_COLUMNS", "after_run", "candidates", "covered_note", "fresh_seeds", "picked",
           "ranking", "ranking_column", "ranking_text", "ranking_values", "reevaluate", "stored_pick"]

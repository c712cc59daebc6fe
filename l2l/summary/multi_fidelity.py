"""What ``l2l show`` says of a run with a ``[policy]`` or a fidelity: its candidates by state and the compute
spent (:func:`multi_fidelity_counts`), the bound of a one-line sweep (:func:`continued_bound`), the policy's
options as the run runs them (:func:`policy_lines`), the segments that trained from scratch again
(:func:`restart_line`), the segments that continued a candidate (:func:`continuations`) and the large
checkpoints beside the file (:func:`checkpoints_line`, :func:`missing_folder_line`,
:func:`interrupted_from_checkpoints`)."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from l2l.numbers import compute as compute_text, number
from l2l.results_schema.in_flight import in_flight_candidates, rerun_rows
from l2l.results_schema.layout import STATUS_NAMES
from l2l.summary.record import status_codes

if TYPE_CHECKING:
    from l2l.results_schema.reader import Trajectory


def multi_fidelity_counts(trajectory: Trajectory, running: bool = True, allowed: Any = None
                          ) -> tuple[dict[str, int] | None, tuple[float, float | None, str] | None, bool]:
    """Candidates by state and compute spent of a multi-fidelity run, and whether its segments restart (a
    candidate trained again, never from a checkpoint); (None, None, False) for other runs.

    The candidates with a segment in flight at the last commit count as ``running`` only while a writer may still
    run them (``running``); those of an interrupted or stopped run count as ``interrupted``: ``l2l resume`` runs
    them again (:data:`l2l.summary.progress.INTERRUPTED`). Either is a candidate's state in place of the one its
    stored segments give (paused, as a rule), and a new candidate whose first segment was in flight counts there
    alone, so that the states add up to the candidates (the line read '60 candidates (7 completed, 0 stopped,
    53 paused, 1 interrupted ...)', the interrupted one counted among the paused too)."""
    from l2l.results_schema.frames import segment_compute

    if not trajectory.multi_fidelity:
        return None, None, False
    segments = trajectory.evaluations(errors=False, segments=True)
    last = segments.drop_duplicates("trial", keep="last")
    counts = {state: int((last["state"] == state).sum()) for state in ("completed", "stopped", "paused")}
    # candidates promoted at least once (a candidate promoted twice counts once; they are counted above too): a
    # segment that succeeded and was continued. A failed one is no promotion, though a later segment of its trial
    # followed (trained again from where the failed one started): a PBT run whose every segment failed said
    # '4 paused; 4 of them promoted'
    promoted = segments["state"] == "promoted"
    if "status" in segments.columns:
        promoted &= segments["status"].astype(str) == STATUS_NAMES[0]
    promoted_trials = set(segments.loc[promoted, "trial"].tolist())
    in_flight, label = in_flight_candidates(trajectory, running)
    if in_flight is not None:  # (l2l resume reads the file holding it: label 'running', shown as interrupted)
        in_flight = in_flight | _continuable_without_row(trajectory, last["trial"].to_numpy(dtype=np.int64))
    if in_flight:  # a candidate has one state: running (or interrupted), not also the one stored before
        stored = last.loc[last["trial"].isin(in_flight), "state"].astype(str)
        for state, n in stored.value_counts().items():
            if state in counts:
                counts[state] -= int(n)
    if in_flight is not None and (in_flight or label == "running"):
        counts[label] = len(in_flight)
    rerun = rerun_rows(trajectory) if label == "interrupted" else 0
    if rerun and promoted_trials:  # a promotion only the rows to run again hold is not made yet
        later = trajectory.rows(("trial",), trajectory.n_evaluations - rerun)["trial"].astype(np.int64)
        trials, uncommitted = np.unique(later, return_counts=True)
        rows = segments["trial"].value_counts()
        promoted_trials -= {trial for trial, n in zip(trials.tolist(), uncommitted.tolist())
                            if rows.get(trial, 0) >= 2 > rows.get(trial, 0) - n}
    counts["promoted"] = len(promoted_trials)
    fidelity = trajectory.run.get("fidelity") if isinstance(trajectory.run.get("fidelity"), dict) else {}
    spent = float(segment_compute(segments).sum())  # every attempt of a segment, the failed retried ones too
    if allowed is None:  # the run's compute budget, unless `resume --compute` raised it
        allowed = fidelity.get("compute")  # None without a policy (a Lamarckian run has generations, not compute)
    allowed = float(allowed) if isinstance(allowed, (int, float)) and not isinstance(allowed, bool) else None
    restarts = bool(segments["trial"].duplicated().any()) and not bool((segments["from_budget"] > 0).any())
    return counts, (spent, allowed, str(fidelity.get("unit") or fidelity.get("name") or "budget units")), restarts


def sweep_compute(trajectory: Trajectory) -> tuple[float, str] | None:
    """The compute of a run without segments whose function or program declares a fidelity (a full-fidelity sweep:
    every evaluation trains to the top budget) and its unit, counted as ``l2l compare`` counts it (every row,
    a failed one too, x its attempts: :func:`~l2l.results_schema.frames.evaluation_compute`); None for other
    runs. ``l2l show``'s progress line and ``l2l run``'s closing line say it: a user who then runs the same
    function under ``policy = "asha"`` compares the two there (they said '81 evaluations' and 'compute 477')."""
    import pandas as pd

    from l2l.results_schema.frames import evaluation_compute

    fidelity = trajectory.run.get("fidelity")
    if trajectory.multi_fidelity or not isinstance(fidelity, dict) or not fidelity.get("rungs"):
        return None
    rows = pd.DataFrame(trajectory.rows(("attempts",)))
    spent = float(evaluation_compute(rows, float(fidelity["rungs"][-1])).sum())
    return spent, str(fidelity.get("unit") or fidelity.get("name") or "budget units")


def _continuable_without_row(trajectory: Trajectory, recorded: np.ndarray) -> set[int]:
    """The trials the ``stopped`` event of an interrupted run names as continuable that hold no row: new candidates
    whose first segment was in flight when Ctrl-C stopped the run, after the last commit (whose in-flight list
    does not name them). ``l2l resume`` runs them again, so ``l2l show`` counts them as interrupted: it said '6
    candidates (5 paused, 1 interrupted)' of a run whose event named trials 0-7 as continuable. Empty where the
    event names none (a run killed, files written before the event held them)."""
    from l2l.results_schema.frames import continuable_ranges

    try:  # a summary never fails on what it only counts
        ranges = continuable_ranges(trajectory)
    except Exception:  # noqa: BLE001
        return set()
    if ranges is None or not len(ranges[0]) or trajectory.events()["kind"].iloc[-1] != "stopped":
        return set()
    named = {t for first, last in zip(*ranges) for t in range(int(first), int(last) + 1)}
    return named - {int(t) for t in recorded}


def interrupted_from_checkpoints(trajectory: Trajectory, counts: dict[str, int] | None) -> int:
    """How many of a multi-fidelity run's interrupted candidates (``counts``, from :func:`multi_fidelity_counts`)
    ``l2l resume`` continues from one of their checkpoints: those whose segment in flight at the last commit starts
    from a budget above 0 (a new candidate's first segment starts from scratch). Since 68a249b such a candidate
    counts as interrupted instead of paused, so a count of the paused ones alone left it out of what a missing
    folder of checkpoints stops. So are those with a row after the last commit that reached a budget above 0 by
    it (they read paused before e2dae86): the resume goes on from the checkpoint the commit holds. 0 where none
    is interrupted (a writer that lives runs them: they are running)."""
    if not counts or not counts.get("interrupted"):
        return 0
    try:  # a summary never fails on what it only counts
        state = trajectory.state()
        in_flight = state["loop"].get("in_flight", [])
        if isinstance(in_flight, dict):  # older async runs: {candidate number: code}, every one from scratch
            return 0
        continued = {int(entry[0]) for entry in in_flight if float(entry[2] or 0.0) > 0}
        trials = state.get("trials") or {}
        for trial in in_flight_candidates(trajectory, running=False)[0] or ():
            record = trials.get(str(trial))
            if isinstance(record, dict) and float(record.get("budget") or 0.0) > 0 and record.get("ok", True):
                continued.add(int(trial))
        return len(continued)
    except Exception:  # noqa: BLE001
        return 0


def continuations(trajectory: Trajectory) -> tuple[int, int, str]:
    """The committed segments of a multi-fidelity run that took a candidate on from an earlier segment (any
    segment of a trial after its first, or one that started from a checkpoint: a ``pbt`` member's copy of a
    donor's), how many of them failed or timed out, and where the last of those failed and why (``trial T,
    budget B: <last line of its error>``, '' if none failed).

    A run whose continuations all failed never took a candidate past the budget it started at: what ``l2l run``
    and ``l2l resume`` exit 1 for where no candidate reached the top budget (a function that cannot continue
    from its checkpoint), even if ``run.compute`` ran out first and left candidates paused."""
    from l2l.summary.failures import error_message

    columns = trajectory.rows(("trial", "budget", "from_budget", "status"))
    trial = columns["trial"]
    _, first = np.unique(trial, return_index=True)  # rows are in file order: a trial's first row is its start
    later = np.ones(len(trial), dtype=bool)
    later[first] = False
    later |= columns["from_budget"] > 0
    failed = np.flatnonzero(later & (columns["status"] != status_codes()["ok"]))
    if not len(failed):
        return int(later.sum()), 0, ""
    row = int(failed[-1])
    where = f"trial {int(trial[row])}, budget {number(float(columns['budget'][row]))}"
    return int(later.sum()), len(failed), f"{where}: {error_message(trajectory.error_text(row))}"


def continued_bound(policy: Any, fidelity: Any, allowed: float) -> float | None:
    """What the candidates of a one-line sweep (``[policy] max_candidates``) cost at most when segments continue
    from checkpoints, from the policy and rungs stored with the run (``l2l run``'s banner gives the same); None
    where it does not apply or is not below ``allowed`` (the budget if every segment restarts)."""
    if not isinstance(policy, dict) or not policy.get("max_candidates") or not isinstance(fidelity, dict):
        return None
    try:  # a summary never fails on what it only reports (a file from another version, a policy not registered)
        from l2l.policies import POLICIES

        created = POLICIES.create(str(policy["name"]), {k: v for k, v in policy.items() if k != "name"})
        bound = created.continued_compute([float(b) for b in fidelity["rungs"]])
    except Exception:  # noqa: BLE001
        return None
    return float(bound) if isinstance(bound, (int, float)) and bound < allowed else None


def policy_lines(trajectory: Trajectory) -> list[str]:
    """The ``policy`` line of ``l2l show`` (none without a [policy]): its options as stored, read back as a resume
    reads them (so a run started before a default changed shows the value it runs with)."""
    stored = trajectory.run.get("config", {}).get("policy")
    if not isinstance(stored, dict):
        return []
    from l2l.config import stored_policy

    fidelity = trajectory.run.get("fidelity")
    resolved = _pbt_options(stored, fidelity) if stored.get("name") == "pbt" else None
    text = json.dumps(stored_policy(stored)) if resolved is None else resolved
    if stored.get("name") == "model-based":
        text += "  (it proposes every candidate: the optimizer is not used)"
    return [f"policy     {text}"]


def endgame_status(trajectory: Trajectory, compute: tuple[float, float | None, str] | None
                   ) -> tuple[Any, Any, int] | None:
    """A model-based run's policy (as stored, read back as a resume reads it), where its endgame stands
    (:meth:`l2l.policies.model_based.ModelBased.endgame_status`, from the policy state and the trial table of the
    last commit: no pass over the file's rows) and its dimension; None for other runs, or if that cannot be read
    (a summary never fails on what it only reports). ``compute``: (spent, run.compute, unit), as the summary has it."""
    stored = trajectory.run.get("config", {}).get("policy")
    if not isinstance(stored, dict) or stored.get("name") != "model-based" or compute is None:
        return None
    try:
        from l2l.config import stored_policy
        from l2l.policies import POLICIES, TrialTable

        options = stored_policy(stored)
        policy = POLICIES.create("model-based", {k: v for k, v in options.items() if k != "name"})
        whole = trajectory.state()
        state = whole.get("policy") or {}
        status = policy.endgame_status(state, TrialTable(whole.get("trials") or {}), float(compute[0]), compute[1])
        dimension = int(state["dimension"])
    except Exception:  # noqa: BLE001
        return None
    return policy, status, dimension


def endgame_brief(status: Any) -> str:
    """The endgame in a few words, for the progress bar and the line ``l2l run``/``resume`` end with (``l2l show``
    says more): from which compute it ran, or why it has not started; '' where the run has none (exploit_share
    = 0, or no run.compute)."""
    if status.begins is None:
        return ""
    steps = f"{status.local} local step{'s' * (status.local != 1)}"
    if status.started:
        if status.began is None:  # started in a session before the start was recorded
            return f"endgame, start not recorded ({steps})"
        return f"endgame from compute {compute_text(status.began)} ({steps})"
    if status.spent < status.begins:
        return f"endgame not reached (from compute {compute_text(status.begins)})"
    if status.missing:
        return (f"endgame not started: {status.missing} more top-budget candidate{'s' * (status.missing != 1)} "
                f"needed")
    return "endgame not started: run.compute was spent as it became due"


def endgame_line(trajectory: Trajectory, compute: tuple[float, float | None, str] | None) -> str:
    """What a model-based run's endgame did, or '' for other runs: when it may start (the last ``exploit_share``
    of run.compute, once the top budget holds ``endgame_results`` candidates, 0 read as the number it stands
    for), how many candidates the top budget holds, how many of its results are repeats, how many local steps
    were taken and at which compute it started; a run past the compute share still short of candidates says
    that it waits. Read by :func:`endgame_status`; '' if that cannot be read."""
    found = endgame_status(trajectory, compute)
    if found is None or compute is None:
        return ""
    policy, status, dimension = found
    stored = trajectory.run["config"]["policy"]
    candidates, repeated, local = status.candidates, status.repeated, status.local
    held = (f"the top budget holds {candidates} candidate{'s' * (candidates != 1)}"
            + (f" ({repeated} more result{'s' * (repeated != 1)} of repeats)" if repeated else "")
            + f"; {local} local step{'s' * (local != 1)}")
    spent, allowed, unit = compute
    if status.before_endgame:  # it never had one, and a resume goes on without one (l2l.driver_state.adopt)
        return f"none (the run was started before the endgame existed, 3 December 2026: it runs without one); {held}"
    if status.begins is None:
        why = "exploit_share = 0" if not status.share else "no run.compute"
        return f"off ({why}); {held}"
    need = status.need
    if "endgame_results" not in stored:  # stored before the option: resumed as it ran, without the wait
        given = "stored before endgame_results: no wait, as it ran"
    elif policy.endgame_results:
        given = f"endgame_results = {policy.endgame_results}"
    else:
        given = f"endgame_results = 0: 2 x max(dimension {dimension} + 2, 6)"
    text = (f"from {compute_text(status.begins)} of {compute_text(allowed)} {unit} (the last exploit_share = "
            f"{number(status.share)}) once the top budget holds {need} candidate{'s' * (need != 1)} ({given}); {held}")
    if status.started and status.began is not None:
        text += f"; started at compute {compute_text(status.began)}"
    elif not status.started and spent >= status.begins and status.missing:
        text += (f"; not started: {status.missing} more needed at the top budget (until then the run "
                 f"proposes, as a longer run would)")
    return text


def _pbt_options(stored: dict[str, Any], fidelity: Any) -> str | None:
    """PBT's options as the run runs them: every option (a ``run.policy = "pbt"`` stores only the population),
    the interval and max_budget as derived from the budgets when left at 0, and which were derived; None if the
    stored table cannot be read back (a file from another version)."""
    import dataclasses

    from l2l.policies import POLICIES

    rungs = fidelity.get("rungs") if isinstance(fidelity, dict) else None
    try:  # a summary never fails on what it only reports
        policy = POLICIES.create("pbt", {k: v for k, v in stored.items() if k != "name"})
        options = {f.name: getattr(policy, f.name) for f in dataclasses.fields(policy) if f.init}
        if not rungs:
            return None
        top, integer = float(rungs[-1]), bool(fidelity.get("integer"))
        derived = []
        if not policy.max_budget:
            derived.append(f"max_budget: the simulator's {fidelity.get('name') or 'fidelity'} maximum")
        if not policy.interval:
            derived.append("interval: a tenth of max_budget" + ", in whole units" * integer)
        elif integer and float(policy.interval) != policy._interval(top, integer):
            derived.append(f"interval: {number(policy.interval)} rounded to whole units")
        options.update(max_budget=top, interval=policy._interval(top, integer))
    except Exception:  # noqa: BLE001 - the stored form instead
        return None
    text = json.dumps({"name": "pbt", **{k: int(v) if isinstance(v, float) and v.is_integer() else v
                                         for k, v in options.items()}})
    return text + (f"  ({'; '.join(derived)})" if derived else "")


def checkpoints_line(trajectory: Trajectory) -> str:
    """The large checkpoints beside a multi-fidelity run's file and the superseded ones ``l2l prune`` deleted (no
    longer in the folder described), or ''; one wording for ``l2l show`` and the end of ``l2l run``/``resume``, so a
    run pruned and then resumed ends with the line ``l2l show`` prints for it."""
    from l2l.results_schema import pruning
    from l2l.results_schema.checkpoint_store import describe

    stored = describe(trajectory.path, trajectory.run.get("config"))
    pruned = pruning.count(trajectory)
    if pruned:
        stored += f"{'; ' * bool(stored)}{pruned} superseded checkpoint{'s' * (pruned != 1)} pruned (l2l prune)"
    return stored


def missing_folder_line(trajectory: Trajectory, paused: int, interrupted: int = 0) -> str:
    """That the folder of large checkpoints the rows of ``trajectory`` reference is not beside it (a file moved or
    copied without it), and that its ``paused`` candidates and the ``interrupted`` ones a resume would continue
    from a checkpoint (:func:`interrupted_from_checkpoints`) cannot continue until it is back; '' if the folder is
    there or no row references it. Reads the checkpoint references of at most the last :data:`RECENT_ROWS` rows,
    from the last back, and stops at the first: the latest segments' are in the folder whenever the run keeps
    them there (every one under run.checkpoints = "beside"); reading every row's, as ``l2l prune`` does, took
    0.5 s for 29,000 segments (this: under 0.2 ms there, 13 ms for as many rows with no reference)."""
    from l2l.results_schema import checkpoint_store
    from l2l.results_schema.reader import RECENT_ROWS

    root = checkpoint_store.folder_of(trajectory.path)
    if root.is_dir() or "evaluations/checkpoint_length" not in trajectory._layout.datasets \
            or not trajectory.n_evaluations:
        return ""
    try:
        return _missing_folder_line(trajectory, root, paused, RECENT_ROWS, interrupted)
    except Exception:  # noqa: BLE001 - a summary never fails on what it only reports (l2l validate checks rows)
        return ""


def _missing_folder_line(trajectory: Trajectory, root: os.PathLike, paused: int, recent: int,
                         interrupted: int = 0) -> str:
    """:func:`missing_folder_line` past its cheap checks: the last ``recent`` rows looked at."""
    from l2l.results_schema import checkpoint_store, pruning
    from l2l.results_schema.layout import CHECKPOINT_BLOB

    datasets = trajectory._layout.datasets
    start = max(0, trajectory.n_evaluations - recent)
    columns = trajectory.rows(("checkpoint_start", "checkpoint_length"), start)
    starts, lengths = columns["checkpoint_start"], columns["checkpoint_length"]
    magic = checkpoint_store.REFERENCE_MAGIC
    small = np.flatnonzero((lengths >= len(magic)) & (lengths <= 256))[::-1]  # a reference is about 100 bytes
    pruned: set[str] | None = None
    for batch in range(0, len(small), 512):
        chunk = small[batch:batch + 512]
        low, high = int(starts[chunk].min()), int((starts[chunk] + lengths[chunk]).max())
        data = trajectory._read(f"blobs/{CHECKPOINT_BLOB}", high, low) if high - low <= 1 << 24 else None
        for k in chunk.tolist():
            begin, end = int(starts[k]), int(starts[k] + lengths[k])
            piece = data[begin - low:end - low] if data is not None else \
                trajectory._read(f"blobs/{CHECKPOINT_BLOB}", end, begin)
            if not checkpoint_store.is_reference(piece):
                continue
            try:
                digest = checkpoint_store.parse(piece)[0]
            except ValueError:  # a malformed reference: l2l validate reports it
                continue
            pruned = pruning.recorded(datasets) if pruned is None else pruned
            if digest in pruned:  # deleted by l2l prune, on purpose
                continue
            stopped = [f"{n} {state} candidate{'s' * (n != 1)}"
                       for state, n in (("paused", paused), ("interrupted", interrupted)) if n]
            waiting = f"; until it is back, its {' and '.join(stopped)} cannot continue" if stopped else ""
            if os.path.lexists(root):  # a file (or a broken link) where the folder belongs
                return (f"{root} is not a folder (the checkpoints its rows reference belong in a folder of that "
                        f"name): put the run's checkpoint folder back in its place{waiting}")
            return (f"{root} is missing (the checkpoints its rows reference: the file was moved or copied "
                    f"without it): move or copy it back beside the file{waiting}")
    return ""


def restart_line(trajectory: Trajectory, unit: str) -> str:
    """How many segments of a multi-fidelity run trained a candidate from scratch again after an earlier
    successful segment of it, and what that cost beyond continuing ("" if none): the simulator returned no
    checkpoint (a ``python`` function without a ``checkpoint`` parameter, a ``command`` program that left no
    file in ``{checkpoint_dir}``, say one that wrote its state elsewhere), which the run counts but did not say.

    A segment right after a failed one is not counted: it started from scratch for the failure (which the
    failures line names), not for a checkpoint the simulator never returned. Since 10a6207 a PBT member whose
    segment failed keeps the checkpoint that segment started from and continues from it (``from_budget`` > 0: no
    restart to count, nothing printed); it starts from scratch only where that checkpoint could not be read
    (``l2l resume --drop-unreadable`` records it failed). Files written before kept none: there the member
    restarted after every failure."""
    n = trajectory.n_evaluations
    if not trajectory.multi_fidelity or not n:
        return ""
    import pandas as pd

    rows = trajectory.rows(("trial", "budget", "from_budget", "status", "attempts"), 0, n)
    ok = rows["status"] == status_codes()["ok"]
    trials = pd.Series(rows["trial"])
    # each row's trial so far (in file order, by table operations: a loop over the rows took 22 ms a 22,000-segment
    # show): the budget its successful segments reached, and whether its last segment failed (a restart next is the
    # failure's, not a missing checkpoint's: a file before 10a6207, or a checkpoint l2l resume --drop-unreadable
    # could not read)
    reached = pd.Series(np.where(ok, rows["budget"], 0.0)).groupby(trials, sort=False).cummax()
    before = reached.groupby(trials, sort=False).shift(1, fill_value=0.0).to_numpy(dtype=float)
    after_failure = pd.Series(~ok).groupby(trials, sort=False).shift(1, fill_value=False).to_numpy(dtype=bool)
    again = np.flatnonzero((rows["from_budget"] <= 0) & (before > 0) & ~after_failure)  # trained from scratch again
    count, extra = len(again), 0.0
    for row in again.tolist():  # each attempt did (as the run counts compute), summed in file order as before
        extra += float(before[row]) * int(rows["attempts"][row])
    if not count:
        return ""
    return (f"{count} segment{'s' * (count != 1)} trained {'their candidates' if count != 1 else 'its candidate'} "
            f"from scratch again, {compute_text(extra)} {unit} more than continuing: {_no_checkpoint(trajectory)}")


def _no_checkpoint(trajectory: Trajectory) -> str:
    """Who returned no checkpoint, and how it would continue instead, from the stored simulator: a function that
    takes a ``checkpoint`` but returns none read, before, "a python function without a 'checkpoint' parameter".

    A python function whose checkpoint parameter has another name (``def train(params, seed, budget, ckpt)``) did
    return one, which l2l dropped: the banner said "the function takes no checkpoint", and this line said "returned
    no checkpoint". Its signature is read from its module's source in the stored folder (parsed, never imported: a
    summary runs no user code); where the source says nothing certain, the line names both causes."""
    config = trajectory.run.get("config")
    simulator = config.get("simulator") if isinstance(config, dict) else None
    simulator = simulator if isinstance(simulator, dict) else {}
    function = simulator.get("function")
    if simulator.get("name") in ("python", "nest", "brian2"):  # the engines call a model function as python does
        who = function if isinstance(function, str) and function else f"the {simulator.get('name')} function"
        takes = _takes_checkpoint(simulator)
        if takes is None:
            return (f"{who} returned no checkpoint or takes none (no parameter named 'checkpoint'; to continue "
                    f"instead, take checkpoint=None and return "
                    f"l2l.SimulationResult(objectives=..., checkpoint={{...}}))")
        if takes is not True:  # the parameters it has instead
            named = f" ({', '.join(repr(name) for name in takes)} is not one)" if takes else ""
            fix = "rename that parameter checkpoint=None" if len(takes) == 1 else "take checkpoint=None"
            return (f"{who} takes no checkpoint: it has no parameter named 'checkpoint'{named}, so whatever it "
                    f"returned as checkpoint was not kept (to continue instead, {fix})")
        return (f"{who} returned no checkpoint (to continue instead, take checkpoint=None and return "
                f"l2l.SimulationResult(objectives=..., checkpoint={{...}}))")
    if simulator.get("name") == "command":
        return "the program left no file in its {checkpoint_dir} (to continue instead, write its state there)"
    return ("the simulator returned no checkpoint (a python function without a 'checkpoint' parameter, or a program "
            "that left no file in its {checkpoint_dir})")


#: The parameters every multi-fidelity python function gets before its checkpoint: not a misnamed checkpoint.
_CALLED_WITH = ("params", "seed", "budget")


def _takes_checkpoint(simulator: dict) -> bool | list[str] | None:
    """Whether the stored python simulator's function takes a ``checkpoint`` (by name or ``**kwargs``, as
    :func:`l2l.simulators.python_signature.accepts` decides when the run calls it): True, or the names of its parameters past
    ``params, seed, budget`` and its options (those that may have been meant for the checkpoint); None where its
    module's source in the stored folder does not say (gone, not a plain ``def``, a function passed from Python)."""
    import ast

    function, folder = simulator.get("function"), simulator.get("path")
    if not isinstance(function, str) or not isinstance(folder, str):
        return None
    module, _, name = function.partition(":")
    relative = os.path.join(*module.split(".")) if module else ""
    for candidate in (os.path.join(folder, relative + ".py"), os.path.join(folder, relative, "__init__.py")):
        try:
            with open(candidate, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            continue
        defs = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.name == name]
        if len(defs) != 1 or name in _rebound(tree):
            return None  # defined twice, or rebound: the source alone does not say which one ran
        arguments = defs[0].args
        if arguments.kwarg is not None:
            return True
        names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
        if "checkpoint" in names and "checkpoint" not in (a.arg for a in arguments.posonlyargs):
            return True
        options = simulator.get("kwargs")
        options = set(options) if isinstance(options, dict) else set()
        if simulator.get("name") in ("nest", "brian2"):
            names = names[1:]  # the engine module (nest, brian2) comes before params
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults = {a.arg: d for a, d in zip(positional[len(positional) - len(arguments.defaults):],
                                              arguments.defaults)}
        defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
        settings = {n for n, d in defaults.items()  # n_exc=160: a setting, not a misnamed checkpoint (ckpt=None)
                    if not (isinstance(d, ast.Constant) and d.value is None)}
        return [n for n in names if n not in _CALLED_WITH and n not in options and n != "checkpoint"
                and n not in settings]
    return None


def _rebound(tree) -> set[str]:
    """The names a module's top level binds other than by ``def``: assigned or imported."""
    import ast

    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name))
    return names

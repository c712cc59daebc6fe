"""How ``l2l run``, ``l2l resume`` and ``l2l reevaluate`` end: the stop signals they hold for the whole command
(SIGUSR1, SIGTERM, SIGHUP ask the run to stop), the closing lines of a run that returned and their exit status
(1 where nothing succeeded), and the line and status of a stop (128 + the signal's number)."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from pathlib import Path
from typing import Callable, Iterator

from l2l.errors import command, shown
from l2l.hung_up import leave_hung_up_terminal as _leave_hung_up_terminal


@contextlib.contextmanager
def stop_signals(control) -> Iterator[None]:
    """The stop handlers of ``l2l run`` and ``l2l resume`` (:func:`install_stop_signals`) for the whole command,
    its closing lines included; the previous handlers put back as it returns or raises (for a caller of
    :func:`l2l.cli.main` in its own process too).

    They were put back before the closing summary was read and printed: a SIGHUP (a terminal closed then) or a
    SIGTERM that came while it was printed, the file already committed and its lock released, killed ``l2l``
    with the signal's default action (exit status -1 or -15, the summary cut, no 'stopped' line)."""
    from l2l.jobs import signals

    previous = install_stop_signals(control)
    try:
        yield
    finally:
        signals.restore(previous)



def closing(control, path: Path, lines: Callable[[], int], *, ended: str = "the run") -> int:
    """The closing lines of a run that has returned (``lines()`` prints them and returns the exit status), then the
    'stopped' line of a stop; the exit status. Called inside :func:`stop_signals`: a stop signal that comes while
    the lines are printed ends the command with its documented status (SIGHUP 129, SIGTERM 143, SIGUSR1 138) after
    a 'stopped' line saying the run had ended; Ctrl-C then, 130 and a line naming the file, no traceback. A signal
    during the run stopped it: its reason is the one said (a second signal then is the same stop)."""
    ran = control.stop_reason if control.stop_requested else ""  # (a later request_stop may replace the reason)
    try:
        try:
            status = lines()
        except OSError as exc:
            # a terminal that hung up under a run that ignores SIGHUP (SIGHUP ignored, standard output still the
            # terminal): the run went on to its end; its lines cannot be shown (EIO) but its status stands (was: a
            # traceback nobody saw, exit 1). Anything else, or a file or pipe that failed, raises as before.
            if exc.errno != errno.EIO:
                raise
            _leave_hung_up_terminal()
            status = lines()
    except KeyboardInterrupt:
        print(f"\ninterrupted after {ended} had ended; every evaluation is committed in {shown(path)}",
              file=sys.stderr)
        return 130
    if ran:
        return stopped(control, path, reason=ran) or status
    if control.stop_requested:  # came while the lines were printed: nothing left to stop, nothing lost
        print(f"stopped ({control.stop_reason}) after {ended} had ended; every evaluation is committed in "
              f"{shown(path)}", file=sys.stderr)
        return _status(control.stop_reason)
    return status



def install_stop_signals(control) -> dict[int, object]:
    """Make SIGUSR1 and SIGTERM (:func:`l2l.jobs.signals.install`), and SIGHUP, ask ``control``'s run to stop; the
    previous handlers, for :func:`l2l.jobs.signals.restore`.

    SIGHUP is what a closed terminal or a dropped ssh connection sends (without ``nohup``): it killed the run where
    it stood, with no line and the file's ``.lock`` left behind. It now ends the run as SIGTERM does: what finished
    is committed, the lock released, the 'stopped (signal SIGHUP)' line said and the exit status 129 (128 + 1). Where
    SIGHUP is ignored (``nohup``, or a parent that ignores it) it stays ignored, and inside ``l2l submit``'s job
    (no terminal there; its script says what ends the job) its handling is left as it was."""
    import signal

    from l2l.jobs import signals

    previous = signals.install(control)
    hangup = getattr(signal, "SIGHUP", None)
    if (hangup is None or not previous or os.environ.get("L2L_BATCH_JOB")  # (previous {}: not the main thread)
            or signal.getsignal(hangup) in (signal.SIG_IGN, None)):  # nohup; None: a handler not set from Python
        return previous

    def on_hangup(signum: int, frame) -> None:  # noqa: ARG001 - signal handler signature
        signals.note(signum)  # a command program that died of it was stopped, not failed (signals.stopped_by)
        _leave_hung_up_terminal()
        control.request_stop(f"signal {signal.Signals(signum).name}")

    previous[hangup] = signal.signal(hangup, on_hangup)
    return previous



def stopped(control, path, again: str | None = None, *, reason: str | None = None) -> int:
    """Say that a signal stopped the run; its exit status, 128 + the signal's number (0 if not stopped).

    A run stopped before its end does not exit 0, so that ``l2l run ... && next-step`` does not go on
    with an unfinished run (the shell's convention: SIGTERM 143, SIGUSR1 138). ``again``: the command that
    continues it, where that is not ``l2l resume FILE`` (``l2l reevaluate FILE ...``, the same command again).
    ``reason``: the stop's, where ``control``'s may have been replaced since (:func:`closing`).
    """
    reason = reason or (control.stop_reason if control.stop_requested else "")
    if not reason:
        return 0
    if again is not None:
        after = f"continue with: {again}"
    elif os.environ.get("L2L_BATCH_JOB"):  # inside l2l submit's job: its script requeues it, or says how to go on
        # the script's line comes after this one at the warning's SIGUSR1, before it at SLURM's SIGTERM
        after = "the job's 'l2l submit:' line says whether it requeues itself to resume the run, or how to go on"
    else:
        after = f"continue with: {command('l2l', 'resume', path)}"
    print(f"stopped ({reason}) after committing every finished evaluation; {after}", file=sys.stderr)
    return _status(reason)



def _status(reason: str) -> int:
    """The exit status of a run stopped for ``reason``: 128 + the signal's number ('signal SIGTERM': 143), else 1."""
    import signal

    name = reason.rpartition(" ")[2]
    number = getattr(signal, name, None) if name.startswith("SIG") else None
    return 128 + int(number) if number is not None else 1



def closing_summary(path: Path, seconds: float) -> int:
    """Print what the run did; the exit status: 1 if it evaluated something and nothing succeeded, or if a run
    with a ``[policy]`` has no candidate at the top budget because its segments failed (every one that continued
    a candidate, or, its policy done, the others that would have reached it)."""
    from l2l.summary import finished_text, summary_of

    print(finished_text(path, seconds))
    summary = summary_of(path)
    if summary.status == "stopped":  # by run.stop_after_failures: why, and the command once the model is fixed
        gave_up = _stopped_for_failures(path, bool(summary.compute is not None and summary.policy))
        if gave_up:
            print(gave_up, file=sys.stderr)
            return 1
    if summary.evaluations and summary.unsuccessful == summary.evaluations:
        print(f"l2l: every evaluation failed; the last: {summary.last_error or '(no error text)'} "
              f"(all errors: l2l.load({str(path)!r})['error'])", file=sys.stderr)
        return 1
    states = summary.candidates or {}
    if (summary.candidates is not None and summary.policy and summary.unsuccessful and not states.get("completed")
            and not any(states.get(state) for state in ("running", "interrupted"))):
        # no result at the top budget and every attempt to take a candidate past the budget it started at failed:
        # a failed run, also where run.compute (max_time, evaluations) ran out first and left candidates paused,
        # which a resume would only continue into the same failure; a run cut short whose continuations worked
        # (or that continued none yet) is paused, not failed, and exits 0
        from l2l.results_schema.reader import Trajectory
        from l2l.summary.multi_fidelity import continuations

        with Trajectory(path) as trajectory:
            continued, failed, last = continuations(trajectory)
        if continued and failed == continued:
            print(f"l2l: no candidate reached the top budget: every segment that continued a candidate failed "
                  f"({failed} of {continued}; {summary.unsuccessful} of {summary.evaluations} segments failed in "
                  f"all), the last: {last} (all errors: l2l.load({str(path)!r}, segments=True)['error'])",
                  file=sys.stderr)
            return 1
    if (summary.candidates is not None and summary.unsuccessful and not states.get("completed")
            and not any(states.get(state) for state in ("paused", "running", "interrupted"))):
        # a policy that is done with no candidate at the top budget because its segments failed has no result
        print(f"l2l: no candidate reached the top budget: {summary.unsuccessful} of {summary.evaluations} "
              f"segments failed, the last: {summary.last_error or '(no error text)'} "
              f"(all errors: l2l.load({str(path)!r}, segments=True)['error'])", file=sys.stderr)
        return 1
    return 0



def _stopped_for_failures(path: Path, segments: bool) -> str:
    """The line that says the run in ``path`` stopped as its first evaluations all failed (run.stop_after_failures,
    :func:`l2l.driver_failures.file_line`); '' if it did not stop so."""
    from l2l.driver_failures import file_line

    return file_line(path, segments)



def finished_lines(path: Path) -> int:
    """What ``l2l resume`` prints of a finished run it had nothing to run for: what the file holds, without the
    summary's first line ('done in 0.0 s'); exit status 0."""
    from l2l.summary import finished_text

    print(finished_text(path, 0.0).split("\n", 1)[1])
    return 0

"""The ``l2l`` command: run, resume, show, validate, list (and the commands of plug-in modules).

This module parses the command line and dispatches; what a command does lives in its own module
(:mod:`l2l.summary`, :mod:`l2l.commands`, :mod:`l2l.analysis`).

Errors in what the user gave (config, file, option) end the command with one
line on stderr naming the problem and exit status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import importlib
import os
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, NoReturn, Sequence

from l2l import __version__
from l2l.errors import ConfigError, L2LError, TrajectoryError, command, shown
from l2l.hung_up import leave_hung_up_terminal as _leave_hung_up_terminal
from l2l.numbers import number
from l2l.words import command_line

#: Modules that add subcommands: each has ``register(subparsers)``.
PLUGIN_COMMANDS = ("l2l.commands.analysis", "l2l.commands.slurm", "l2l.commands.reevaluate", "l2l.commands.prune",
                   "l2l.commands.checkpoint")


def _run(args: argparse.Namespace) -> int:
    from l2l.config import load_config

    config = load_config(args.config).with_overrides(backend=args.backend, workers=args.workers,
                                                     seed=args.seed, generations=args.generations,
                                                     evaluations=args.evaluations, max_time=args.max_time,
                                                     compute=args.compute, target=args.target)
    if config.backend.name == "local" and not args.dry_run:
        from l2l.jobs.warm import start_fork_server

        start_fork_server()  # the workers' imports overlap the loop's (l2l.run does the same)
    from l2l.control import RunControl
    from l2l.loop import build, run
    from l2l.out_path import check_out, default_out, out_folder_refusal

    components = build(config)  # refuse a bad config before printing or creating anything
    if args.out is not None and not args.out.strip():  # '' fell back to the default file unsaid
        raise ConfigError(f"--out must name a file, e.g. run.h5, got {args.out!r}")
    out = Path(args.out) if args.out else default_out(config)
    if out.is_dir():  # '.' and '/' (names without a last part) failed with a traceback in check_out's first check
        raise TrajectoryError(out_folder_refusal(out, config, from_config=not args.out))
    if args.out and args.out.endswith(("/", os.sep)):  # 'x/' wrote a file named x, not a run in the folder x
        raise ConfigError(f"--out must name a file, e.g. {os.path.join(args.out, 'run.h5')}, got {args.out!r}")
    existing = None
    try:
        check_out(out, config)  # an unusable output path is refused before anything is printed or started
    except L2LError as exc:
        if not (args.dry_run and out.is_file()):
            raise
        # a dry run writes nothing: an existing file of this config is no obstacle to printing the job script (it
        # was refused, 'already exists'), but said; one of another config is refused, as by the run
        check_out(out, config, existing_ok=True)
        existing = exc
    if args.dry_run:
        from l2l.commands.dry_run import check_lines, plan_lines, proposer
        from l2l.run_warnings import warn_options

        warn_options(components)  # (l2l run says it as the run starts)
        checks, refusal = check_lines(components)  # the backend's, as l2l run makes them before creating the file
        script = getattr(components.executor, "job_script", None)
        print(f"config {shown(args.config)} is valid: {proposer(config, components)} over {_parameters(config.space)}, "
              f"simulator {config.simulator.name}, backend {config.backend.name} -> {shown(out.absolute())}")
        # what it would do: the policy with its options and the compute (in fidelity units), or the generations
        print("\n".join(plan_lines(config, components, _extent(config, components)) + checks))
        if existing is not None:
            print(f"note: l2l run would stop here: {existing}", file=sys.stderr)
        if callable(script):  # (its jobs named as the run's will be: l2l-NAME, from the file's name)
            print(script(run_dir=str(out.with_suffix(".work"))))
        if refusal is not None:
            raise refusal
        return 0
    started = time.time()
    extent = _extent(config, components)
    unused = _proposes(config.policy.name if config.policy is not None else None)
    proposer = config.policy.name if unused else config.optimizer.name
    # the file named absolutely, as the closing 'results:' line names it (722e9c7): --out run.h5 is relative
    print(f"l2l {__version__}: {config.name}: {proposer} x {config.simulator.name} "
          f"on {config.backend.name}, {extent} -> {shown(out.absolute())}", file=sys.stderr)
    eta = getattr(components.policy, "eta", None)  # one rung of a policy with rungs: allowed for model-based only
    if eta and len(components.budgets) == 1:
        from l2l.components_schedule import one_rung

        fidelity = components.fidelity
        low = components.policy.min_budget or fidelity.minimum
        print("note: " + one_rung(components.policy, low, components.budgets[-1], fidelity,
                                  "nothing is stopped early, every candidate it proposes trains to the top budget "
                                  "(a model-based search there); for early stopping"), file=sys.stderr)
    if unused:  # model-based proposes every candidate itself: the [optimizer] is never asked
        print(f"note: policy {config.policy.name!r} proposes every candidate itself (its own model of the "
              f"results): optimizer {config.optimizer.name!r} is not used", file=sys.stderr)
    describe = getattr(components.optimizer, "describe", None)
    if callable(describe) and not unused:  # 'auto' says what it chose and why
        print(describe(components.problem), file=sys.stderr)
    control = getattr(args, "control", None) or RunControl()
    with _stop_signals(control):  # until the closing lines are said (_closing)
        try:
            # the closing lines name the file absolutely (--out run.h5 is relative), as resume's do: one to paste
            path = run(config, out, progress=not args.no_progress, control=control).absolute()
        except KeyboardInterrupt:  # named as the banner and the 'results:' line name it, absolutely
            if not out.exists():  # interrupted before the file was created (waiting for a Dask scheduler, say)
                print(f"\ninterrupted before {shown(out.absolute())} was created; nothing ran, nothing to resume",
                      file=sys.stderr)
                return 130
            print(f"\ninterrupted; every committed evaluation is in {shown(out.absolute())}; continue with: "
                  f"{command('l2l', 'resume', out.absolute())}", file=sys.stderr)
            return 130
        return _closing(control, path, lambda: _summary(path, time.time() - started))


@contextlib.contextmanager
def _stop_signals(control) -> Iterator[None]:
    """The stop handlers of ``l2l run`` and ``l2l resume`` (:func:`_install_stop_signals`) for the whole command,
    its closing lines included; the previous handlers put back as it returns or raises (for a caller of
    :func:`main` in its own process too).

    They were put back before the closing summary was read and printed: a SIGHUP (a terminal closed then) or a
    SIGTERM that came while it was printed, the file already committed and its lock released, killed ``l2l``
    with the signal's default action (exit status -1 or -15, the summary cut, no 'stopped' line)."""
    from l2l.jobs import signals

    previous = _install_stop_signals(control)
    try:
        yield
    finally:
        signals.restore(previous)


def _closing(control, path: Path, lines: Callable[[], int], *, ended: str = "the run") -> int:
    """The closing lines of a run that has returned (``lines()`` prints them and returns the exit status), then the
    'stopped' line of a stop; the exit status. Called inside :func:`_stop_signals`: a stop signal that comes while
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
        return _stopped(control, path, reason=ran) or status
    if control.stop_requested:  # came while the lines were printed: nothing left to stop, nothing lost
        print(f"stopped ({control.stop_reason}) after {ended} had ended; every evaluation is committed in "
              f"{shown(path)}", file=sys.stderr)
        return _status(control.stop_reason)
    return status


def _install_stop_signals(control) -> dict[int, object]:
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


def _proposes(policy: str | None) -> bool:
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


def _extent(config, components) -> str:
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


def _parameters(space) -> str:
    """``3 parameters``, or ``1 parameter (10 values)`` when some have a shape."""
    count, values = len(space.parameters), sum(int(p.size) for p in space.parameters)
    text = f"{count} parameter{'s' * (count != 1)}"
    return text + (f" ({values} values)" if values != count else "")


def _resume(args: argparse.Namespace) -> int:
    from l2l.control import RunControl
    from l2l.loop import resume

    if args.backend is not None:  # checked before the file is read: a finished run would otherwise say "nothing to
        # resume"; '' too, which was taken for no --backend
        from l2l.jobs import BACKENDS

        BACKENDS.get(args.backend)
    control = getattr(args, "control", None) or RunControl()
    started, idle = time.time(), []
    with _stop_signals(control):  # until the closing lines are said (_closing)
        try:
            path = resume(args.file, generations=args.generations, evaluations=args.evaluations,
                          max_time=args.max_time, compute=args.compute, backend=args.backend, workers=args.workers,
                          progress=not args.no_progress, control=control, drop_unreadable=args.drop_unreadable,
                          stop_after_failures=args.stop_after_failures, model_dir=args.model_dir,
                          accept_changed_model=args.accept_changed_model,
                          announce=lambda trajectory: _announce(trajectory, args),
                          nothing_to_do=lambda trajectory: idle.append(_said(_finished_banner(trajectory))),
                          nothing_more=lambda trajectory, why: idle.append(_said(_finished_banner(trajectory, why))))
            path = path.absolute()  # 'results: run.h5' read as if the file were elsewhere than l2l run said
        except KeyboardInterrupt:
            again = ["--model-dir", Path(args.model_dir).absolute()] if args.model_dir is not None else []
            again += ["--accept-changed-model"] * args.accept_changed_model
            print(f"\ninterrupted; continue with: {command('l2l', 'resume', Path(args.file).absolute(), *again)}",
                  file=sys.stderr)
            return 130
        if idle:  # a finished run with nothing to run but its re-evaluation: what it holds, without "done in 0.0 s"
            # (a stop that cut the re-evaluation it resumed short: said, 143; it exited 0)
            return _closing(control, path, lambda: _finished_lines(path))
        return _closing(control, path, lambda: _summary(path, time.time() - started))


def _finished_lines(path: Path) -> int:
    """What ``l2l resume`` prints of a finished run it had nothing to run for: what the file holds, without the
    summary's first line ('done in 0.0 s'); exit status 0."""
    from l2l.summary import finished_text

    print(finished_text(path, 0.0).split("\n", 1)[1])
    return 0


def _said(line: str) -> str:
    """``line``, printed on stderr as it is made: a banner of ``l2l resume``, said before the notes resume prints
    after it (the SLURM jobs of a killed session it cancelled)."""
    print(line, file=sys.stderr)
    return line


def _finished_banner(trajectory, why: str | None = None) -> str:
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


def _announce(trajectory, args: argparse.Namespace) -> None:
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
    proposer = summary.policy if _proposes(summary.policy) else summary.optimizer.get("name", "?")
    return (f"l2l {__version__}: resuming {summary.name}: {proposer} x "
            f"{summary.simulator.get('name', '?')} on {backend}; "
            f"{progress_line(summary, status=False, resuming=True)} -> {shown(Path(trajectory.path).absolute())}")


def _stopped(control, path, again: str | None = None, *, reason: str | None = None) -> int:
    """Say that a signal stopped the run; its exit status, 128 + the signal's number (0 if not stopped).

    A run stopped before its end does not exit 0, so that ``l2l run ... && next-step`` does not go on
    with an unfinished run (the shell's convention: SIGTERM 143, SIGUSR1 138). ``again``: the command that
    continues it, where that is not ``l2l resume FILE`` (``l2l reevaluate FILE ...``, the same command again).
    ``reason``: the stop's, where ``control``'s may have been replaced since (:func:`_closing`).
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


def _summary(path: Path, seconds: float) -> int:
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


def _show(args: argparse.Namespace) -> int:
    from l2l.results_schema.reader import Trajectory
    from l2l.summary import show_text

    if args.top < 1:  # head(0) printed an empty pandas frame, head(-1) "best 16" of 17 rows read
        raise ConfigError(f"--top must be an integer >= 1 (the best individuals to show), got {args.top}")
    if args.events < 0:
        raise ConfigError(f"--events must be an integer >= 0 (the last events to show), got {args.events}")
    with Trajectory(args.file) as trajectory:
        print(show_text(trajectory, top=args.top, events=args.events))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from l2l.commands.validate import validate_files

    return validate_files(args.files)


def _list(args: argparse.Namespace) -> int:
    from l2l.commands.listing import listing

    print(listing(args.kind, verbose=args.verbose), end="")
    return 0


class Parser(argparse.ArgumentParser):
    """The parser of ``l2l`` and of each of its subcommands (``add_subparsers`` makes them of the parser's class).

    A refusal is one line, as l2l's other errors: ``l2l: error: ...`` naming the problem, then the help to read;
    exit status 2 (argparse printed its usage block first: two lines and more). Long options are taken only
    as written: argparse took ``--dry`` for ``--dry-run``, so a typo that is the start of an option meant it.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"l2l: error: {' '.join(message.split())} (see '{self.prog} --help')\n")


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="l2l", description="Learning to learn: explore parameter spaces of brain-inspired models; "
                                         "one HDF5 trajectory per run.")
    top.add_argument("--version", action="version", version=f"l2l {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("run", help="run a config into a new trajectory file",
                       description="Run CONFIG.toml; refuses to overwrite an existing output file.")
    p.add_argument("config", help="TOML config file")
    p.add_argument("-o", "--out", help="output HDF5 file (default: run.out or NAME.h5 beside the config)")
    p.add_argument("--backend", help="serial, local, dask, slurm or slurm-array (overrides [backend])")
    p.add_argument("--workers", type=int, help="workers for the backend")
    p.add_argument("--seed", type=int, help="run seed (overrides run.seed)")
    p.add_argument("--generations", type=int, help="number of generations (overrides run.generations)")
    p.add_argument("--evaluations", type=int, help="evaluation budget (overrides run.evaluations)")
    p.add_argument("--max-time", type=float, help="wall-time budget in seconds (overrides run.max_time)")
    p.add_argument("--compute", type=float, help="compute budget of a run with a [policy], in fidelity units "
                                                 "(overrides run.compute)")
    p.add_argument("--target", help="end the run once a candidate reaches this value of the objective, e.g. 0.95, "
                                    "or of each objective named, e.g. loss=0.1,accuracy=0.9 (overrides run.target)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--dry-run", action="store_true", help="validate, say what the run would do (its policy and "
                   "compute, or its generations), print the job script of SLURM backends, stop")
    p.set_defaults(func=_run)

    p = sub.add_parser("resume", help="continue a run from its trajectory file",
                       description="Continue from the last completed generation; a generation that was "
                                   "interrupted reuses the evaluations already stored.")
    p.add_argument("file")
    p.add_argument("--generations", type=int, help="new total number of generations (to extend a run)")
    p.add_argument("--evaluations", type=int, help="new evaluation budget of the run (to extend it)")
    p.add_argument("--max-time", type=float, help="new wall-time budget in seconds, over the run's life")
    p.add_argument("--compute", type=float, help="new compute budget of a run with a [policy], in fidelity "
                                                 "units (to extend it)")
    p.add_argument("--backend", help="run the remaining evaluations on this backend, from its defaults (and "
                                     "--workers), even where it is the run's own; without it the run's stored "
                                     "[backend] and its options")
    p.add_argument("--workers", type=int)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--drop-unreadable", action="store_true",
                   help="a checkpoint that cannot be read (damaged file) fails the segment that would continue "
                        "from it, and the run goes on (default: stop with an error, so the file can be restored)")
    p.add_argument("--stop-after-failures", type=int, metavar="N",
                   help="stop once the first N evaluations of this session all failed and none of the run ever "
                        "succeeded (overrides run.stop_after_failures, for later resumes too; 0: never, for a model "
                        "that fails in much of its space)")
    p.add_argument("--model-dir", metavar="DIR",
                   help="the folder that holds the run's model now (a python, nest or brian2 simulator's module, a "
                        "command's files), where the folder the file names is gone (a copy on another machine); its "
                        "model must hash as the one that ran (l2l show's model line); recorded in this session's "
                        "event, the stored config left as it is")
    p.add_argument("--accept-changed-model", action="store_true",
                   help="with --model-dir: go on with a model there that is not the one the run ran (its rows are "
                        "then of two models; a warning says so)")
    p.set_defaults(func=_resume)

    p = sub.add_parser("show", help="what ran, how far, the best individuals")
    p.add_argument("file")
    p.add_argument("--top", type=int, default=10, help="best individuals to show (>= 1, default 10)")
    p.add_argument("--events", type=int, default=5, help="last events to show (>= 0, default 5)")
    p.set_defaults(func=_show)

    p = sub.add_parser("validate", help="check files against the trajectory spec (exit 1 if not)")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=_validate)

    p = sub.add_parser("list", help="optimizers, simulators, backends and policies with their options")
    p.add_argument("kind", nargs="?", choices=["optimizers", "simulators", "backends", "policies"])
    p.add_argument("-v", "--verbose", action="store_true", help="show options of every component")
    p.set_defaults(func=_list)

    for module_name in PLUGIN_COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(sub)
    return top


@functools.lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    """The command line's parser, built once per process (building it, with every subcommand's options, took
    2 ms of CPU per :func:`main` call; parsing leaves it as it was: each call gets a new namespace)."""
    return parser()


def _unrecognized(command: argparse.ArgumentParser, unknown: list[str]) -> str:
    """What is wrong with the words ``command`` did not take: the options it does not know, each with the one it
    most likely meant (abbreviations are not taken: ``--dry`` is ``--dry-run``); else the extra arguments.

    Only the options are named when there are any: the word after an unknown option was taken as the positional
    argument or left over (``l2l show --generations 3 x.h5`` leaves ``--generations x.h5``), not the mistake."""
    import difflib

    def is_option(word: str) -> bool:
        try:
            float(word)
        except ValueError:
            return word.startswith("-") and word != "-"
        return False

    options = [word for word in unknown if is_option(word)]
    if not options:
        return f"unrecognized arguments: {' '.join(unknown)}"
    known = [name for action in command._actions for name in action.option_strings]
    named = []
    for word in options:
        given = word.split("=", 1)[0]
        meant = [name for name in known if name.startswith(given) and name.startswith("--")]
        meant = meant if len(meant) == 1 else difflib.get_close_matches(given, known, n=1)
        named.append(f"{word!r}" + (f" (did you mean {meant[0]!r}?)" if meant else ""))
    return f"unknown option{'s' * (len(named) != 1)} {', '.join(named)}"


def _empty_file_argument(top: argparse.ArgumentParser, args: argparse.Namespace) -> tuple | None:
    """(the subcommand's parser, what to say) where a file argument of the command (FILE, CONFIG, FILES) is given
    empty (``l2l show "$RUN"`` with RUN unset), else None. Each command said it otherwise, none of them naming the
    argument: 'path must name a file' (run, show, plot, export), '. is a folder' (prune), ': no such file'
    (validate)."""
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    chosen = sub.choices[args.command]
    for action in chosen._actions:
        if action.option_strings or action.dest not in ("file", "files", "config"):
            continue
        given = getattr(args, action.dest, None)
        # blank (" ": a quoted unset variable beside a space) too, unless a file has that name
        bad = [value for value in (given if isinstance(given, list) else [given])
               if isinstance(value, str) and not value.strip() and (value == "" or not os.path.exists(value))]
        if bad:
            what = "a TOML config file" if action.dest == "config" else "a trajectory file (.h5)"
            name = f"one of {action.dest.upper()}" if isinstance(given, list) else action.dest.upper()
            state = "empty" if bad[0] == "" else f"blank ({bad[0]!r})"
            return chosen, f"argument {name} is {state} (an unset shell variable?); give {what}"
    return None


def main(argv: Sequence[str] | None = None, *, control=None) -> int:
    """The ``l2l`` command; ``control`` (a :class:`l2l.control.RunControl`) is the run's stop handle
    for ``run``/``resume``, when the caller installed signal handlers before parsing (``l2l submit``)."""
    top = _parser()
    args, unknown = top.parse_known_args(argv)
    if unknown:  # said by the subcommand, naming its help (argparse would name the top level's)
        sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
        chosen = sub.choices[args.command]
        chosen.error(_unrecognized(chosen, unknown))
    empty = _empty_file_argument(top, args)
    if empty:  # said as the parser says its refusals, returned as l2l's own (main(["show", ""]) == 2)
        print(f"l2l: error: {empty[1]} (see '{empty[0].prog} --help')", file=sys.stderr)
        return 2
    args.control = control
    try:
        with command_line():  # messages name its options (--out), not l2l.run's arguments (l2l.words)
            return int(args.func(args) or 0)
    except L2LError as exc:
        print(f"l2l: error: {shown(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:  # Ctrl-C before a run started (its build imports its components) or during a command
        print("\nl2l: interrupted", file=sys.stderr)  # that has no line of its own: a traceback, exit status -2
        return 130


if __name__ == "__main__":
    sys.exit(main())

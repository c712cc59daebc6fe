"""The ``l2l`` command: run, resume, show, validate, list (and the commands of plug-in modules).

This module parses the command line and dispatches; what a command does lives in its own module
(:mod:`l2l.summary`, :mod:`l2l.commands`, :mod:`l2l.analysis`).

Errors in what the user gave (config, file, option) end the command with one
line on stderr naming the problem and exit status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import time
from pathlib import Path
from typing import NoReturn, Sequence

from l2l import __version__
from l2l.cli_banners import announce, finished_banner, parameters, proposes, run_extent, said
from l2l.cli_closing import closing, closing_summary, finished_lines, stop_signals
from l2l.cli_closing import install_stop_signals as _install_stop_signals, stopped as _stopped  # noqa: F401 - tests
from l2l.errors import ConfigError, L2LError, TrajectoryError, command, shown
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
    if out.suffix.lower() in _NOT_A_TRAJECTORY and not os.path.lexists(out):  # an existing one: check_out's words
        # 'l2l run c.toml -o results.csv' wrote an HDF5 file under that name
        suffix = out.suffix.lower()
        other = {".csv": "export", ".tsv": "export", ".parquet": "export", ".png": "plot", ".svg": "plot",
                 ".pdf": "plot", ".html": "report"}.get(suffix)
        raise ConfigError(f"{'--out' if args.out else 'run.out'} names the run's HDF5 trajectory, not a {suffix[1:]} "
                          f"file: give it e.g. {out.with_suffix('.h5').name}"
                          + (f" (then l2l {other} {out.with_suffix('.h5').name} -o {out.name})" if other else ""))
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
        print(f"config {shown(args.config)} is valid: {proposer(config, components)} over {parameters(config.space)}, "
              f"simulator {config.simulator.name}, backend {config.backend.name} -> {shown(out.absolute())}")
        # what it would do: the policy with its options and the compute (in fidelity units), or the generations
        print("\n".join(plan_lines(config, components, run_extent(config, components)) + checks))
        if existing is not None:
            print(f"note: l2l run would stop here: {existing}", file=sys.stderr)
        if callable(script):  # (its jobs named as the run's will be: l2l-NAME, from the file's name)
            print(script(run_dir=str(out.with_suffix(".work"))))
        if refusal is not None:
            raise refusal
        return 0
    started = time.time()
    extent = run_extent(config, components)
    unused = proposes(config.policy.name if config.policy is not None else None)
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
    with stop_signals(control):  # until the closing lines are said (closing)
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
        return closing(control, path, lambda: closing_summary(path, time.time() - started))


def _resume(args: argparse.Namespace) -> int:
    from l2l.control import RunControl
    from l2l.loop import resume

    if args.backend is not None:  # checked before the file is read: a finished run would otherwise say "nothing to
        # resume"; '' too, which was taken for no --backend
        from l2l.jobs import BACKENDS

        BACKENDS.get(args.backend)
    control = getattr(args, "control", None) or RunControl()
    started, idle = time.time(), []
    with stop_signals(control):  # until the closing lines are said (closing)
        try:
            path = resume(args.file, generations=args.generations, evaluations=args.evaluations,
                          max_time=args.max_time, compute=args.compute, backend=args.backend, workers=args.workers,
                          progress=not args.no_progress, control=control, drop_unreadable=args.drop_unreadable,
                          stop_after_failures=args.stop_after_failures, model_dir=args.model_dir,
                          accept_changed_model=args.accept_changed_model,
                          announce=lambda trajectory: announce(trajectory, args),
                          nothing_to_do=lambda trajectory: idle.append(said(finished_banner(trajectory))),
                          nothing_more=lambda trajectory, why: idle.append(said(finished_banner(trajectory, why))))
            path = path.absolute()  # 'results: run.h5' read as if the file were elsewhere than l2l run said
        except KeyboardInterrupt:
            again = ["--model-dir", Path(args.model_dir).absolute()] if args.model_dir is not None else []
            again += ["--accept-changed-model"] * args.accept_changed_model
            print(f"\ninterrupted; continue with: {command('l2l', 'resume', Path(args.file).absolute(), *again)}",
                  file=sys.stderr)
            return 130
        if idle:  # a finished run with nothing to run but its re-evaluation: what it holds, without "done in 0.0 s"
            # (a stop that cut the re-evaluation it resumed short: said, 143; it exited 0)
            return closing(control, path, lambda: finished_lines(path))
        return closing(control, path, lambda: closing_summary(path, time.time() - started))


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


#: suffixes of files other commands write, never a trajectory's: ``l2l run c.toml -o results.csv`` (a newcomer's
#: guess that run writes the table export writes) wrote an HDF5 file named results.csv
_NOT_A_TRAJECTORY = frozenset({".csv", ".tsv", ".parquet", ".json", ".png", ".svg", ".pdf", ".html", ".toml",
                               ".txt", ".npz", ".npy", ".xlsx", ".pkl", ".py"})


def _seconds(text: str) -> float:
    """--max-time's seconds; a duration written as SLURM's ``--time`` (``1:30:00``) or with a unit (``2h``, ``90m``)
    is refused naming its seconds (argparse said only "invalid float value: '2h'")."""
    import re

    try:
        return float(text)
    except ValueError:
        pass
    word = text.strip().lower()
    unit = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)", word)
    clock = re.fullmatch(r"(?:(\d+)-)?(\d+(?::\d{1,2}){0,2})", word)
    seconds = None
    if unit:
        seconds = float(unit.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit.group(2)[0]]
    elif clock and (clock.group(1) or ":" in word):  # SLURM's --time: M:S, H:M:S, D-H, D-H:M, D-H:M:S
        parts = [int(part) for part in clock.group(2).split(":")]
        if clock.group(1):  # days-hours[:minutes[:seconds]]
            parts = [int(clock.group(1)) * 24 + parts[0], *parts[1:], 0, 0][:3]
        else:  # minutes:seconds or hours:minutes:seconds
            parts = ([0] + parts) if len(parts) == 2 else parts
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
    if seconds is None:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}")
    raise argparse.ArgumentTypeError(f"is in seconds: {text!r} is {seconds:g}")


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

    def _check_value(self, action: argparse.Action, value) -> None:
        """argparse's refusal of a word not among an argument's choices, with the choice most likely meant, as a
        misspelt option and a misspelt optimizer name are said (``l2l shwo``, ``l2l list optimizer``, ``l2l plot
        --kind fitnes`` named every choice but not the one meant)."""
        try:
            super()._check_value(action, value)
        except argparse.ArgumentError as exc:
            meant = _meant(value, [str(choice) for choice in action.choices or ()])
            if not meant:
                raise
            raise argparse.ArgumentError(action, f"{exc.message}; did you mean {meant!r}?") from None


def _meant(given, choices: list[str]) -> str | None:
    """The one choice ``given`` most likely misspells: the only one it starts or ends (a plural left out, a word
    cut short), else the closest by difflib; None where nothing is close."""
    import difflib

    given = str(given)
    start = [c for c in choices if c.startswith(given) or given.startswith(c)]
    if len(start) == 1:
        return start[0]
    close = difflib.get_close_matches(given, choices, n=1)
    return close[0] if close else None


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
    p.add_argument("--max-time", type=_seconds, help="wall-time budget in seconds (overrides run.max_time)")
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
    p.add_argument("--max-time", type=_seconds, help="new wall-time budget in seconds, over the run's life")
    p.add_argument("--compute", type=float, help="new compute budget of a run with a [policy], in fidelity "
                                                 "units (to extend it)")
    p.add_argument("--backend", help="run the remaining evaluations on this backend, from its defaults (and "
                                     "--workers), even where it is the run's own; without it the run's stored "
                                     "[backend] and its options")
    p.add_argument("--workers", type=int, help="workers for the backend (the stored [backend]'s, or --backend's)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
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
        # a short option another command has, or SLURM's (``l2l submit -o``, ``-t``, ``-c``): the long one it starts
        long = "-" + given if len(given) == 2 and given[1] != "-" else given
        meant = [name for name in known if name.startswith(long) and name.startswith("--")]
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


def _unclosed() -> bool:
    """A trajectory the disk refused to let HDF5 close (:data:`l2l.results_schema.files.UNCLOSED`)."""
    files = sys.modules.get("l2l.results_schema.files")
    return bool(files is not None and files.UNCLOSED)


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
        if argv is None and _unclosed():  # the command itself (not a caller's main([...])): HDF5 would crash as
            sys.stdout.flush()  # the process exits, the line said, status 139 (h5py issue 914): ended without it
            sys.stderr.flush()
            os._exit(2)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:  # Ctrl-C before a run started (its build imports its components) or during a command
        print("\nl2l: interrupted", file=sys.stderr)  # that has no line of its own: a traceback, exit status -2
        return 130


if __name__ == "__main__":
    sys.exit(main())

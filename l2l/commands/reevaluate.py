"""``l2l reevaluate FILE``: evaluate the best candidates of a run again on fresh seeds (see :mod:`l2l.reevaluate`).

Registered by :mod:`l2l.cli` through :func:`register`.
"""

from __future__ import annotations

import argparse
import sys


def _reevaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from l2l.cli_closing import closing as _closing, stop_signals as _stop_signals, stopped as _stopped
    from l2l.components import function_needed
    from l2l.run_options import MAX_REEVALUATION_SEEDS
    from l2l.control import RunControl
    from l2l.errors import ConfigError
    from l2l.reevaluate import DEFAULT_SEEDS, DEFAULT_TOP, _reevaluate_locked
    from l2l.results_schema.reader import Trajectory

    top, seeds = args.top, args.seeds
    for flag, value in (("--top", top), ("--seeds", seeds)):  # named as typed, before the file is read
        if value is not None and value < 1:
            raise ConfigError(f"{flag} must be an integer >= 1, got {value}")
    if seeds is not None and seeds > MAX_REEVALUATION_SEEDS:  # fresh seeds are drawn in a time growing with n**2
        raise ConfigError(f"--seeds must be at most {MAX_REEVALUATION_SEEDS} (fresh seeds per candidate), got {seeds}")
    if top is None or seeds is None or Path(args.file).is_file():  # a missing file: reevaluate says so
        with Trajectory(args.file) as trajectory:
            config = trajectory.run.get("config") if isinstance(trajectory.run.get("config"), dict) else {}
        simulator = config.get("simulator") if isinstance(config.get("simulator"), dict) else {}
        needed = function_needed(simulator, "reevaluate", cli=True, path=args.file)  # before the file is locked
        if needed:
            raise ConfigError(needed)
        run = config.get("run") if isinstance(config.get("run"), dict) else {}  # its [run] reevaluate option
        option = run.get("reevaluate") if isinstance(run.get("reevaluate"), dict) else {}
        top = option.get("top", DEFAULT_TOP) if top is None else top
        seeds = option.get("seeds", DEFAULT_SEEDS) if seeds is None else seeds
    if args.backend is not None and Path(args.file).is_file():  # the run's own backend named: what it leaves out
        from l2l.backend_notes import stored_backend_note

        with Trajectory(args.file) as trajectory:
            note = stored_backend_note(trajectory, args.backend, args.workers, "l2l reevaluate")
        if note:
            print(note, file=sys.stderr)
    # SIGTERM, SIGHUP and SIGUSR1 stop it as they stop l2l run and its re-evaluation (the same handlers and line):
    # the finished re-evaluations kept, a command program the signal killed with it (sent to the process group)
    # left unfinished, not stored as failed; before, they killed l2l where it stood, without a line
    control = getattr(args, "control", None) or RunControl()
    path = Path(args.file).absolute()
    with _stop_signals(control):  # until its table is printed: a signal then has its status too (cli._closing)
        try:
            # as l2l run's re-evaluation: a line saying what starts (with --no-progress too, into a job's log), then
            # a bar (a line a minute into a file); it was silent until its table, minutes later
            table = _reevaluate_locked(args.file, top, seeds, backend=args.backend, workers=args.workers,
                                       objective=args.objective, progress=not args.no_progress, say=True,
                                       control=control, model_dir=args.model_dir,
                                       accept_changed_model=args.accept_changed_model)
        except KeyboardInterrupt:  # the file named absolutely, as l2l run's and l2l resume's Ctrl-C lines name it
            print(f"\ninterrupted; the re-evaluations committed so far are kept; run the same command again to "
                  f"continue: {_again(args)}", file=sys.stderr)
            return 130
        if control.stop_requested:  # the same command runs what is missing (l2l resume runs [run] reevaluate's only)
            return _stopped(control, path, again=_again(args))
        return _closing(control, path, lambda: _ranking(args.file, table, top, seeds), ended="the re-evaluation")


def _ranking(file, table, top: int, seeds: int) -> int:
    """What ``l2l reevaluate`` prints after its re-evaluations: the ranking on the fresh seeds (a run of several
    objectives: its front on them too) and the seeds used; exit status 0."""
    from l2l.provenance import reevaluation_seeds_line
    from l2l.reevaluate import covered_note, ranking_text
    from l2l.results_schema.reader import Trajectory

    note = covered_note(table, top, seeds)  # an earlier, larger re-evaluation: said, not printed unexplained
    if note:
        print(note, file=sys.stderr)
    if table.attrs.get("picked"):  # a run of several objectives: the front, or the best by --objective
        print(table.attrs["picked"])
    print(ranking_text(table, limit=max(top, 10)))
    with Trajectory(file) as trajectory:  # the seeds, for a methods section
        if len(trajectory.objectives) > 1 and not table.empty:  # every objective on the fresh seeds, as l2l show
            from l2l.summary.ranking import fresh_front_text

            print(fresh_front_text(trajectory, max(top, 10)))
        seeds_used = reevaluation_seeds_line(trajectory)
    if seeds_used:
        print(seeds_used)
    return 0


def _again(args: argparse.Namespace) -> str:
    """The command that continues a re-evaluation cut short: the same, its options as typed, the file absolutely."""
    from pathlib import Path

    from l2l.errors import command

    options = {"--top": args.top, "--seeds": args.seeds, "--objective": args.objective,
               "--backend": args.backend, "--workers": args.workers,
               "--model-dir": None if args.model_dir is None else Path(args.model_dir).absolute()}
    given = [word for flag, value in options.items() if value is not None for word in (flag, value)]
    given += ["--no-progress"] * args.no_progress + ["--accept-changed-model"] * args.accept_changed_model
    return command("l2l", "reevaluate", Path(args.file).absolute(), *given)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``reevaluate`` to the ``l2l`` command line."""
    p = subparsers.add_parser(
        "reevaluate", help="evaluate the best candidates again on fresh seeds, stored apart",
        description="Evaluate the TOP best distinct candidates of a finished or stopped run on SEEDS fresh seeds "
                    "that no selection used, store the rows apart in the file (/reevaluations) and print the "
                    "candidates ranked by their mean, with 95 % confidence intervals. Rows already stored are "
                    "kept; only missing ones run. Defaults: the run's [run] reevaluate option, else top 5, "
                    "10 seeds. A run of several objectives: its Pareto front (at most TOP of it, spread evenly "
                    "along it by the first objective) unless --objective names one to take the best by.")
    p.add_argument("file", help="trajectory (.h5) no process writes")
    p.add_argument("--top", type=int, help="how many of the best distinct candidates (>= 1)")
    p.add_argument("--seeds", type=int, help="fresh seeds per candidate (>= 1)")
    p.add_argument("--objective", help="objective that picks and ranks the candidates (default: the run's first; a "
                                       "run of several objectives without it: its Pareto front, ranked by the first)")
    p.add_argument("--backend", help="where the evaluations run, from the backend's defaults (and --workers) even "
                                     "where it is the run's own (default: the run's backend and its options)")
    p.add_argument("--workers", type=int, help="workers for the backend")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (the line saying what starts is still printed)")
    p.add_argument("--model-dir", metavar="DIR",
                   help="the folder that holds the run's model now (a python, nest or brian2 simulator's module, a "
                        "command's files), where the folder the file names is gone (a copy on another machine); its "
                        "model must hash as the one that ran (l2l show's model line)")
    p.add_argument("--accept-changed-model", action="store_true",
                   help="re-evaluate with a model (in --model-dir, or changed where the run's was) that is not the "
                        "one the run ran (its rows are stored beside the run's; a warning says so)")
    p.set_defaults(func=_reevaluate)

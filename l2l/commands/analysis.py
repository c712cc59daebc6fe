"""Commands to look at results: plot, compare, report, watch, export.

Registered by :mod:`l2l.cli` through :func:`register`. Heavy imports
(matplotlib) happen inside the commands, so ``l2l --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from l2l.analysis.outputs import check_dpi, check_output
from l2l.commands import missing
from l2l.errors import ConfigError, TrajectoryError, shown
from l2l.numbers import number

KINDS = ("overview", "fitness", "parameters", "scatter", "pareto", "failures", "curves", "lineage",
         "schedules")  # as l2l.plot.KINDS, without importing matplotlib


#: the longest refresh of ``l2l watch``: a day (time.sleep fails on NaN, and on a wait past what the platform's
#: clock holds, 1e11 s or inf, with a traceback once the file did not change)
MAX_INTERVAL = 86400.0


def check_interval(interval: float) -> float:
    """``--interval`` itself, or a one-line error (exit status 2) before anything is read."""
    if not 0 < interval <= MAX_INTERVAL:  # NaN too
        raise ConfigError(f"--interval must be a number of seconds > 0 and at most {number(MAX_INTERVAL)} (a day), "
                          f"got {number(interval)}")
    return interval


def check_given(args: argparse.Namespace) -> None:
    """Refuse an empty ``-o`` or ``--objective`` (a one-line error, exit status 2): both fell back to their
    default unsaid (the figure written beside the file, the first objective drawn) as if not given."""
    output, objective = getattr(args, "output", None), getattr(args, "objective", None)
    if output is not None and not output.strip():
        raise ConfigError(f"-o/--output must name a file, got {output!r} (leave it out for the default)")
    if objective is not None and not objective.strip():
        raise ConfigError(f"--objective must name an objective of the run, got {objective!r} (leave it out for the "
                          f"default)")


def no_results(path: str, rows: int) -> str | None:
    """Why a file with ``rows`` evaluations cannot be drawn, or None: a run killed (or still at work) before its
    first result was drawn as empty axes with ticks from -0.04 to 0.04, exit status 0."""
    if rows:
        return None
    return (f"{path} holds no result yet (the run was stopped before its first evaluation finished, or is still at "
            f"work on it): nothing to draw; l2l show {path} says how far it got")


def check_results(path: str) -> None:
    """Refuse a trajectory without a single evaluation, in one line (exit status 2)."""
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        reason = no_results(path, trajectory.n_evaluations)
    if reason:
        raise TrajectoryError(reason)


def default_plot_output(path: str, kind: str) -> Path:
    """``run.h5`` -> ``run.png`` for the overview, ``run.fitness.png`` etc. for the other kinds."""
    from l2l.errors import path_argument

    path = path_argument(path)  # '' names no file: one line, not pathlib's "PosixPath('.') has an empty name"
    return path.with_suffix(".png") if kind == "overview" else path.with_name(f"{path.stem}.{kind}.png")


def _plot(args: argparse.Namespace) -> int:
    from l2l.plot import figure, save
    from l2l.plot.figures import FORMATS

    check_given(args)
    check_dpi(args.dpi)
    options = {}
    if args.objective and args.kind in ("fitness", "pareto"):
        options["objectives"] = [args.objective]
    elif args.objective and args.kind != "failures":
        options["objective"] = args.objective
    out = check_output(args.output if args.output else default_plot_output(args.file, args.kind),
                       force=args.force, inputs=[args.file])
    if out.suffix.lower() not in FORMATS:
        raise ConfigError(f"output {str(out)!r}: the file name must end in one of {', '.join(FORMATS)}")
    from l2l.results_schema.reader import Trajectory

    with Trajectory(args.file) as trajectory:  # opened (and its structure checked) once for the check and the figure
        reason = no_results(args.file, trajectory.n_evaluations)
        if reason:
            raise TrajectoryError(reason)
        fig = figure(trajectory, args.kind, **options)
    save(fig, out, dpi=args.dpi, overwrite=args.force)
    print(shown(out))
    return 0


def _compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from l2l.numbers import table_formatters
    from l2l.plot import compare, save
    from l2l.plot.compare_hypervolume import hypervolume_note
    from l2l.plot.compare_runs import common_objectives, compute_note, same_problem
    from l2l.plot.comparison_table import _table, changed_model_notes
    from l2l.plot.data import load_run

    check_given(args)
    check_dpi(args.dpi)
    for path in args.files:  # a mistyped run is named first: not the comparison.png a previous compare left
        if missing(path):
            raise TrajectoryError(missing(path))
    out = check_output(args.output if args.output else Path(args.files[0]).with_name("comparison.png"),
                       force=args.force, inputs=args.files)
    runs = [load_run(path, errors=False) for path in args.files]
    for path, run in zip(args.files, runs):
        reason = no_results(path, len(run.segments if run.multi_fidelity else run.frame))
        if reason:
            raise TrajectoryError(reason)
    common_objectives(runs)  # runs that share no objective are told so first, then runs of different problems
    differ = same_problem(runs)
    if differ:
        print(differ, file=sys.stderr)
    objectives = [args.objective] if args.objective else None
    fig = compare(runs, objectives=objectives)
    save(fig, out, dpi=args.dpi, overwrite=args.force)
    shared = common_objectives(runs)
    if args.objective:
        shared = [o for o in shared if o.name == args.objective]
    table = _table(runs, shared)
    # scores of about 1e-6 read 0.000001 at pandas' six decimals, a compute of 1e7 steps 1.358024e+07
    formatters = table_formatters(table, [c for c in table.columns if c.startswith(("best ", "re-evaluated "))],
                                  [c for c in table.columns if c.startswith("compute (") or " at compute (" in c])
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.to_string(index=False, formatters=formatters))
    for note in (hypervolume_note(runs, shared), compute_note(runs), *changed_model_notes(runs)):
        if note:
            print(note)
    print(shown(out))
    return 0


def _report(args: argparse.Namespace) -> int:
    from l2l.analysis.report import report

    check_given(args)
    print(shown(report(args.file, args.output, dpi=check_dpi(args.dpi), force=args.force)))
    return 0


def _watch(args: argparse.Namespace) -> int:
    from l2l.analysis.watch import watch

    return watch(args.file, interval=check_interval(args.interval), once=args.once)


def _export(args: argparse.Namespace) -> int:
    from l2l.analysis.export import export, provenance_output

    check_given(args)
    target = export(args.file, args.format, args.output, force=args.force, segments=args.segments,
                    reevaluations=args.reevaluations, provenance=args.provenance)
    if target is not None:
        print(shown(target))
        if args.provenance:
            print(shown(provenance_output(target)))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the analysis commands to the ``l2l`` command line."""
    p = subparsers.add_parser("plot", help="figures of a trajectory (PNG, SVG or PDF)",
                              description="Draw a figure of a trajectory. Without options: an overview "
                                          "(fitness, parameters, Pareto front or best parameter, failures, "
                                          "durations) written beside the file as FILE.png.")
    p.add_argument("file", help="trajectory (.h5)")
    p.add_argument("--kind", choices=KINDS, default="overview",
                   help="overview (default), fitness, parameters, scatter, pareto, failures, curves "
                        "(learning curves of a multi-fidelity run), lineage or schedules (population-based "
                        "training)")
    p.add_argument("-o", "--output", "--out", help="output file, .png, .svg or .pdf (default: FILE.png or FILE.KIND.png)")
    p.add_argument("--objective", help="objective to colour by / to plot (default: the first)")
    p.add_argument("--dpi", type=int, default=110, help="resolution of PNG output, 20 to 1200 (default 110)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.set_defaults(func=_plot)

    p = subparsers.add_parser("compare", help="best so far of several runs on one plot, and a table",
                              description="Plot the best so far of each run against evaluations and wall time "
                                          "(objectives shared by all runs) and print a table of final bests; "
                                          "runs of two objectives also by the hypervolume of their fronts.")
    p.add_argument("files", nargs="+", help="trajectories (.h5)")
    p.add_argument("-o", "--output", "--out", help="output figure (default: comparison.png beside the first file)")
    p.add_argument("--objective", help="compare only this objective")
    p.add_argument("--dpi", type=int, default=110, help="resolution of PNG output, 20 to 1200 (default 110)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.set_defaults(func=_compare)

    p = subparsers.add_parser("report", help="one self-contained HTML report of a run",
                              description="Write an HTML file with provenance, summary, best individuals, every "
                                          "figure and the failures; it needs no network to be viewed.")
    p.add_argument("file", help="trajectory (.h5)")
    p.add_argument("-o", "--output", "--out", help="output .html (default: FILE.html)")
    p.add_argument("--dpi", type=int, default=80, help="resolution of the embedded figures, 20 to 1200 (default 80)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.set_defaults(func=_report)

    p = subparsers.add_parser("watch", help="live view of a run another process is writing",
                              description="Show generation, evaluations and their rate, failures and the best "
                                          "so far, refreshed until the run finishes. Reads the file without "
                                          "locking it, so it never disturbs the run. Ctrl-C stops watching.")
    p.add_argument("file", help="trajectory (.h5) being written")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes (default 2)")
    p.add_argument("--once", action="store_true", help="print one frame and exit")
    p.set_defaults(func=_watch)

    p = subparsers.add_parser("export", help="the evaluations table as CSV or Parquet",
                              description="Write the evaluations as l2l.load returns them: one row per "
                                          "evaluation; a run with a [policy], one row per candidate at its "
                                          "highest budget, or with --segments one per segment (every "
                                          "evaluation). Parquet needs pyarrow: pip install 'l2l[parquet]'.")
    p.add_argument("file", help="trajectory (.h5)")
    p.add_argument("--format", choices=("csv", "parquet"), default=None,
                   help="csv or parquet (default: the one -o's suffix names, else csv)")
    p.add_argument("-o", "--output", "--out", help="output file (default: FILE.csv / FILE.parquet; '-' for standard output)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.add_argument("--segments", action="store_true",
                   help="a run with a [policy]: every segment, as l2l.load(FILE, segments=True) (default: one row "
                        "per candidate, as l2l.load(FILE))")
    p.add_argument("--reevaluations", action="store_true",
                   help="the re-evaluation rows instead, as l2l.load(FILE, reevaluations=True) (default output: "
                        "FILE.reevaluations.csv)")
    p.add_argument("--provenance", action="store_true",
                   help="also write its provenance JSON beside it (-o paper.csv: paper.provenance.json): config, "
                        "seeds, versions, model code hash, hosts, the output's sha256")
    p.set_defaults(func=_export)

"""``l2l submit CONFIG.toml``: run the outer loop itself as a SLURM batch job, so that you can log out.

The job script runs ``l2l run CONFIG --out FILE`` the first time and
``l2l resume FILE`` whenever FILE already exists, so every requeued job goes on
from the trajectory file. With ``--signal=B:USR1@<secs>`` SLURM warns the
batch shell before the walltime (or on preemption); the shell passes the
signal to the loop (whose handler sets the stop flag of
:mod:`l2l.jobs.signals`), gives it ``--stop-grace`` seconds to commit and
stop, interrupts it if it is still running (the trajectory is crash-safe
either way), and requeues the job. SIGTERM (SLURM ends the job: its time limit,
reached before the loop stopped, or ``scancel``) is said in the job's log; the
job requeues itself at its time limit only.

Run as ``python -m l2l.commands.slurm ARGS...`` the module is the entry point
inside the job: it installs the signal handler, then runs ``l2l ARGS...``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from l2l.errors import ConfigError, command
from l2l.jobs.slurm_common import SlurmError, call, parse_job_id, unreachable
from l2l.jobs.slurm_values import (check_extra_directives, check_script_values, directive, format_walltime,
                                   interpreter, slurm_memory, walltime_seconds)
from l2l.own_files import open_new

_BODY = """\
set -u
config={config}
out={out}
again={again}
if [ -e "$out" ]; then
    set -- resume "$out"
else
    set -- run "$config" --out "$out"
fi
echo "l2l submit: job ${{SLURM_JOB_ID:-?}} (restart ${{SLURM_RESTART_COUNT:-0}}) on $(hostname): l2l $1 $out"

stopping=0
ending=
on_signal() {{
    stopping=1
    echo "l2l submit: stop signal; asking the loop to commit and stop"
    kill -USR1 "$child" 2>/dev/null
}}
on_term() {{
    # SLURM ends the job: SIGTERM to each of its processes, SIGKILL after KillWait. At its time limit (the loop did
    # not stop within --signal-seconds) the job requeues itself, as a loop stopped in time does; after scancel it
    # does not; requeued by SLURM (scontrol requeue, preemption) it is counted restarted already.
    [ -n "$ending" ] && return
    job=$(scontrol show job "${{SLURM_JOB_ID:-0}}" 2>/dev/null)
    reason= restarts=0
    case "$job" in *" Reason="*) reason=${{job#* Reason=}}; reason=${{reason%%[[:space:]]*}} ;; esac
    case "$job" in *" Restarts="*) restarts=${{job#* Restarts=}}; restarts=${{restarts%%[!0-9]*}} ;; esac
    [ "$reason" = None ] && reason=
    if [ "${{restarts:-0}}" -gt "${{SLURM_RESTART_COUNT:-0}}" ] 2>/dev/null; then
        ending=requeued
        echo "l2l submit: job $SLURM_JOB_ID requeued by SLURM (SIGTERM: scontrol requeue, or preemption); the loop commits what it can; the next job resumes $out"
    elif [ "$reason" = TimeLimit ]; then
        ending=requeued
        echo "l2l submit: time limit reached before the loop stopped (SIGTERM); it commits what it can until SLURM kills it; requeueing job $SLURM_JOB_ID to resume $out"
        scontrol requeue "$SLURM_JOB_ID"
    else
        ending=cancelled
        echo "l2l submit: job ${{SLURM_JOB_ID:-?}} cancelled (SIGTERM${{reason:+, reason $reason}}); the loop commits what it can; not requeued; every committed evaluation is in $out; go on with: sbatch $again"
    fi
    kill -TERM "$child" 2>/dev/null
}}
trap on_signal USR1
trap on_term TERM

{python} -m l2l.commands.slurm "$@" &
child=$!
while :; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break
    if [ "$stopping" = 1 ]; then
        # The loop did not stop by itself within the grace time: interrupt it.
        for _ in $(seq {grace}); do kill -0 "$child" 2>/dev/null || break; sleep 1; done
        kill -INT "$child" 2>/dev/null
        for _ in $(seq {interrupt}); do kill -0 "$child" 2>/dev/null || break; sleep 1; done
        kill -KILL "$child" 2>/dev/null
        wait "$child"
        status=$?
        break
    fi
done
if [ "$stopping" = 1 ] && [ -z "$ending" ]; then
    echo "l2l submit: stopped with status $status; requeueing job $SLURM_JOB_ID to resume $out"
    ending=requeued  # the requeue's own SIGTERM, should it come before the exit, is not said as SLURM's
    scontrol requeue "$SLURM_JOB_ID"
    exit 0
fi
if [ "$status" -gt 128 ] && [ -z "$ending" ]; then
    # killed by a signal no one here sent or said (SIGKILL: the kernel's out-of-memory killer, kill -9)
    echo "l2l submit: the loop was killed by signal $((status - 128)) (exit status $status; 9 is SIGKILL, e.g. out of memory); not requeued; every committed evaluation is in $out; go on with: sbatch $again"
fi
exit "$status"
"""


def job_script(args: argparse.Namespace, config_path: Path, out: Path, name: str) -> str:
    """The sbatch script that runs (or resumes) the outer loop; every value checked or quoted."""
    check_script_values("l2l submit", {
        "--partition": args.partition or "", "--account": args.account or "", "--time": args.time,
        "--mem": args.mem or "", "--prologue": args.prologue or [], "--sbatch": args.sbatch or [],
        "--python": args.python or "", "config": str(config_path), "--out": str(out)},
        patterns={"--out": "the job's log is written beside it (OUT.slurm-%j.log): choose an --out without '%'"})
    seconds = walltime_seconds(args.time, "l2l submit: --time")
    if not 0 < args.signal_seconds < seconds:
        raise ConfigError(f"l2l submit: --signal-seconds must be above 0 and below the walltime ({seconds} s), "
                          f"got {args.signal_seconds}")
    if args.signal_seconds > 65535:  # sbatch's most ('Invalid --signal specification', naming no option of l2l's)
        raise ConfigError(f"l2l submit: --signal-seconds must be at most 65535 (the most SLURM's --signal takes), "
                          f"got {args.signal_seconds}")
    if args.cpus < 1:  # was written into the script as --cpus-per-task=-1, for sbatch to refuse
        raise ConfigError(f"l2l submit: --cpus must be an integer >= 1 (CPUs of the outer-loop job), got {args.cpus}")
    if args.cpus > 1024:  # as the slurm backends' cores; 10**22 was written into the script for sbatch to refuse
        raise ConfigError(f"l2l submit: --cpus must be an integer <= 1024 (CPUs of the outer-loop job), got {args.cpus}")
    python = interpreter(args.python, f"l2l submit: --python {args.python}") if args.python else sys.executable
    if args.stop_grace < 1:  # was taken as 1 second unsaid
        raise ConfigError(f"l2l submit: --stop-grace must be an integer >= 1 (seconds), got {args.stop_grace}")
    lines = ["#!/bin/bash", directive("job-name", f"l2l-{name}"), directive("time", format_walltime(seconds)),
             directive("ntasks", 1), directive("cpus-per-task", args.cpus),
             directive("output", f"{out}.slurm-%j.log"), "#SBATCH --open-mode=append",
             directive("signal", f"B:USR1@{args.signal_seconds}"), "#SBATCH --requeue"]
    if args.mem:
        lines.append(directive("mem", slurm_memory("l2l submit", "--mem", args.mem)))
    if args.partition:
        lines.append(directive("partition", args.partition))
    if args.account:
        lines.append(directive("account", args.account))
    extras = check_extra_directives(args.sbatch or [], "l2l submit: --sbatch", "--time", reserved=_reserved(out))
    lines += [f"#SBATCH {extra}" for extra in extras]
    grace = max(1, min(args.stop_grace, args.signal_seconds - 5))
    # what submits the job again after a scancel (the script resumes the file it finds)
    again = " ".join(shlex.quote(word) for word in (f"--chdir={out.parent}", f"{out}.submit.sh"))
    again = shlex.quote(again)  # a variable of the script: its echo between double quotes expands no $ or "
    # the last resort's wait is inside --signal-seconds too: the walltime ended it before (grace + 30 s > 20 s)
    interrupt = max(1, min(30, args.signal_seconds - grace - 2))
    body = _BODY.format(config=shlex.quote(str(config_path)), out=shlex.quote(str(out)),
                        python=shlex.quote(python), grace=int(grace), again=again,
                        interrupt=int(interrupt))
    return "\n".join(lines + [""] + list(args.prologue or []) + [""]) + body


def _reserved(out: Path) -> dict[str, str]:
    """The sbatch options the job script sets itself and depends on, each with why one among ``--sbatch`` is refused:
    written after l2l's own line, sbatch took it instead, unsaid (checked on the single-node SLURM: with
    ``--output=logs/%j.out`` the log l2l submit named was never written; with ``--no-requeue`` the job said
    'requeueing job ...' at its walltime, scontrol refused, and nothing resumed the run)."""
    log = (f"sets the job's log, which l2l submit writes to {out.name}.slurm-%j.log beside --out (the log it names, "
           f"appended to by every requeued job); choose its folder with --out")
    signal = ("sets the signal before the walltime, which l2l submit writes as --signal=B:USR1@N (sent to the job's "
              "shell, which stops the loop and requeues the job); give --signal-seconds N instead")
    return {"--output": log, "-o": log, "--error": log, "-e": log, "--open-mode": log,
            "--signal": signal,
            "--no-requeue": "would keep the job from requeueing itself to resume the run before its walltime (l2l "
                            "submit writes --requeue and relies on it); leave it out",
            "--array": "would start one outer loop per array task, all on one file; l2l submit runs one",
            "-a": "would start one outer loop per array task, all on one file; l2l submit runs one"}


#: The options of ``l2l submit`` that take a word, and what leaving one out gives: given empty (``--partition=$PART``
#: with PART unset) each fell back to that unsaid.
_LEFT_OUT = {"--partition": "the cluster's default partition", "--account": "your default account",
             "--mem": "the cluster's default memory", "--python": "the Python running l2l",
             "--out": "run.out or NAME.h5 beside the config", "--prologue": "no line before the loop"}


def check_not_empty(args: argparse.Namespace) -> None:
    """Refuse an option of :data:`_LEFT_OUT` given empty or blank, in one line naming it: an empty value has no
    meaning of its own there (an unset shell variable, most often), and fell back to the default unsaid."""
    for name, left_out in _LEFT_OUT.items():
        value = getattr(args, name[2:].replace("-", "_"), None)
        for item in value if isinstance(value, list) else [value]:
            if item is not None and not item.strip():
                raise ConfigError(f"l2l submit: {name} is {'blank' if item else 'empty'} (an unset shell variable?); "
                                  f"give a value, or leave {name} out for {left_out}")


def _submit(args: argparse.Namespace) -> int:
    from l2l.config import load_config
    from l2l.components import build
    from l2l.out_path import default_out, out_folder_refusal

    check_not_empty(args)
    config_path = Path(args.config).resolve()
    config = load_config(config_path)
    components = build(config)  # refuse a bad config now, not hours later in the queue
    out = Path(args.out).resolve() if args.out else default_out(config).resolve()
    if out.is_dir():  # was 'exists and cannot be resumed (... not an l2l trajectory)', naming --out for run.out
        raise ConfigError(f"l2l submit: {out_folder_refusal(out, config, from_config=not args.out)}")
    refused = None
    if out.exists():
        _check_resumable(out, config, config_path)
    else:
        _check_folder(out)
        refused = _backend_refusal(components)
    script = job_script(args, config_path, out, config.name)
    if args.dry_run:
        print(script, end="")
        if refused is not None:
            raise refused
        _dry_run_loop_check(script)
        return 0
    if refused is not None:
        raise refused
    script_path = out.with_name(out.name + ".submit.sh")
    _check_not_queued(script_path, out)
    _check_not_written(out)
    created = [folder for folder in (out.parent, *out.parent.parents) if not folder.exists()]
    # an earlier submission's script (a symbolic link at the name is not ours to read or write: see own_files)
    before = script_path.read_bytes() if script_path.is_file() and not script_path.is_symlink() else None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(open_new(script_path), "w") as handle:
            handle.write(script)
    except OSError as exc:  # no permission, a read-only or full disk: was a traceback
        _take_back(script_path, before, created)
        raise ConfigError(f"l2l submit: cannot write the job script {script_path}: {exc.strerror or exc}; nothing "
                          f"was submitted (--dry-run prints the script)") from None
    never_runs = _loop_job_refusal(script)
    action = "resumes" if out.exists() else "runs"  # (asked after the submission, a job started by then had made it)
    try:
        answer = call(["sbatch", "--parsable", f"--chdir={out.parent}", str(script_path)])
    except SlurmError as exc:
        if not (exc.refused or exc.returncode == 127):  # no answer in time: a job may run it, it stays
            raise
        # sbatch said no (a partition that does not exist, say) or is not there: no job reads the script, which
        # was left behind as NAME.h5.submit.sh; an earlier submission's is put back as it was
        _take_back(script_path, before, created)
        exc.args = (f"{exc}; nothing was submitted and {script_path.name} is "
                    f"{'as it was' if before is not None else 'removed'} (--dry-run prints the script)",)
        raise
    job_id = parse_job_id(answer)
    if never_runs is not None:  # taken, but no node of its partition can run it: it would pend for ever
        _cancel_taken(job_id)
        _take_back(script_path, before, created)
        raise ConfigError(f"l2l submit: no node can run the loop's job: sbatch --test-only says '{never_runs}'; "
                          f"sbatch took it all the same (job {job_id}, which would have pended for ever) and it is "
                          f"cancelled; correct the options of l2l submit, e.g. --cpus, --mem, --time, --partition or "
                          f"--sbatch; nothing was submitted")
    print(f"submitted job {job_id}: {action} {config.name} -> {out}")
    print(f"  script: {script_path}")
    print(f"  log:    {out}.slurm-{job_id}.log")
    # (l2l show of a file the job has not created yet said only 'no such file', the job pending in the queue)
    print(f"  follow: squeue -j {job_id}; {command('l2l', 'show', out)}"
          + ("" if action == "resumes" else " (once the job has started: it creates the file)"))
    return 0


def _backend_refusal(components) -> Exception | None:
    """The refusal of the config's backend checks a fresh run makes before its file exists (``sbatch --test-only`` of
    the ``slurm`` worker jobs or the ``slurm-array`` arrays: a partition or account sbatch refuses), as one line
    saying nothing was submitted; None if they pass or cannot be made here (no answer from sbatch). Before, the job
    was submitted (exit 0) and the run it started ended at once in the job's log with the refusal, unseen."""
    from l2l.errors import L2LError
    from l2l.jobs.slurm_common import SlurmError

    try:
        components.executor.pre_run_checks(components.simulator)
    except SlurmError as exc:
        if exc.refused:
            return ConfigError(f"l2l submit: {exc}; nothing was submitted")
        return None  # no answer: the submission's own sbatch says what it says
    except L2LError as exc:
        return ConfigError(f"l2l submit: {exc}; nothing was submitted")
    return None


def _loop_job_refusal(script: str) -> str | None:
    """What ``sbatch --test-only`` of the loop's own job ``script`` (no job made) says against it; None if it takes it,
    or sbatch does not answer here.

    Asked before the submission and heeded only where sbatch then takes the job all the same: a job no node of its
    partition can run is taken where the cluster does not enforce the partition's limits (``EnforcePartLimits=NO``,
    SLURM's default), and pended for ever (checked on the single-node SLURM: ``--cpus 64`` on a node of 8 CPUs was
    'submitted job ...', exit 0, the job pending with reason PartitionConfig). Asked first, since a job just taken
    may count against a per-user limit the test then reports; what sbatch itself refuses is said in its own words."""
    try:
        call(["sbatch", "--test-only"], input=script, timeout=60)
    except SlurmError as exc:  # (slurmctld out of reach for the test is no word on the job: the job stays)
        said = exc.said or f"exit status {exc.returncode}, no message"
        return said if exc.refused and not unreachable(said) else None
    return None


def _dry_run_loop_check(script: str) -> None:
    """Say in one line of standard error what ``sbatch --test-only`` (no job made) says of the loop's own job
    ``script``, as ``l2l submit`` asks it before it submits; raise its refusal (a partition or account sbatch
    refuses, a job no node can run) as one line, exit status 2, as ``l2l run --dry-run`` raises its backend's (the
    script is printed first). Where there is no sbatch (a laptop, to see the script) or it does not answer, the
    line says the job was not checked. Before, ``l2l submit --dry-run --partition nosuch`` exited 0 saying nothing,
    while the submission itself was refused."""
    try:
        call(["sbatch", "--test-only"], input=script, timeout=60)
    except SlurmError as exc:
        said = exc.said or f"exit status {exc.returncode}, no message"
        if exc.returncode == 127:
            print("note: the loop's job was not checked: no sbatch here (l2l submit asks sbatch --test-only of it "
                  "before it submits)", file=sys.stderr)
        elif exc.refused and not unreachable(said):
            raise ConfigError(f"l2l submit: sbatch --test-only refuses the loop's job: '{said}'; correct the options "
                              f"of l2l submit, e.g. --partition, --account, --cpus, --mem, --time or --sbatch "
                              f"(l2l submit would submit nothing)") from None
        else:
            print(f"note: the loop's job was not checked: sbatch --test-only did not answer ({said})",
                  file=sys.stderr)
        return
    print("note: sbatch --test-only takes the loop's job (no job made)", file=sys.stderr)


def _cancel_taken(job_id: str) -> None:
    """Cancel the loop's job ``job_id`` that sbatch took though no node can run it (see :func:`_loop_job_refusal`)."""
    try:
        call(["scancel", job_id], timeout=30)
    except SlurmError:  # left pending: the error line names it
        pass


def _check_folder(out: Path) -> None:
    """Refuse an ``out`` (not there yet) whose nearest existing ancestor is not a folder (``--out c.toml/run.h5``):
    the submission failed with a traceback as it made the folder for the job script."""
    for ancestor in out.parents:
        if os.path.lexists(ancestor):
            if not ancestor.is_dir():
                raise ConfigError(f"l2l submit: cannot create {out}: {ancestor} is not a folder; choose another --out")
            return


def _check_not_queued(script_path: Path, out: Path) -> None:
    """Refuse a second job for ``out`` while one of an earlier ``l2l submit`` (its script ``script_path``) is in the
    queue: the later one found the file locked by the first and failed, or, submitted before the first created it,
    resumed the first's run whatever its own config (``_check_resumable`` sees no file yet)."""
    try:
        listed = call(["squeue", "--noheader", f"--user={os.getuid()}", "--format=%i|%T|%o"], timeout=30)
    except SlurmError:  # no answer: sbatch says what it says
        return
    queued = [(job_id.strip(), state.strip()) for job_id, state, script in
              (line.split("|", 2) for line in listed.splitlines() if line.count("|") >= 2)
              if script.strip() == str(script_path)]
    if queued:
        jobs = ", ".join(f"{job_id} ({state.lower()})" for job_id, state in queued)
        raise ConfigError(f"l2l submit: job {jobs} of an earlier l2l submit runs or resumes {out} already; a second "
                          f"job would find the file in use; wait for it, or cancel it first: "
                          f"{command('scancel', *(job_id for job_id, _ in queued))}")


def _check_not_written(out: Path) -> None:
    """Refuse a job for ``out`` while a process of this host writes it (an ``l2l run`` on the login node, a lab
    mate's perhaps): the job's resume found the file in use and ended as it started, after its wait in the queue,
    while l2l submit had said 'submitted job ...: resumes ...', exit 0. A writer on another host is not seen here,
    nor one whose lock no process holds (a killed writer's lock file naming a pid another process took since)."""
    from l2l.results_schema.lock import holder, writer_alive, writer_named

    if out.exists() and writer_alive(out) and _lock_held(out):
        raise ConfigError(f"l2l submit: {out} is being written by {writer_named(holder(out), detail=True)}; the "
                          f"job would find it in use as it starts: wait for that run to finish or stop it first; "
                          f"nothing was submitted")


def _lock_held(out: Path) -> bool:
    """Whether a process holds the writer lock of ``out`` (an flock of its lock file in ``/proc/locks``, read
    without taking it: a writer starting now is not disturbed); True where this host cannot tell."""
    from l2l.results_schema.lock import flocks, lock_path

    try:
        inode = os.stat(lock_path(out)).st_ino
    except OSError:
        return True
    table = flocks()
    return table is None or any(held == inode for _, _, held in table)


def _take_back(script_path: Path, before: bytes | None, created: list[Path]) -> None:
    """Undo what a refused submission wrote: the script (``before``: the one an earlier submission left there, put
    back), and the folders made for it (``created``, deepest first) where they are empty."""
    try:
        if before is None:
            script_path.unlink(missing_ok=True)
        else:
            script_path.write_bytes(before)
        for folder in created:
            folder.rmdir()
    except OSError:  # a folder something else wrote into meanwhile stays
        pass


#: What makes a run the same run: the job resumes FILE, so FILE must have been written from this config.
_IDENTITY = ("space", "optimizer", "simulator", "policy")


def _check_resumable(out: Path, config, config_path: Path) -> None:
    """Refuse to submit a job that would resume a file of another config, or one that is finished."""
    from l2l.errors import L2LError
    from l2l.results_schema.reader import Trajectory
    from l2l.summary import summarize

    try:
        with Trajectory(out) as trajectory:
            stored = trajectory.run.get("config") or {}
            summary = summarize(trajectory)
    except L2LError as error:
        raise ConfigError(f"l2l submit: {out} exists and cannot be resumed ({error}); choose another --out") from None
    mine = config.to_json()
    run, stored_run = mine.get("run", {}), stored.get("run", {}) if isinstance(stored.get("run"), dict) else {}
    differ = [key for key in _IDENTITY if mine.get(key) != stored.get(key)]
    differ += [f"run.{key}" for key in ("name", "seed") if run.get(key) != stored_run.get(key)]
    if differ:
        raise ConfigError(f"l2l submit: {out} exists and was not written from {config_path.name} (they differ in "
                          f"{', '.join(differ)}); the job would resume that run: choose another --out")
    if summary.status == "finished":
        raise ConfigError(f"l2l submit: {out} is a finished run, the job would have nothing to do; choose another "
                          f"--out, or extend it with '{command('l2l', 'resume', out)} --generations G' (or --compute C)")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "submit", help="run the outer loop as a SLURM batch job (requeued and resumed before the walltime)",
        description="Write and submit an sbatch script that runs CONFIG (or resumes its output file). "
                    "Before the walltime the job stops the loop cleanly and requeues itself; the next "
                    "job resumes from the trajectory file.")
    p.add_argument("config", help="TOML config file")
    p.add_argument("--out", help="output HDF5 file (default: run.out or NAME.h5 beside the config)")
    p.add_argument("--dry-run", action="store_true", help="print the job script, submit nothing")
    p.add_argument("--partition", help="partition of the outer-loop job")
    p.add_argument("--account", help="account to charge")
    p.add_argument("--time", default="24:00:00", help="walltime of one outer-loop job (default 24:00:00)")
    p.add_argument("--cpus", type=int, default=1, help="CPUs of the outer-loop job (the 'local' backend "
                   "uses them for evaluations)")
    p.add_argument("--mem", help="memory of the outer-loop job, e.g. 8G")
    p.add_argument("--signal-seconds", type=int, default=300,
                   help="seconds before the walltime at which the loop is told to stop (default 300)")
    p.add_argument("--stop-grace", type=int, default=120,
                   help="seconds the loop gets to stop by itself before it is interrupted (default 120)")
    p.add_argument("--prologue", action="append", metavar="LINE",
                   help="shell line run before the loop, e.g. 'module load python' (repeatable)")
    p.add_argument("--sbatch", action="append", metavar="OPTION",
                   help="extra sbatch option, e.g. --sbatch=--qos=long (repeatable)")
    p.add_argument("--python", help="Python interpreter in the job (default: the one running l2l)")
    p.set_defaults(func=_submit)


def main(argv: list[str] | None = None) -> int:
    """Entry point inside the batch job: stop flag on SIGUSR1, then the ordinary ``l2l`` command."""
    from l2l.cli import main as cli_main
    from l2l.control import RunControl
    from l2l.jobs import signals

    import signal
    control = RunControl()  # handlers first: the walltime signal may come while Python starts up
    signals.install(control, [signal.SIGUSR1])
    # A background job of a batch shell starts with SIGINT ignored; the shell's last resort
    # (kill -INT) must reach the loop as KeyboardInterrupt, which closes the file cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.setdefault("L2L_BATCH_JOB", os.environ.get("SLURM_JOB_ID", "1"))
    return cli_main(argv, control=control)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

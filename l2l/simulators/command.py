"""Run an external program per evaluation (NEST, Arbor, an MPI binary, a script).

The program is started without a shell, from an argv template whose
``{placeholders}`` are filled with the parameters and ``{seed}``,
``{workdir}``, ``{generation}``, ``{individual}`` and ``{config_dir}`` (the
folder of the config file); array parameters become
comma-separated numbers. Every evaluation runs in its own working directory,
which also receives ``params.json`` (the parameters and the seed); the program's environment holds
``L2L_WORKDIR``, that directory, by which l2l finds and kills what an evaluation started when it runs past
its timeout, when ``l2l`` is interrupted or stops during it, and when a killed run's segment runs again.

The result is JSON, read from the last non-empty line of stdout or from a
file in the working directory: a number (one objective), a table of objective
values, or ``{"objectives": {...}, "metrics": {...}, "traces": {...},
"outputs": [...], "curve": {...}}``.

Fidelity: declared by ``multi_fidelity = { name = "epochs", minimum = 1,
maximum = 81 }`` (as for the ``python`` simulator). Then ``{budget}`` is the
budget to reach and ``{checkpoint_dir}`` a fresh folder, private to the
candidate, that holds the files the program left there at its previous budget
(empty the first time); both are also in ``params.json``. After the program
exits, every regular file in that folder becomes the candidate's checkpoint
(``{"files": {relative path: bytes as uint8 array}}``, at most
``checkpoint_limit_mb``; a symbolic link to a file in the folder is kept as a
link, ``{"links": {relative path: its relative target}}``), stored with the run, so the next segment may run on
any worker without a shared file system; a program that leaves no file there
returns no checkpoint, and its next segment starts from scratch (its compute
counted so). ``"curve": {objective: [[budget,
value], ...]}`` in the result reports the values at intermediate budgets.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from l2l import parent_death
from l2l.errors import ConfigError, EvaluationError
from l2l.registry import option
from l2l.simulators.base import EvaluationContext, Fidelity, SimulationResult, Simulator, empty_curve, empty_curves
from l2l.simulators.command_argv import (BUILTIN, BUILTIN_MEANING, FIDELITY_BUILTIN, fill, format_value, placeholders,
                                         shell_scripts)
from l2l.simulators.command_checkpoint import read_checkpoint_dir, write_checkpoint_dir
from l2l.simulators.command_output import (NAMED_NUMBERS_HINT, final_line, final_line_of, last_bytes, parse_result,
                                          signal_name, tail)
from l2l.simulators.command_processes import (RUN_VARIABLE, WORKDIR_VARIABLE, environment_value, kill_started,
                                              processes_started)
from l2l.simulators.fidelity_tools import fidelity_from_table, whole_budget
from l2l.simulators.stop_signals import EvaluationStopped, stopped_by

CHECKPOINT_FOLDER = "checkpoint"
#: Runs (their ``run_dir``) under way in this process (:meth:`Command.begin_run`, by pid: not a forked child's):
#: their evaluations here leave the generation's folder and ``<run>.work`` to :meth:`Command.end_run`, the folders
#: they collected. Removed and made again for every evaluation of a ``serial`` run, those two took 8 ms of the
#: 14 an ``echo`` took on a disk where removing a folder costs 4 ms (ext4 with ``discard``).
_runs_here: dict[str, tuple[int, set]] = {}
_runs_here_lock = threading.Lock()  # an evaluation's look and its record, against end_run's pop


def _new_runs_here_lock() -> None:
    """In a forked child (a simulator wrapping this one, forked for run.timeout): another thread may have held it."""
    global _runs_here_lock
    _runs_here_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_runs_here_lock)


class EvaluationTimeout(EvaluationError):
    """The evaluation ran past its timeout."""


@dataclass(frozen=True)
class Command(Simulator):
    """Runs an external program per evaluation and reads its result as JSON."""

    name: ClassVar[str] = "command"
    handles_timeout: ClassVar[bool] = True

    argv: tuple = option((), help="program and arguments, with {parameter}, {seed}, {workdir} placeholders")
    result: str = option("stdout", help="'stdout' (last line) or a file name in the working directory")
    workdir: str = option("", help="folder for the per-evaluation working directories (default: beside the output "
                                   "file; a relative one: from the config's folder)")
    keep_workdirs: bool = option(False, help="keep the working directories of successful evaluations")
    env: dict = option({}, help="extra environment variables")
    config_dir: str = option("", help="the config's folder, for the {config_dir} placeholder (set automatically)")
    multi_fidelity: dict = option({}, help="the program's fidelity {name, unit, minimum, maximum, integer}; "
                                           "enables the {budget} and {checkpoint_dir} placeholders")
    # A checkpoint is stored in the run's file: past a tebibyte no limit is meant; 1e308 MiB overflowed the byte count
    # and failed every segment ('OverflowError: cannot convert float infinity to integer').
    checkpoint_limit_mb: float = option(64.0, help="largest checkpoint directory kept between budgets (MiB)", gt=0,
                                        le=2 ** 20)

    def __post_init__(self) -> None:
        if not self.argv or not all(isinstance(a, str) for a in self.argv):
            raise ConfigError("simulator 'command': argv must be a non-empty list of strings, "
                              "e.g. [\"python\", \"model.py\", \"--rate\", \"{rate}\"]")
        for arg in self.argv:
            for _, field, spec, conversion in placeholders(arg):
                if field is not None and (spec or conversion):  # the values are strings already: '{x:.3f}'
                    # failed every evaluation, '{x!r}' passed the value in quotes
                    shown = f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
                    raise ConfigError(f"simulator 'command': placeholder {shown} in {arg!r} has a format; write "
                                      f"{{{field}}}: l2l passes each value in full precision (round it in the "
                                      f"program if it must)")
                if field is not None and not field.isidentifier():
                    raise ConfigError(f"simulator 'command': placeholder {{{field}}} in {arg!r} "
                                      f"must be a parameter name or one of {sorted(BUILTIN | FIDELITY_BUILTIN)}")
                if field in FIDELITY_BUILTIN and not self.multi_fidelity:
                    raise ConfigError(f"simulator 'command': placeholder {{{field}}} in {arg!r} is l2l's "
                                      f"{BUILTIN_MEANING[field]} and needs the option multi_fidelity = {{ name = "
                                      f"..., minimum = ..., maximum = ... }} (a parameter of that name cannot be "
                                      f"passed by it: rename the parameter)")
        if self.multi_fidelity:
            fidelity_from_table(self.multi_fidelity, "command")
        if self.config_dir and not os.path.isdir(self.config_dir) \
                and any(field == "config_dir" for arg in self.argv for _, field, _, _ in placeholders(arg)):
            # a stored run's config folder, moved or deleted since: every evaluation failed on a missing program
            from l2l.words import on_command_line

            elsewhere = ("l2l resume/reevaluate FILE --model-dir DIR" if on_command_line() else
                         "model_dir=DIR to l2l.resume or l2l.reevaluate.reevaluate")
            raise ConfigError(f"simulator 'command': the folder {self.config_dir} that {{config_dir}} names is gone "
                              f"(moved or deleted?): put it back, or name where it is now ({elsewhere})")
        if not self.result or os.path.isabs(self.result) or ".." in Path(self.result).parts:
            raise ConfigError(f"simulator 'command': result must be 'stdout' or a relative file name, "
                              f"got {self.result!r}")
        for key, value in self.env.items():
            if not isinstance(value, str):
                raise ConfigError(f"simulator 'command': env value of {key!r} must be a string, got {value!r}")

    def check_space(self, space) -> None:
        builtin = BUILTIN | (FIDELITY_BUILTIN if self.multi_fidelity else set())
        allowed = set(space.names) | builtin
        for arg in self.argv:
            for _, field, _, _ in placeholders(arg):
                if field in builtin and field in space.names:  # the built-in value would replace the parameter's
                    raise ConfigError(f"simulator 'command': placeholder {{{field}}} in {arg!r} is l2l's "
                                      f"{BUILTIN_MEANING[field]}, so it cannot pass parameter {field!r}; rename "
                                      f"the parameter")
                if field is not None and field not in allowed:  # say l2l's own too: a misspelt {chekpoint_dir}
                    close = difflib.get_close_matches(field, sorted(allowed), n=1)  # is no parameter either
                    hint = f" (did you mean {{{close[0]}}}?)" if close else ""
                    if self.multi_fidelity and field == self.multi_fidelity.get("name"):  # '--epochs {epochs}':
                        # the fidelity's own name is what a user writes first; its value is l2l's {budget}
                        hint = f" (the budget of the fidelity {field!r} is the placeholder {{budget}})"
                    raise ConfigError(f"simulator 'command': placeholder {{{field}}} in {arg!r} names no "
                                      f"parameter{hint}; parameters: {', '.join(space.names)}; l2l's "
                                      f"placeholders: {', '.join(sorted(builtin))}")

    def run(self, params, seed):
        return self.evaluate(params, seed, EvaluationContext(generation=0, individual=0))

    def fidelity(self) -> Fidelity | None:
        return fidelity_from_table(self.multi_fidelity, "command") if self.multi_fidelity else None

    def run_to(self, params, seed, budget, checkpoint):
        return self.evaluate(params, seed, EvaluationContext(generation=0, individual=0, budget=budget,
                                                             checkpoint=checkpoint))

    def end_programs(self, run_dir: str) -> None:
        """Kill the programs of the run whose folder is ``run_dir`` still running on this host: a stopped run
        (SIGTERM, SIGUSR1) does not wait for its segments in flight, and a ``local`` worker that
        ends leaves the program it started running (``l2l resume`` runs those segments again).

        Their working directories then go as a successful evaluation's do (kept with ``keep_workdirs``): such an
        evaluation was cancelled (run.target reached, a stop), not failed, and before, its folder was left in
        ``<run>.work`` as if it held a failure to look at."""
        needle = f"{RUN_VARIABLE}={Path(run_dir).absolute()}"
        workdirs = {environment_value(pid, WORKDIR_VARIABLE) for pid in processes_started(needle)}
        kill_started(needle)
        for workdir in sorted(w for w in workdirs if w):
            self._remove_workdir(Path(workdir), run_dir)

    def begin_run(self, run_dir: str) -> None:
        """The run whose folder is ``run_dir`` starts in this process: its evaluations here leave the folders
        above their own (the generation's, ``<run>.work``) for :meth:`end_run`, which the caller must call."""
        with _runs_here_lock:
            _runs_here[run_dir] = (os.getpid(), set())

    def end_run(self, run_dir: str) -> None:
        """The run whose folder is ``run_dir`` ended in this process (its evaluations here are over): remove the
        folders its evaluations left here that are empty, as each evaluation did before."""
        with _runs_here_lock:  # an evaluation still running here (a stop does not wait) then removes its own
            _, left = _runs_here.pop(run_dir, (0, set()))
        if not left:
            return
        generations = {generation for generation, _ in left}
        run_folders = {run_folder for _, run_folder in left if run_folder is not None}
        for run_folder in run_folders:  # and those a session killed (kill -9) before its end_run left there
            generations.update(path for path in run_folder.glob("g[0-9]*") if path.is_dir())
        for generation in sorted(generations):
            _remove_empty(generation)
        for run_folder in sorted(run_folders):
            _remove_empty(run_folder)

    def _remove_workdir(self, workdir: Path, run_dir: str | None) -> None:
        """Remove an evaluation's working directory, and the folders above it left empty, unless
        ``keep_workdirs``: after a success, or a cancel (a failure's is kept for the user to look into). In a run
        under way in this process (:meth:`begin_run`) the folders above are left to :meth:`end_run`."""
        if self.keep_workdirs:
            return
        shutil.rmtree(workdir, ignore_errors=True)
        run_folder = workdir.parent.parent if not self.workdir and run_dir else None  # <run>.work, not the user's
        with _runs_here_lock:
            here = _runs_here.get(run_dir) if run_dir else None
            if here is not None and here[0] == os.getpid():
                here[1].add((workdir.parent, run_folder))
                return
        _remove_empty(workdir.parent)
        if run_folder is not None:
            _remove_empty(run_folder)

    def cancelled(self, context: EvaluationContext) -> None:
        """The evaluation ``context`` names was cancelled (a ``slurm-array`` task's SIGTERM: scancel, a time limit):
        its working directory goes as a cancelled evaluation's does (:meth:`_remove_workdir`). SLURM often signals
        the program first, whose death by SIGTERM the task reads as a failure that keeps the folder; its own SIGTERM
        then ends it without a result, and the folder stayed in ``<run>.work`` for good where the task did not run
        again (a run re-running it makes the folder anew: :meth:`_workdir`). It holds nothing the run reads."""
        if context.budget is None and self.multi_fidelity:  # as evaluate names it
            context = dataclasses.replace(context, budget=self.fidelity().maximum)
        path = self._path(context)
        if path.is_dir():
            self._remove_workdir(path, context.run_dir)

    def _path(self, context: EvaluationContext) -> Path:
        """The working directory of the evaluation ``context`` names (:meth:`_workdir` makes it)."""
        # absolute: the program runs in the folder made here, so {workdir} and {checkpoint_dir} must name their
        # folders from there too, also where the output file was given relatively (``--out run.h5``)
        base = Path(self.workdir or context.run_dir or _private_folder()).absolute()
        leaf = f"i{context.individual:06d}-a{context.attempt}"
        if context.budget is not None:
            leaf = f"i{context.individual:06d}-t{context.trial}-b{context.budget:g}-a{context.attempt}"
        generation = f"g{context.generation:06d}"
        if self.workdir and context.run_dir:  # a folder the user named, which several runs may name (copies of
            # one config for asha and hyperband): their paths were the same, and each run killed the other's
            # programs and deleted its folders as leftovers of a crash (kill_started, rmtree below)
            run_dir = str(Path(context.run_dir).absolute())
            generation += f"-{Path(run_dir).stem}-{hashlib.sha1(run_dir.encode()).hexdigest()[:8]}"
        return base / generation / leaf

    def _workdir(self, context: EvaluationContext) -> Path:
        path = self._path(context)
        if path.exists():  # a segment run again (l2l resume after a kill): the programs the killed run
            kill_started(path)  # started may still be writing here (a Dask worker's child outlives it)
            shutil.rmtree(path)
        for attempt in range(10):
            try:
                path.mkdir(parents=True)
                return path
            except FileNotFoundError:  # the generation's folder, just made, was removed as empty by another
                if attempt == 9:       # evaluation that finished in between (_remove_empty): make it again
                    raise
        return path

    def evaluate(self, params, seed, context: EvaluationContext) -> SimulationResult:
        if context.budget is None and self.multi_fidelity:  # a run without a policy: train to the top budget
            context = dataclasses.replace(context, budget=self.fidelity().maximum)
        fidelity = self.fidelity() if context.budget is not None else None
        if context.budget is not None and fidelity is None:
            raise ValueError("simulator 'command' has no fidelity; declare it with the option multi_fidelity")
        budget = whole_budget(fidelity, context.budget, "command") if fidelity else None
        workdir = self._workdir(context)
        values = {name: format_value(v) for name, v in params.items()}
        values.update(seed=str(seed), workdir=str(workdir), generation=str(context.generation),
                      individual=str(context.individual), config_dir=self.config_dir or os.getcwd())
        described: dict[str, Any] = {"seed": seed}
        if fidelity is not None:
            checkpoint_dir = workdir / CHECKPOINT_FOLDER
            checkpoint_dir.mkdir()
            if context.checkpoint is not None:
                write_checkpoint_dir(checkpoint_dir, context.checkpoint)
            values.update(budget=format_value(budget), checkpoint_dir=str(checkpoint_dir))
            described.update(budget=budget, checkpoint_dir=str(checkpoint_dir))
        scripts = shell_scripts(self.argv)
        argv = [fill(arg, values, index in scripts) for index, arg in enumerate(self.argv)]
        serializable = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in params.items()}
        (workdir / "params.json").write_text(json.dumps({"params": serializable, **described}))
        env = {**os.environ, **self.env, WORKDIR_VARIABLE: str(workdir)}
        if context.run_dir:
            env[RUN_VARIABLE] = str(Path(context.run_dir).absolute())
        # the program dies with this process (kill -9 of l2l left it running to its end): by a guard process, or
        # setpriv; both start it without a fork of l2l (a preexec_fn did: echo evaluated at 17/s, before it 33/s)
        started, env, preexec = parent_death.spawn(argv, workdir, env)
        # its output goes to files, of which only the ends are read: captured whole in memory, a program that
        # printed 300 MB of progress lines took 1.2 GB of l2l's
        begun = time.monotonic()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                proc = subprocess.run(started, cwd=workdir, env=env, stdout=out, stderr=err,
                                      timeout=context.timeout, check=False, preexec_fn=preexec)
            except subprocess.TimeoutExpired:
                kill_started(workdir)  # subprocess killed the program; a wrapper's children would run on
                # its folder is kept, as every failed evaluation's, so its error names it (it did not: the
                # folder stayed in <run>.work, unnamed)
                raise EvaluationTimeout(f"command ran past its timeout of {context.timeout} s\n"
                                        f"--- stdout (tail) ---\n{tail(last_bytes(out))}\n"
                                        f"--- stderr (tail) ---\n{tail(last_bytes(err))}\n"
                                        f"--- workdir: {workdir}") from None
            except OSError as exc:
                raise EvaluationError(f"cannot start {argv[0]!r}: {exc}") from None
            except BaseException:  # Ctrl+C (SIGINT to l2l alone): subprocess killed the program, not its children
                kill_started(workdir)
                # a stop (Ctrl+C, a slurm-array task's scancel), not the program's failure: its folder goes as a
                # success's does (l2l resume runs the evaluation again in a fresh one in any case)
                self._remove_workdir(workdir, context.run_dir)
                raise
            proc.stdout, proc.stderr = last_bytes(out), last_bytes(err)
            last_line = final_line_of(out) if self.result == "stdout" else ""
        failure_text = (f"\n--- stdout (tail) ---\n{tail(proc.stdout)}"
                        f"\n--- stderr (tail) ---\n{tail(proc.stderr)}\n--- workdir: {workdir}")
        if proc.returncode < 0 and stopped_by(-proc.returncode, begun):  # a signal to the whole process group
            # (a closed terminal's SIGHUP, SLURM's SIGTERM, kill -TERM -- -PGID) that asked l2l to stop as well:
            # the run was stopped, the evaluation did not fail; its folder goes as a cancelled one's, and l2l
            # resume runs it again (it was stored as a failure, and counted against run.stop_after_failures)
            kill_started(workdir)
            self._remove_workdir(workdir, context.run_dir)
            raise EvaluationStopped(f"command was stopped by signal {-proc.returncode} "
                                    f"({signal_name(-proc.returncode)}) with the run")
        if proc.returncode < 0:  # subprocess reports a signal as -N: "exited with status -9" named no signal
            number = -proc.returncode
            raise EvaluationError(f"command was killed by signal {number} ({signal_name(number)}){failure_text}")
        if proc.returncode != 0:  # its last word on stderr in the line the failure summaries show ("9 failed: ...",
            # l2l show): "command exited with status 1" alone sent the user to the error column for the reason
            said = final_line(proc.stderr)
            raise EvaluationError(f"command exited with status {proc.returncode}"
                                  f"{f': {said}' if said else ' (nothing on stderr)'}{failure_text}")
        try:
            if self.result == "stdout":
                lines = [last_line] if last_line else []
                if not lines:  # its result printed to stderr (logging, print(..., file=sys.stderr)) is common
                    said = final_line(proc.stderr)
                    raise EvaluationError("command printed nothing on stdout" + (
                        f"; its last line on stderr: {said!r} (the result is read from stdout)" if said else ""))
                try:
                    result = parse_result(lines[-1])
                except EvaluationError as exc:  # a progress line printed after the result is what users do
                    if f"; {NAMED_NUMBERS_HINT}: " in str(exc):  # the result, in another format: not a later line
                        raise
                    raise EvaluationError(f"{exc}; the result is read from the last non-empty line of stdout: "
                                          f"print it last, other output to stderr") from None
            else:
                path = workdir / self.result
                if not path.exists():
                    raise EvaluationError(f"result file {self.result!r} was not written")
                result = parse_result(path.read_text())
            # (of a program with a fidelity alone: l2l reads no curve of a run without one, where an empty one was
            # taken before and failed every evaluation after this check came)
            empty = empty_curves(result.curve) if self.multi_fidelity else []
            if empty:  # the program often says why on stderr (an empty data set, nothing to train)
                said = final_line(proc.stderr)
                raise EvaluationError(empty_curve(empty[0]) + (
                    f"; its last line on stderr: {said!r}" if said else " (nothing on stderr)"))
            if fidelity is not None:  # a program that left no file has nothing to continue from: its next
                # segment restarts from scratch and is counted so (as a python function without a checkpoint)
                files, links = read_checkpoint_dir(checkpoint_dir, int(self.checkpoint_limit_mb * 2 ** 20))
                result.checkpoint = ({"simulator": "command", "budget": budget, "files": files,
                                      **({"links": links} if links else {})} if files else None)
        except EvaluationError as exc:
            raise EvaluationError(f"{exc}{failure_text}") from None
        self._remove_workdir(workdir, context.run_dir)
        return result


_private: list[str] = []


def _private_folder() -> str:
    """The folder of this process's working directories where there is neither a run's folder nor a ``workdir``
    (the simulator evaluated from a user's own code): one ``mkdtemp`` makes in the temp folder (``l2l-command-XXXXXXXX``,
    mode 0700), not the temp folder itself, where names such as ``g000000`` were predictable and another user of a
    shared ``/tmp`` could make them first and then read or swap what the program reads (``params.json``).

    Removed at exit if empty, else kept for the failed evaluations' folders in it (:func:`_leave_private`); a process
    killed before its exit (kill -9) left it for good: it is now removed by the next l2l process of the user
    (l2l.own_files.private_folder), with what it holds."""
    if not _private:
        from l2l.own_files import private_folder

        _private.append(private_folder("l2l-command-", at_exit=_leave_private))
    return _private[0]


def _leave_private(folder: str) -> None:
    """At exit: remove the process's private folder if nothing but its lock is in it; else keep it, without the lock,
    for the user to look into the failed evaluations' folders (a folder without a lock is never swept)."""
    from l2l.own_files import LOCK_NAME

    try:
        os.unlink(os.path.join(folder, LOCK_NAME))
    except OSError:
        pass
    _remove_empty(Path(folder))


def _remove_empty(folder: Path) -> None:
    """Remove a generation's folder (``g000001``) once its last evaluation's working directory is gone, and
    then the run's ``<run>.work`` if nothing else is in it.

    ``rmdir`` removes only an empty folder: one that holds the working directory of a failed evaluation, of a
    running one (or of any evaluation with ``keep_workdirs``), a backend's logs or anything else is left as it
    is. An evaluation that starts meanwhile makes the folders again (:meth:`Command._workdir`).
    """
    try:
        folder.rmdir()
    except OSError:
        pass

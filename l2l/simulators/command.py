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
import re
import shlex
import shutil
import signal
import string
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
from l2l.numbers import number
from l2l.program_guard import holding, kill_holding
from l2l.registry import option
from l2l.simulators.base import EvaluationContext, Fidelity, SimulationResult, Simulator, empty_curve, empty_curves
from l2l.simulators.fidelity_tools import fidelity_from_table, whole_budget
from l2l.simulators.stop_signals import EvaluationStopped, stopped_by

TAIL = 2000
_BUILTIN = {"seed", "workdir", "generation", "individual", "config_dir"}
_FIDELITY_BUILTIN = {"budget", "checkpoint_dir"}
#: What each built-in placeholder is, for the message refusing a parameter of the same name.
_BUILTIN_MEANING = {"seed": "evaluation seed", "workdir": "working directory of the evaluation",
                    "generation": "generation number", "individual": "individual number",
                    "config_dir": "folder of the config file", "budget": "budget of the segment (multi_fidelity)",
                    "checkpoint_dir": "checkpoint folder of the candidate (multi_fidelity)"}
CHECKPOINT_FOLDER = "checkpoint"
#: Set in the program's environment to its working directory: how l2l finds every process an evaluation
#: started (a shell wrapper's children too) to end them (see :func:`_kill_started`).
WORKDIR_VARIABLE = "L2L_WORKDIR"
#: Set in the program's environment to the run's folder (``<run>.work``): how l2l finds the programs a
#: stopped run leaves running on its local workers (see :meth:`Command.end_programs`).
RUN_VARIABLE = "L2L_RUN"
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


def _format(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return ",".join(repr(float(v)) for v in value.reshape(-1))
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _last_line(text: bytes | None) -> str:
    """The last non-empty line of a program's output (a traceback's exception, ``error: ...``), at most 200
    characters, its end kept; '' if there is none."""
    lines = [line.strip() for line in (text or b"").decode("utf-8", errors="replace").splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[-1] if len(lines[-1]) <= 200 else "..." + lines[-1][-197:]


#: Programs whose ``-c`` argument is a shell script: a value put into it is quoted for the shell (:func:`_fill`).
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"})
#: The long options of those shells that take the next argument as their value (bash's ``--rcfile F`` and
#: ``--init-file F``, zsh's ``--emulate sh``): the script's ``-c`` may come after them.
LONG_OPTIONS_WITH_VALUE = frozenset({"--rcfile", "--init-file", "--emulate"})
#: The characters after which a ``#`` starts a shell comment (it must begin a word): blanks and the metacharacters.
_WORD_ENDS = frozenset(" \t\n;&|()<>")


def _shell_scripts(argv: tuple) -> set[int]:
    """The indices of the arguments of ``argv`` that a shell reads as its script: the one after ``-c`` (or an option
    cluster with ``c``: ``-ec``, ``-lc``) following a shell (``bash``, ``/bin/sh``; also after ``srun ...``), its
    other options (``-e``, ``-o pipefail``) before it."""
    scripts = set()
    for index, arg in enumerate(argv):
        if os.path.basename(arg) not in SHELLS:
            continue
        option = index + 1
        while option < len(argv) and argv[option][:1] in ("-", "+") and argv[option] not in ("-", "--"):
            # each o or O of a cluster takes the next argument as its option's name: '-eo pipefail' (read as one
            # option before, its script was not seen and its values were not quoted); so does a long option with
            # a value: 'bash --rcfile F -c ...' (F was taken for the script, which was then not seen)
            names = int(argv[option] in LONG_OPTIONS_WITH_VALUE) if argv[option].startswith("--") else \
                sum(char in "oO" for char in argv[option][1:])
            if argv[option][0] == "-" and not argv[option].startswith("--") and "c" in argv[option][1:]:
                script = option + 1 + names
                script += script < len(argv) - 1 and argv[script] == "--"  # 'sh -c -- "..."': the script after it
                if script < len(argv):
                    scripts.add(script)
                break
            option += 1 + names
    return scripts


def _fill(template: str, values: dict[str, str], shell: bool) -> str:
    """``template`` with its placeholders replaced by ``values``; in a shell script (``bash -c "..."``) each value
    quoted for where it stands (bare, in double or in single quotes, also inside ``$(...)``), so that the shell reads
    it as the text it is.

    A path or a categorical value with a blank, a quote or a ``$`` was split or run by the shell: a
    ``{checkpoint_dir}`` under an output folder with a blank (``runs/my sweep``) reached the program as two words,
    its state went nowhere, and every segment restarted from scratch without a failure. A value of letters, digits
    and ``_@%+=:,./-`` (every number) is passed as before.
    """
    if not shell:
        return template.format_map(values)
    parts, quoting, previous = [], [""], "\n"  # (the script's start, as a line's, may start a comment)
    for literal, field, _, _ in _placeholders(template):
        parts.append(literal)
        quoting = _quoting_after(literal, quoting, previous)
        previous = literal[-1:] or previous
        if field is None:
            continue
        value, previous = values[field], "x"  # (a value is a word, or part of one: no '#' after it starts a comment)
        if quoting[-1] == "#":  # in a comment the shell reads no quote; a line break would end it early
            parts.append(value.replace("\n", " "))
            continue
        if quoting[-1] == "'":
            value = value.replace("'", "'\\''")
        elif quoting[-1] == '"':
            value = re.sub(r'([\\"$`])', r"\\\1", value)
        else:
            value = shlex.quote(value)
        for _ in range(quoting.count("`")):  # the shell takes a backslash off '\\', '\`' and '\$' in `...` first
            value = re.sub(r"([\\`$])", r"\\\1", value)
        parts.append(value)
    return "".join(parts)


def _quoting_after(text: str, quoting: list[str], previous: str = "") -> list[str]:
    """The shell's quoting after ``text``, from the quoting before it: a stack whose top is ``"'"`` or ``'"'``
    inside quotes, ``"#"`` inside a comment (to the line's end), else ``""`` (bare) or ``"("``, ``"`"`` (inside a
    command substitution or parentheses, where quotes start afresh: ``"$(cat "{x}")"``). ``previous``: the
    character before ``text`` ('' for none), by which a ``#`` at its start begins a word (a comment) or not.

    A comment is skipped as the shell skips it: an apostrophe there (``# it's the model``) was taken for an open
    quote, and every value after it was quoted for inside single quotes while the shell read it bare."""
    quoting, escaped = list(quoting), False
    for char in text:
        top = quoting[-1]
        if top == "#":
            if char == "\n":
                quoting.pop()
        elif top == "'":
            if char == "'":
                quoting.pop()
        elif escaped:
            escaped, char = False, "x"  # an escaped '$' starts no '$(', an escaped blank ends no word
        elif char == "\\":
            escaped = True
        elif top == '"':
            if char == '"':
                quoting.pop()
            elif char == "(" and previous == "$":
                quoting.append("(")
            elif char == "`":
                quoting.append("`")
        elif char == "#" and top in ("", "(") and previous in _WORD_ENDS:
            quoting.append("#")
        elif char in "'\"":
            quoting.append(char)
        elif char == "(":
            quoting.append("(")
        elif char == ")" and top == "(":
            quoting.pop()
        elif char == "`":
            if top == "`":
                quoting.pop()
            else:
                quoting.append("`")
        previous = char
    return quoting


def _placeholders(arg: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """The parts of one argv template as :meth:`string.Formatter.parse` gives them; ConfigError naming ``arg`` for
    an unpaired brace, where Python's words ("expected '}' before end of string", "Single '}' encountered in format
    string") named neither the argument nor how to write a brace the program should get."""
    try:
        return list(string.Formatter().parse(arg))
    except ValueError:
        raise ConfigError(f"simulator 'command': argument {arg!r} of argv has a brace without its pair: write a "
                          f"placeholder as {{budget}}, and a brace the program should get as {{{{ or }}}}") from None


#: The bytes read from the end of a program's stdout and stderr for its failure's tails and last line on stderr.
OUTPUT_END = 1 << 16


def _last_bytes(file, size: int = OUTPUT_END) -> bytes:
    """The last ``size`` bytes of the open binary ``file``."""
    end = file.seek(0, os.SEEK_END)
    file.seek(max(0, end - size))
    return file.read()


def _last_line_of(file) -> str:
    """The last non-empty line of the open binary ``file`` (a program's stdout), as ``str.splitlines`` splits
    it, read from its end in growing blocks: the result is there, however much was printed before it."""
    end = file.seek(0, os.SEEK_END)
    size = OUTPUT_END
    while True:
        start = max(0, end - size)
        file.seek(start)
        lines = [line for line in file.read().decode("utf-8", errors="replace").splitlines() if line.strip()]
        # the block's first line may have begun before it: the last line is whole once another came before it
        if start == 0 or len(lines) >= 2:
            return lines[-1] if lines else ""
        size *= 4


def _tail(text: bytes | str | None) -> str:
    if not text:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return text[-TAIL:]


def parse_result(text: str) -> SimulationResult:
    """A :class:`SimulationResult` from the JSON a program printed or wrote."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise EvaluationError(f"result is not JSON: {text[-200:]!r}") from exc
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return SimulationResult(objectives=float(data))
    if isinstance(data, list) and data and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               for v in data):
        # values without names: one is the objective of a run of one; for several, the loop says to name them
        return SimulationResult(objectives=data[0] if len(data) == 1 else list(data))
    if not isinstance(data, dict):
        raise EvaluationError(f"result must be a number or a JSON object, got {text[-200:]!r}")
    if "objectives" in data:
        return SimulationResult(
            objectives=data["objectives"], metrics=data.get("metrics", {}),
            traces={k: np.asarray(v, dtype=float) for k, v in data.get("traces", {}).items()},
            outputs=None if data.get("outputs") is None else np.asarray(data["outputs"], dtype=float),
            curve=data.get("curve"))
    return SimulationResult(objectives=data)


def read_checkpoint_dir(folder: Path, limit_bytes: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every regular file under ``folder`` as {relative posix path: uint8 array}, and every symbolic link that
    stays inside it as {relative posix path: its target relative to the link's folder, UTF-8 as uint8 array}
    (training scripts point ``last.ckpt`` or ``latest`` at their newest file); EvaluationError past the limit,
    or for a link that leads out of the folder or to nothing (the next segment, perhaps on another worker, could
    not follow it)."""
    files, links, total = {}, {}, 0
    root = folder.resolve()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            target = Path(os.readlink(path))
            resolved = (path.parent / target).resolve() if not target.is_absolute() else target.resolve()
            if not resolved.is_relative_to(root) or resolved == root:
                raise EvaluationError(f"checkpoint directory holds a symbolic link {relative!r} to {str(target)!r}, "
                                      f"outside the directory: copy the file into it instead")
            if not resolved.exists():
                raise EvaluationError(f"checkpoint directory holds a symbolic link {relative!r} to {str(target)!r}, "
                                      f"which does not exist")
            kept = os.path.relpath(resolved, (root / relative).parent)  # relative, so it holds wherever restored
            links[relative] = np.frombuffer(kept.encode(), dtype=np.uint8).copy()
            continue
        if not path.is_file():
            continue
        total += path.stat().st_size
        if total > limit_bytes:
            raise EvaluationError(f"checkpoint directory holds more than checkpoint_limit_mb = "
                                  f"{number(limit_bytes / 2 ** 20)} MiB; keep fewer or smaller files, or raise the "
                                  f"limit")
        files[relative] = np.frombuffer(path.read_bytes(), dtype=np.uint8).copy()
    return files, links


def _inside(folder: Path, relative: str) -> Path:
    parts = Path(relative).parts
    if not relative or Path(relative).is_absolute() or ".." in parts:
        raise EvaluationError(f"the checkpoint names a file outside its folder: {relative!r}")
    return folder.joinpath(*parts)


def write_checkpoint_dir(folder: Path, checkpoint: Any) -> None:
    """Recreate the files and links of a checkpoint written by :func:`read_checkpoint_dir` under ``folder``."""
    files = checkpoint.get("files") if isinstance(checkpoint, dict) else None
    links = checkpoint.get("links", {}) if isinstance(checkpoint, dict) else None
    if not isinstance(files, dict) or not isinstance(links, dict):
        raise EvaluationError("the checkpoint holds no 'files' table: it was not written by the command simulator")
    for relative, content in files.items():
        target = _inside(folder, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():  # an earlier checkpoint's link, written into the same folder: replaced, not followed
            target.unlink()
        target.write_bytes(np.asarray(content, dtype=np.uint8).tobytes())
    root = folder.resolve()
    for relative, content in links.items():
        link = _inside(folder, relative)
        text = np.asarray(content, dtype=np.uint8).tobytes().decode("utf-8", errors="replace")
        if Path(text).is_absolute() or not (root / relative).parent.joinpath(text).resolve().is_relative_to(root):
            raise EvaluationError(f"the checkpoint's link {relative!r} leads outside its folder: {text!r}")
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():  # (l2l.checkpoint(path, folder=F) twice: FileExistsError)
            link.unlink()
        link.symlink_to(text)
    for relative in links:  # a link through one made after it ('a' -> 'b/..', then 'b' -> '.') led outside
        link = _inside(folder, relative)
        if not link.resolve().is_relative_to(root):
            link.unlink()
            raise EvaluationError(f"the checkpoint's link {relative!r} leads outside its folder")


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
            for _, field, spec, conversion in _placeholders(arg):
                if field is not None and (spec or conversion):  # the values are strings already: '{x:.3f}'
                    # failed every evaluation, '{x!r}' passed the value in quotes
                    shown = f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
                    raise ConfigError(f"simulator 'command': placeholder {shown} in {arg!r} has a format; write "
                                      f"{{{field}}}: l2l passes each value in full precision (round it in the "
                                      f"program if it must)")
                if field is not None and not field.isidentifier():
                    raise ConfigError(f"simulator 'command': placeholder {{{field}}} in {arg!r} "
                                      f"must be a parameter name or one of {sorted(_BUILTIN | _FIDELITY_BUILTIN)}")
                if field in _FIDELITY_BUILTIN and not self.multi_fidelity:
                    raise ConfigError(f"simulator 'command': placeholder {{{field}}} in {arg!r} is l2l's "
                                      f"{_BUILTIN_MEANING[field]} and needs the option multi_fidelity = {{ name = "
                                      f"..., minimum = ..., maximum = ... }} (a parameter of that name cannot be "
                                      f"passed by it: rename the parameter)")
        if self.multi_fidelity:
            fidelity_from_table(self.multi_fidelity, "command")
        if self.config_dir and not os.path.isdir(self.config_dir) \
                and any(field == "config_dir" for arg in self.argv for _, field, _, _ in _placeholders(arg)):
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
        builtin = _BUILTIN | (_FIDELITY_BUILTIN if self.multi_fidelity else set())
        allowed = set(space.names) | builtin
        for arg in self.argv:
            for _, field, _, _ in _placeholders(arg):
                if field in builtin and field in space.names:  # the built-in value would replace the parameter's
                    raise ConfigError(f"simulator 'command': placeholder {{{field}}} in {arg!r} is l2l's "
                                      f"{_BUILTIN_MEANING[field]}, so it cannot pass parameter {field!r}; rename "
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
        workdirs = {_environment_value(pid, WORKDIR_VARIABLE) for pid in _started(needle)}
        _kill_started(needle)
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
            # programs and deleted its folders as leftovers of a crash (_kill_started, rmtree below)
            run_dir = str(Path(context.run_dir).absolute())
            generation += f"-{Path(run_dir).stem}-{hashlib.sha1(run_dir.encode()).hexdigest()[:8]}"
        return base / generation / leaf

    def _workdir(self, context: EvaluationContext) -> Path:
        path = self._path(context)
        if path.exists():  # a segment run again (l2l resume after a kill): the programs the killed run
            _kill_started(path)  # started may still be writing here (a Dask worker's child outlives it)
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
        values = {name: _format(v) for name, v in params.items()}
        values.update(seed=str(seed), workdir=str(workdir), generation=str(context.generation),
                      individual=str(context.individual), config_dir=self.config_dir or os.getcwd())
        described: dict[str, Any] = {"seed": seed}
        if fidelity is not None:
            checkpoint_dir = workdir / CHECKPOINT_FOLDER
            checkpoint_dir.mkdir()
            if context.checkpoint is not None:
                write_checkpoint_dir(checkpoint_dir, context.checkpoint)
            values.update(budget=_format(budget), checkpoint_dir=str(checkpoint_dir))
            described.update(budget=budget, checkpoint_dir=str(checkpoint_dir))
        scripts = _shell_scripts(self.argv)
        argv = [_fill(arg, values, index in scripts) for index, arg in enumerate(self.argv)]
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
                _kill_started(workdir)  # subprocess killed the program; a wrapper's children would run on
                raise EvaluationTimeout(f"command ran past its timeout of {context.timeout} s\n"
                                        f"--- stdout (tail) ---\n{_tail(_last_bytes(out))}\n"
                                        f"--- stderr (tail) ---\n{_tail(_last_bytes(err))}") from None
            except OSError as exc:
                raise EvaluationError(f"cannot start {argv[0]!r}: {exc}") from None
            except BaseException:  # Ctrl+C (SIGINT to l2l alone): subprocess killed the program, not its children
                _kill_started(workdir)
                # a stop (Ctrl+C, a slurm-array task's scancel), not the program's failure: its folder goes as a
                # success's does (l2l resume runs the evaluation again in a fresh one in any case)
                self._remove_workdir(workdir, context.run_dir)
                raise
            proc.stdout, proc.stderr = _last_bytes(out), _last_bytes(err)
            last_line = _last_line_of(out) if self.result == "stdout" else ""
        failure_text = (f"\n--- stdout (tail) ---\n{_tail(proc.stdout)}"
                        f"\n--- stderr (tail) ---\n{_tail(proc.stderr)}\n--- workdir: {workdir}")
        if proc.returncode < 0 and stopped_by(-proc.returncode, begun):  # a signal to the whole process group
            # (a closed terminal's SIGHUP, SLURM's SIGTERM, kill -TERM -- -PGID) that asked l2l to stop as well:
            # the run was stopped, the evaluation did not fail; its folder goes as a cancelled one's, and l2l
            # resume runs it again (it was stored as a failure, and counted against run.stop_after_failures)
            _kill_started(workdir)
            self._remove_workdir(workdir, context.run_dir)
            raise EvaluationStopped(f"command was stopped by signal {-proc.returncode} "
                                    f"({signal_name(-proc.returncode)}) with the run")
        if proc.returncode < 0:  # subprocess reports a signal as -N: "exited with status -9" named no signal
            number = -proc.returncode
            raise EvaluationError(f"command was killed by signal {number} ({signal_name(number)}){failure_text}")
        if proc.returncode != 0:  # its last word on stderr in the line the failure summaries show ("9 failed: ...",
            # l2l show): "command exited with status 1" alone sent the user to the error column for the reason
            said = _last_line(proc.stderr)
            raise EvaluationError(f"command exited with status {proc.returncode}"
                                  f"{f': {said}' if said else ' (nothing on stderr)'}{failure_text}")
        try:
            if self.result == "stdout":
                lines = [last_line] if last_line else []
                if not lines:  # its result printed to stderr (logging, print(..., file=sys.stderr)) is common
                    said = _last_line(proc.stderr)
                    raise EvaluationError("command printed nothing on stdout" + (
                        f"; its last line on stderr: {said!r} (the result is read from stdout)" if said else ""))
                try:
                    result = parse_result(lines[-1])
                except EvaluationError as exc:  # a progress line printed after the result is what users do
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
                said = _last_line(proc.stderr)
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


def signal_name(number: int) -> str:
    """The signal's name, for SIGKILL with its usual sender (the kernel's out-of-memory killer)."""
    try:
        name = signal.Signals(number).name
    except ValueError:
        return "unknown signal"
    if number == signal.SIGKILL:  # cannot be caught, so the program printed nothing about it
        return f"{name}: killed from outside, e.g. by the out-of-memory killer"
    return name


def _started(workdir: Path | str) -> list[int]:
    """The processes whose environment names ``workdir`` in :data:`WORKDIR_VARIABLE` (or holds the variable
    ``workdir``, given as ``NAME=value``) (Linux: ``/proc``; elsewhere none are found)."""
    return holding(_needle(workdir))


def _needle(workdir: Path | str) -> bytes:
    return (workdir if isinstance(workdir, str) else f"{WORKDIR_VARIABLE}={workdir}").encode()


def _environment_value(pid: int, name: str) -> str | None:
    """The value of ``name`` in the environment of process ``pid`` (Linux: ``/proc``), or None."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    prefix = f"{name}=".encode()
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix):].decode(errors="surrogateescape")
    return None


def _kill_started(workdir: Path | str) -> None:
    """End every process an evaluation in ``workdir`` started that is still alive: the children of a program
    killed at its timeout (a shell script's ``python train.py``), or programs whose Dask worker died with a
    killed ``l2l`` (they would go on writing into the folder of the segment that runs again)."""
    kill_holding(_needle(workdir), rounds=20)


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

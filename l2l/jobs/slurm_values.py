"""What goes into a SLURM job script: times, memory sizes, network interfaces and interpreters read from a config,
and every value checked (no line breaks, no control characters) and written as sbatch reads it.

:func:`check_script_values` is the one gate of every SLURM path (the ``slurm`` backend, ``slurm-array``, ``l2l
submit``); :func:`directive` and :func:`sbatch_value` write ``#SBATCH`` lines, :func:`check_extra_directives` the
user's own. Nothing here calls SLURM (that is :func:`l2l.jobs.slurm_common.call`).
"""

from __future__ import annotations

import math
import os
import re
import socket
import unicodedata
from typing import Any, Mapping, Sequence

from l2l.config_paths import beside  # the one rule of a config's paths
from l2l.errors import ConfigError

_WALLTIME = re.compile(r"^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$")


def walltime_seconds(value: str, key: str = "walltime") -> int:
    """Seconds of a SLURM time: 'MM', 'MM:SS', 'HH:MM:SS', 'D-HH', 'D-HH:MM', 'D-HH:MM:SS'."""
    match = _WALLTIME.match(str(value).strip())
    if not match:
        raise ConfigError(f"{key} must be a SLURM time like '01:30:00' or '2-00:00:00', got {value!r}")
    days, a, b, c = match.groups()
    parts = [int(x) for x in (a, b, c) if x is not None]
    if days is not None:  # D-HH[:MM[:SS]]
        parts += [0] * (3 - len(parts))
        hours, minutes, seconds = parts
        return ((int(days) * 24 + hours) * 60 + minutes) * 60 + seconds
    if len(parts) == 1:
        return parts[0] * 60
    if len(parts) == 2:
        return parts[0] * 60 + parts[1]
    return (parts[0] * 60 + parts[1]) * 60 + parts[2]


def format_walltime(seconds: float) -> str:
    """'HH:MM:SS' (hours may exceed 24) for a number of seconds."""
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _unsafe_character(text: str) -> str | None:
    """The first line break or control character of ``text`` (what could start a new script line)."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            return char
    return None


def check_script_values(who: str, values: Mapping[str, Any], patterns: Mapping[str, str] | None = None) -> None:
    """Refuse any value (string, or list of strings) that holds a line break or control character, and a string
    of blanks alone.

    This is the one gate of every SLURM path: what passes it cannot add a line
    to a job script; :func:`directive` and :func:`shlex.quote` keep it inside
    its own line and word. ``patterns`` maps the keys of folders that sbatch
    reads as part of a file name pattern (``--output``/``--error``, where
    ``%j`` is the job id) to what to change instead: a ``%`` in them is
    refused, the logs would go to another folder (or nowhere); so is a
    backslash, which SLURM drops from those names (the job fails to launch).
    """
    patterns = patterns or {}
    for key, value in values.items():
        if isinstance(value, str) and value and not value.strip():  # partition = " ": sbatch read no value (the
            # slurm-array backend refused it at its first job script, the slurm backend at sbatch's test)
            raise ConfigError(f"{who}: {key} = {value!r} is blank; give a value, or leave it out for its default")
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            char = _unsafe_character(str(item))
            if char is not None:
                what = f"{key} = {value!r}" if item is value else f"{key} holds {item!r}, which"
                raise ConfigError(f"{who}: {what} contains a line break or control character ({char!r}); "
                                  f"SLURM options must be one line of printable text")
            if key in patterns and "%" in str(item):
                raise ConfigError(f"{who}: {key} {str(item)!r} contains '%', which sbatch reads as a pattern in "
                                  f"the names of log files (%j: the job id); {patterns[key]}")
            if key in patterns and "\\" in str(item):  # slurmd drops it from the log's name and expands no
                # pattern there: the log's folder did not exist and every job failed to launch (JobLaunchFailure),
                # each task of a slurm-array run submitted again and again, with no log to say why
                hint = patterns[key].replace("'%'", "a backslash")  # shown as it is: repr doubled the backslash
                raise ConfigError(f"{who}: {key} '{item}' contains a backslash, which SLURM drops from the names "
                                  f"of log files (and then expands no %j in them): the logs could not be written "
                                  f"and every job would fail to launch; {hint}")


def interpreter(python: str, named: str, base: str | os.PathLike = ".") -> str:
    """The Python interpreter ``python`` as a job runs it, whose script starts in another folder (``l2l submit``'s
    job in the output's, a ``slurm-array`` task in its batch's): a path (a '/' in it, or '~') made absolute against
    ``base`` (a relative one was looked for in that folder: ``.venv/bin/python`` failed as the job started); a
    bare name (``python3``) is left to the job's PATH. A path that is a folder here is refused, ``named`` as the
    user gave it (``l2l submit: --python .venv``): the job failed at its start with bash's 'Is a directory', after
    its wait in the queue (a path only the nodes have is left to them)."""
    if "/" not in python and not python.startswith("~"):
        return python
    path = beside(python, base)
    if os.path.isdir(path):
        raise ConfigError(f"{named} is a folder; give the interpreter in it, e.g. "
                          f"{os.path.join(python, 'bin', 'python')}")
    return path


_PLAIN = re.compile(r"^[A-Za-z0-9_.,:@%+=/\-\[\]]+$")


def sbatch_value(value: object) -> str:
    """``value`` written so that sbatch's ``#SBATCH`` parser reads it back as one argument.

    sbatch splits a directive at blanks, honours double quotes and backslash
    escapes, and ends it at an unquoted ``#``; plain values are left alone.
    """
    text = str(value)
    if _PLAIN.match(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def directive(key: str, value: object) -> str:
    """One ``#SBATCH --key=value`` line; refuses empty values and line breaks, quotes the rest."""
    text = str(value)
    check_script_values("SLURM option", {key: text})
    if not text.strip():
        raise ConfigError(f"SLURM option {key}: {value!r} is not a valid value (empty)")
    return f"#SBATCH --{key}={sbatch_value(text)}"


#: One double-quoted word as sbatch reads it: no unescaped quote inside.
_QUOTED = re.compile(r'^"(?:[^"\\]|\\.)*"$')


def check_extra_directives(values: Sequence[str], who: str, walltime: str = "walltime",
                           reserved: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Validate user-given extra directives like '--qos=long' or '--constraint=gpu'; quote their values.

    A time limit (``--time``, ``-t``) is refused, naming the option that sets it (``walltime``): every job script
    has l2l's own ``--time`` line from that option, and sbatch took the extra one, written after it (checked: walltime
    00:30:00 with ``--time=1`` gave jobs of one minute, killed while l2l counted on 30).

    An ``#SBATCH`` line is split at blanks and ends at an unquoted ``#``: written as given,
    ``--comment=my sweep #1`` made sbatch refuse every job ("Invalid directive found in batch script:
    sweep"), which the ``slurm`` backend waited on for ever. The value after ``=`` is therefore quoted as
    :func:`sbatch_value` quotes the other options (one already one double-quoted word is kept); an option with its
    value after a blank (``--qos long``) may have one word only.

    ``reserved`` maps further options the caller's script depends on (long ``--output``, short ``-o``) to why, said
    in the refusal: ``l2l submit``'s own ``--output``, ``--signal`` and ``--requeue`` lines, which a later one
    overrode unsaid (the log it named was never written; the loop was never warned, or never requeued).
    """
    checked = []
    for value in values:
        if not isinstance(value, str) or not value.startswith("-") or _unsafe_character(value) is not None:
            raise ConfigError(f"{who}: each extra directive must be one option such as '--qos=long', "
                              f"got {value!r}")
        name, equals, argument = value.partition("=")
        option = name.split()[0] if name.split() else name
        if option in ("--time", "-t") or option.startswith("-t") and not option.startswith("--"):
            raise ConfigError(f"{who}: extra directive {value!r} sets the time limit, which l2l writes from "
                              f"{walltime} (sbatch would take the later line); give {walltime} instead")
        for taken, why in (reserved or {}).items():
            if option == taken or (not taken.startswith("--") and option.startswith(taken)
                                   and not option.startswith("--")):
                raise ConfigError(f"{who}: extra directive {value!r} {why}")
        if equals and not argument.strip() and not any(char.isspace() for char in name):
            # '--qos=$QOS' with QOS unset: written as --qos="", which sbatch took as none (the default, unsaid)
            raise ConfigError(f"{who}: extra directive {value!r} has no value after '='; give one, or leave the "
                              f"directive out")
        if equals and not any(char.isspace() for char in name):
            quoted = _QUOTED.match(argument) is not None  # '"a" b "c"' is not: sbatch read 'b' as a directive
            checked.append(f"{name}={argument if quoted else sbatch_value(argument)}")
        elif len(value.split()) > 2 or "#" in value:
            raise ConfigError(f"{who}: extra directive {value!r} is more than an option and one word; write it "
                              f"as '--option=value' (l2l quotes the value for sbatch)")
        else:
            checked.append(value)
    return tuple(checked)


_MEMORY = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgtp]?)(i?)(b?)\s*$", re.IGNORECASE)


def memory_bytes(who: str, key: str, value: object) -> int:
    """Bytes of a memory size: '4GB', '4G', '500M', '1.5GiB', or a bare number of megabytes (as SLURM).

    One-letter units and ``KiB``/``MiB``/... are powers of 1024 (SLURM's reading);
    ``KB``/``MB``/``GB`` are powers of 1000 (Dask's).
    """
    match = _MEMORY.match(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if match is None:
        raise ConfigError(f"{who}: {key} must be a memory size such as '4GB', '4G' or '500M', got {value!r}")
    number, unit, binary, byte = match.groups()
    power = "kmgtp".find(unit.lower()) + 1
    if not unit:
        if binary or byte:  # '500b' or '500ib': bytes are not a unit SLURM books
            raise ConfigError(f"{who}: {key} must be a memory size such as '4GB', '4G' or '500M', "
                              f"got {value!r}")
        power = 2  # a bare number is megabytes, as for sbatch --mem
    base = 1000 if (byte and not binary) else 1024
    amount = float(number) * base ** power
    if not amount >= 1 << 20 or not math.isfinite(amount):
        raise ConfigError(f"{who}: {key} must be at least 1 megabyte, got {value!r}")
    return int(amount)


def slurm_memory(who: str, key: str, value: object) -> str:
    """``value`` as sbatch's ``--mem`` reads it: kept if already in its form ('4G', '500'), else megabytes."""
    amount = memory_bytes(who, key, value)
    text = str(value).strip()
    if re.match(r"^\d+[KMGT]?$", text, re.IGNORECASE):
        return text
    return f"{math.ceil(amount / (1 << 20))}M"


def check_interface(who: str, name: str) -> str:
    """``name`` if this machine has a network interface of that name, else a ConfigError listing them."""
    try:
        names = [entry[1] for entry in socket.if_nameindex()]
    except OSError:  # no interface table on this platform: nothing to check against
        return name
    if name not in names:
        raise ConfigError(f"{who}: interface {name!r} is not a network interface of this machine; "
                          f"interfaces: {', '.join(names)}")
    return name


#: sbatch's input environment variables that stand for an option of the job script, each with the option's names
#: (long, short). sbatch takes such a variable over the script's ``#SBATCH`` line (command line > environment >
#: script): ``SBATCH_TIMELIMIT=1`` gave the jobs of a ``walltime = "00:10:00"`` run one minute, unsaid; a site's
#: ``SBATCH_PARTITION`` sent the jobs of ``partition = "gpu"`` to its own partition.
_SBATCH_VARIABLES = {
    "SBATCH_TIMELIMIT": ("--time", "-t"), "SBATCH_PARTITION": ("--partition", "-p"),
    "SBATCH_ACCOUNT": ("--account", "-A"), "SBATCH_MEM_PER_NODE": ("--mem",), "SBATCH_MEM_PER_CPU": ("--mem",),
    "SBATCH_MEM_PER_GPU": ("--mem",), "SBATCH_QOS": ("--qos", "-q"), "SBATCH_CONSTRAINT": ("--constraint", "-C"),
    "SBATCH_OUTPUT": ("--output", "-o"), "SBATCH_ERROR": ("--error", "-e"), "SBATCH_OPEN_MODE": ("--open-mode",),
    "SBATCH_SIGNAL": ("--signal",), "SBATCH_REQUEUE": ("--requeue", "--no-requeue"),
    "SBATCH_NO_REQUEUE": ("--requeue", "--no-requeue"), "SBATCH_EXPORT": ("--export",),
    "SBATCH_EXCLUSIVE": ("--exclusive",), "SBATCH_GRES": ("--gres",), "SBATCH_RESERVATION": ("--reservation",),
    "SBATCH_GPUS": ("--gpus", "-G")}

#: Variables no l2l job may take from sbatch's environment: an array index list made the loop's job or a worker job
#: an array of several; ``SBATCH_WAIT`` held every sbatch until its job ended.
_SBATCH_NEVER = ("SBATCH_ARRAY_INX", "SBATCH_WAIT")

_SCRIPT_OPTION = re.compile(r"^#SBATCH\s+(-[A-Za-z]|--[A-Za-z][\w-]*)")


def sbatch_environment(script: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment to run sbatch with for the job ``script`` (its text): ``environ`` (the process's) without the
    ``SBATCH_*`` variables that would override an option the script sets in an ``#SBATCH`` line (see
    :data:`_SBATCH_VARIABLES`), nor those of :data:`_SBATCH_NEVER`; the others (a site's ``SBATCH_ACCOUNT`` where the
    config gives no account) still apply. The script's lines are what the config (or ``l2l submit``'s options) said,
    and l2l counts on them: the walltime a worker retires before, the log it names."""
    environ = dict(os.environ if environ is None else environ)
    options = set()
    for line in script.splitlines():
        match = _SCRIPT_OPTION.match(line.strip())
        if match:
            options.add(match.group(1)[:2] if not match.group(1).startswith("--") else match.group(1))
    for variable, names in _SBATCH_VARIABLES.items():
        if options.intersection(names):
            environ.pop(variable, None)
    for variable in _SBATCH_NEVER:
        environ.pop(variable, None)
    return environ


"""What the SLURM backends and ``l2l submit`` share: one way to call a command, walltimes, directives.

Every SLURM command goes through :func:`call`, with an argv list (never a
shell string), so that run names, paths and parameter values cannot reach a
shell. Values that go into a job script are validated by :func:`directive`
(``#SBATCH`` lines) or quoted with :func:`shlex.quote` (the script body).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Sequence

from l2l.errors import ConfigError, L2LError

_WALLTIME = re.compile(r"^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$")


class SlurmError(L2LError):
    """A SLURM command failed; the message holds its exit code, stdout and stderr."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str):
        self.argv, self.returncode, self.stdout, self.stderr = list(argv), returncode, stdout, stderr
        super().__init__(f"{' '.join(argv)!s} exited with {returncode}\nstdout: {stdout.strip()}\n"
                         f"stderr: {stderr.strip()}")


def call(argv: Sequence[str], *, timeout: float = 60.0, input: str | None = None) -> str:
    """Run ``argv`` (no shell) and return its stdout; raise :class:`SlurmError` if it fails."""
    argv = [str(a) for a in argv]
    if shutil.which(argv[0]) is None:
        raise SlurmError(argv, 127, "", f"{argv[0]}: command not found (is SLURM installed and on PATH? "
                                        f"For a local test cluster: bash scripts/slurm-up.sh)")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise SlurmError(argv, -1, exc.stdout or "", f"no answer within {timeout} s") from None
    if done.returncode != 0:
        raise SlurmError(argv, done.returncode, done.stdout, done.stderr)
    return done.stdout


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


def directive(key: str, value: object) -> str:
    """One ``#SBATCH`` line; refuses values that could end the line or the directive."""
    text = str(value)
    if not text or any(c in text for c in "\n\r\0") or text != text.strip():
        raise ConfigError(f"SLURM option {key}: {value!r} is not a valid value (empty, or contains a "
                          f"line break or surrounding spaces)")
    return f"#SBATCH --{key}={text}"


def check_extra_directives(values: Sequence[str], who: str) -> tuple[str, ...]:
    """Validate user-given extra directives like '--qos=long' or '--constraint=gpu'."""
    for value in values:
        if not isinstance(value, str) or not value.startswith("-") or any(c in value for c in "\n\r\0"):
            raise ConfigError(f"{who}: each extra directive must be one option such as '--qos=long', "
                              f"got {value!r}")
    return tuple(values)


def max_array_size(default: int = 1001) -> int:
    """The cluster's MaxArraySize (array indices go from 0 to MaxArraySize - 1)."""
    try:
        text = call(["scontrol", "show", "config"], timeout=30)
    except SlurmError:
        return default
    match = re.search(r"^MaxArraySize\s*=\s*(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else default


def parse_job_id(sbatch_output: str) -> str:
    """The job id from ``sbatch --parsable`` output ('123' or '123;cluster')."""
    job_id = sbatch_output.strip().split(";")[0]
    if not job_id.isdigit():
        raise L2LError(f"sbatch printed {sbatch_output.strip()!r}, expected a job id")
    return job_id

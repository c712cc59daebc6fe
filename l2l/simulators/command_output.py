"""What the command simulator reads of a finished program: the ends of its stdout and stderr, the last line it
printed, the result as JSON, and the name of a signal that killed it."""

from __future__ import annotations

import json
import os
import re
import signal

import numpy as np

from l2l.error_lines import informative_line
from l2l.errors import EvaluationError
from l2l.simulators.base import SimulationResult

TAIL = 2000


def final_line(text: bytes | None) -> str:
    """The line of a program's output that says what went wrong (a traceback's exception, ``error: ...``): its
    last line that is no blank, separator or URL (:func:`l2l.error_lines.informative_line`; it was its last line
    that was not blank: a program ending its message in 'For details, see https://...' or a row of dashes failed
    as 'command exited with status 1: https://...'), at most 200 characters, its end kept; '' if there is none."""
    line = informative_line((text or b"").decode("utf-8", errors="replace"))
    return line if len(line) <= 200 else "..." + line[-197:]


#: The bytes read from the end of a program's stdout and stderr for its failure's tails and last line on stderr.
OUTPUT_END = 1 << 16


def last_bytes(file, size: int = OUTPUT_END) -> bytes:
    """The last ``size`` bytes of the open binary ``file``."""
    end = file.seek(0, os.SEEK_END)
    file.seek(max(0, end - size))
    return file.read()


def final_line_of(file) -> str:
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


def tail(text: bytes | str | None) -> str:
    if not text:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return text[-TAIL:]


#: A last line of names and numbers, ``loss: 0.33`` or ``loss=0.33, acc=0.9`` (a training script's log format).
_NAMED_NUMBER = r"([A-Za-z_][\w.\-/]*)\s*[:=]\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|-inf)"
_NAMED_NUMBERS = re.compile(rf"\s*{_NAMED_NUMBER}(?:\s*[,;|]?\s*{_NAMED_NUMBER})*\s*", re.IGNORECASE)

#: The advice for a result printed as ``loss: 0.33``: its last line, not another one, was read.
NAMED_NUMBERS_HINT = "print it as JSON"


def parse_result(text: str) -> SimulationResult:
    """A :class:`SimulationResult` from the JSON a program printed or wrote."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        named = _NAMED_NUMBERS.fullmatch(text) if len(text) <= 2000 else None
        if named is not None:  # loss: 0.33 is a result in another format, not a progress line printed after it
            pairs = re.findall(_NAMED_NUMBER, text, re.IGNORECASE)
            as_json = json.dumps({name: _number(value) for name, value in pairs})
            raise EvaluationError(f"result is not JSON: {text[-200:]!r}; {NAMED_NUMBERS_HINT}: {as_json} "
                                  f"(print(json.dumps({{{', '.join(f'{n!r}: ...' for n, _ in pairs)}}})))") from exc
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


def _number(text: str) -> float | int:
    """A number of a ``loss: 0.33`` line as JSON shows it (an int stays an int)."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def signal_name(number: int) -> str:
    """The signal's name, for SIGKILL with its usual sender (the kernel's out-of-memory killer)."""
    try:
        name = signal.Signals(number).name
    except ValueError:
        return "unknown signal"
    if number == signal.SIGKILL:  # cannot be caught, so the program printed nothing about it
        return f"{name}: killed from outside, e.g. by the out-of-memory killer"
    return name

"""Exceptions raised by l2l.

Every error that comes from user input derives from :class:`ConfigError`, so
the command line can print one clear line and exit without a traceback.
"""


class L2LError(Exception):
    """Base class of every error l2l raises on purpose."""


class ConfigError(L2LError, ValueError):
    """A configuration, parameter space or option is invalid.

    The message names the key, the value and what is allowed.
    """


class ArgumentError(ConfigError, TypeError):
    """An argument of a Python call has the wrong type, or is none the function takes (``l2l.run(config,
    bogus=1)``): a :class:`ConfigError` (one line naming the argument) that ``except TypeError`` catches too."""


class TrajectoryError(L2LError):
    """A file is not a valid l2l trajectory, or cannot be used as asked."""


class EvaluationError(L2LError):
    """An evaluation returned something the run cannot use."""


class ContractError(L2LError):
    """A component (a plug-in's optimizer) gave the loop something its contract rules out, such as more
    candidates than asked or a NaN candidate: said in one line naming the component, not passed on to fail
    every evaluation as if the simulator were at fault."""


class ExecutorError(L2LError):
    """A backend could not start or reach its workers (a cluster that never came up, no SLURM)."""


def path_argument(value: object, name: str = "path") -> "Path":
    """The argument ``name`` of a Python call, a file's path, as a :class:`~pathlib.Path`: a text, bytes (a file
    name that is no UTF-8, as ``os.fsencode`` gives it) or any ``os.PathLike``. Anything else (an int, None, a list),
    and an empty text are refused in one :class:`ArgumentError` line naming the argument, before any file is opened
    or created (``Path(3)`` raised Python's own TypeError from inside the call, which named nothing). A NUL byte is
    left to the opening, which names the file."""
    import os
    from pathlib import Path

    try:
        text = os.fsdecode(value)  # type: ignore[arg-type]
    except TypeError:
        kind = type(value).__name__
        raise ArgumentError(f"{name} must be a file's path (a str or pathlib.Path), got {kind} {value!r:.60}") from None
    if not text:
        raise ArgumentError(f"{name} must name a file, got {value!r}")
    return Path(text)


#: Backslash escapes of the control characters that have one; the others are \xNN below 0x80, else \uNNNN.
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(character: str) -> str:
    code = ord(character)
    if character in _ESCAPES:
        return _ESCAPES[character]
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is no UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"  # as the shell's $'...' reads them


def _unprintable(character: str) -> bool:
    import unicodedata

    # Cc: newline, tab, ESC (terminal sequences that repaint the screen), DEL, C1; Cs: an undecodable byte (print
    # fails on it); Zl/Zp: line and paragraph separators (str.splitlines breaks there)
    return unicodedata.category(character) in ("Cc", "Cs", "Zl", "Zp")


def shown(text: object) -> str:
    """``text`` (a path, or a message that names one) for one line of a terminal: every control character (a
    newline, a tab, ESC), undecodable byte and line separator written as its backslash escape (``a\\nb.h5``), the
    rest unchanged. The one place messages make a path safe to print: a newline in a file name broke the one-line
    rule, and ESC sequences could repaint the user's terminal."""
    text = str(text)
    if text.isprintable():  # the usual case, quickly
        return text
    return "".join(_escaped(c) if _unprintable(c) else c for c in text)


def command(*words: object) -> str:
    """A command l2l suggests in a message, ready to paste into a shell: every word quoted where it needs to be
    (a file name with a space, a quote or a ``$``), the one place messages build such commands. A word with a
    control character (a newline in a file name) is written in the shell's ``$'...'`` form with the character
    escaped, so that the command stays one line and pastes as the same word (bash, zsh, ksh)."""
    import shlex

    return " ".join(_ansi_c(str(word)) if shown(word) != str(word) else shlex.quote(str(word)) for word in words)


def _ansi_c(word: str) -> str:
    escaped = "".join("\\\\" if c == "\\" else "\\'" if c == "'" else c for c in word)
    # bytes of a file name that is no UTF-8 are written as \\xNN too: the shell puts back the very bytes
    return "$'" + shown(escaped) + "'"

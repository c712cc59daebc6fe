"""Which line of an error text says what went wrong (the reason ``l2l show``, the progress lines, the failure
counts and the closing lines give; the whole text stays stored in the row).

The last line of a text said it for a plain traceback (``ValueError: x must be positive``), but for others it said
nothing: Dask's multi-line errors end in a URL ('https://docs.dask.org/en/stable/deployment-considerations.html'),
messages end in a blank line or a row of dashes, a chained exception may end in a bare ``RuntimeError``, and l2l's
own sentence before a traceback (``the simulator raised KeyboardInterrupt, ...``) lost to the traceback's
``KeyboardInterrupt``. :func:`informative_line` skips what says nothing (blanks, separators, URLs and their
"see" lead-ins, the lines Python puts between chained tracebacks) and, where the last exception has no message,
says it with the line that explains it. A leaf module: the simulators (a program's last word on stderr) and the
summaries both use it.
"""

from __future__ import annotations

import re

#: A URL, alone or with a few words around it ("For more information, see https://...", "<https://...>").
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+\.\S+")
#: What a line holding a URL may say besides it and still say nothing of the error.
_URL_WORDS = re.compile(r"^[\W_]*(?:(?:for )?(?:more )?(?:information|info|details|help)?,?\s*(?:please )?"
                        r"(?:see|visit|read|at|refer to|consult)?)?[\W_]*$", re.IGNORECASE)
#: A line that announces what follows it ("For more information, see", "Details at:").
_LEAD_IN = re.compile(r"^(?:for (?:more )?(?:information|info|details|help),?\s*)?(?:please )?"
                      r"(?:see|visit|read|refer to|consult|details at|more at)\s*:?$", re.IGNORECASE)
#: The border of an exception group's box in a traceback, numbered: ``+-+---------------- 1 ----------------``.
_BORDER = re.compile(r"^[+|\s-]*-{3,}\s*\d+\s*-{3,}[+|\s-]*$")
_WORD_CHARACTER = re.compile(r"[A-Za-z0-9]")
#: The lines Python writes between the tracebacks of chained exceptions, and a traceback's first line.
_CHAIN = ("during handling of the above exception, another exception occurred:",
          "the above exception was the direct cause of the following exception:",
          "traceback (most recent call last):")
#: The line that begins an exception's message in a traceback: ``ValueError: ...``, ``module.SomeError``,
#: ``NESTErrors.UnknownModelName: ...``, ``KeyboardInterrupt``.
_EXCEPTION = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::\s|:?$)")
_EXCEPTION_WORDS = ("Error", "Exception", "Exit", "Interrupt", "Warning", "Failure", "Timeout", "Killed")


def is_noise(line: str) -> bool:
    """Whether ``line`` (stripped) says nothing of an error: blank, a separator (no letter or digit: ``-----``,
    ``^^^^``) or an exception group's numbered border (``+---- 1 ----``), a URL with at most a "see" around it or
    the lead-in before one, or a line that joins chained tracebacks."""
    if not line:
        return True
    if not _WORD_CHARACTER.search(line) or _BORDER.match(line):  # '-----', '=====', '^^^^', '+-+---- 1 ----'
        return True  # (a number alone is no noise: a result printed to stderr, '0.25')
    if _URL.search(line) and _URL_WORDS.match(_URL.sub("", line)):
        return True
    return bool(_LEAD_IN.match(line)) or line.lower() in _CHAIN


def exception_name(line: str) -> str | None:
    """The exception's name if ``line`` begins an exception's message (``ValueError: x`` -> ``ValueError``), else
    None."""
    found = _EXCEPTION.match(line)
    if found is None or not any(word in found.group(1) for word in _EXCEPTION_WORDS):
        return None
    return found.group(1)


def _bare(line: str) -> bool:
    """``line`` names an exception and says no more (``RuntimeError``, ``KeyboardInterrupt``, ``SystemExit: 3``)."""
    name = exception_name(line)
    if name is None:
        return False
    rest = line[len(name):].lstrip(":").strip()
    return not rest or name.rpartition(".")[2] == "SystemExit"


def informative_line(text: str | list[str]) -> str:
    """The line of ``text`` (or its lines) that says what went wrong ("" for a blank text): the last one that is no noise
    (:func:`is_noise`); if that one names an exception without a message (a bare ``RuntimeError`` raised while
    handling another, l2l's ``KeyboardInterrupt`` or ``SystemExit`` after its sentence), the sentence before the
    text's traceback, else that line followed by the last earlier exception that had a message
    (``RuntimeError (after ZeroDivisionError: division by zero)``)."""
    raw = text.splitlines() if isinstance(text, str) else text
    # read from the end, each line stripped as it comes: all of them, each tested, took 10 times as long as the
    # usual traceback's last line alone
    last = next((line for line in map(str.strip, reversed(raw)) if not is_noise(line)), None)
    if last is None:  # nothing but noise: its last line that is not blank (a URL alone says more than nothing)
        return next((line for line in map(str.strip, reversed(raw)) if line), "")
    if not _bare(last):
        return last
    lines = [line.strip() for line in raw]
    kept = [line for line in lines if not is_noise(line)]
    first = kept[0]
    if lines and lines[0] == first and exception_name(first) is None and len(kept) > 1 and \
            any(line.lower() == _CHAIN[-1] for line in lines):
        return first  # l2l's sentence, then the traceback it explains
    earlier = next((line for line in reversed(kept[:-1]) if exception_name(line) and not _bare(line)), None)
    return f"{last} (after {earlier})" if earlier is not None else last

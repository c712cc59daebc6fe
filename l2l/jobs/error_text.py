"""The error text of a failed evaluation: its traceback, then the one line ``l2l show`` gives (a missing
parameter's hint, or a message of several lines in one)."""

from __future__ import annotations

import re
import traceback
from typing import Any

from l2l.error_lines import is_noise
from l2l.jobs.tasks import TRACEBACK_TAIL
from l2l.simulators.base import USER_MODULE_DIGEST, USER_MODULE_PREFIX
from l2l.simulators.missing_parameter import missing_parameter


#: The most lines of an exception's message joined into its one line (:func:`_in_one_line`).
MESSAGE_LINES = 4
#: The longest message given as it is in that line; a longer one is shortened in the middle (a message of 200,000
#: characters lost its type from the row's last TRACEBACK_TAIL characters: l2l show's reason read 'wwww...').
LONGEST_LINE = 1000


def _in_one_line(exc: BaseException) -> str:
    """An exception whose message spans several lines, in one more line after its traceback (the line ``l2l show``
    and the end of ``l2l run`` give): its type and first line, and its last (all of it up to :data:`MESSAGE_LINES`
    lines; a line of ``^`` markers left out). Brian2's parse error of an equation gave only its last line,
    ``Expected end of text, found '('  (at char 24), (line:1, col:25)``, without ``EquationError: Parsing failed:``
    and the equation. "" for a message of one line (the traceback's last line says it) and a ``SyntaxError``; a
    message over :data:`LONGEST_LINE` characters is shortened in the middle, and an exception group is given by its
    message and its first exceptions' lines (its traceback ends in the border of a box)."""
    if isinstance(exc, SyntaxError):
        return ""
    lines = "".join(traceback.format_exception_only(type(exc), exc)).splitlines()
    if isinstance(exc, BaseExceptionGroup):  # its traceback ends in a box's border, '+-----...', no message
        inner = "; ".join(_in_one_line(e).strip() or traceback.format_exception_only(type(e), e)[-1].strip()
                          for e in exc.exceptions[:MESSAGE_LINES])
        return f"{lines[0].strip()}: {inner}{' …' * (len(exc.exceptions) > MESSAGE_LINES)}\n"
    if any("Traceback (most recent call last)" in line for line in lines):
        return ""  # a traceback carried in the message (an evaluation process's, under run.timeout): its last line
        # names the exception as the model raised it, which l2l show's reasons count ('ValueError: x must be ...')
    # a line of '^' markers, a row of dashes, a URL alone or after its "see": left out (the traceback keeps them;
    # a message ending in '-----' read so in l2l show, Dask's in its URL)
    block = [line.strip() for line in lines if not is_noise(line.strip())]
    earlier = _explained_above(exc, block)
    if earlier:
        block.append(f"(from {earlier})")
    if len(block) < 2 and not (block and len(block[0]) > LONGEST_LINE):
        return ""
    line = " ".join(block) if len(block) <= MESSAGE_LINES else f"{block[0]} … {block[-1]}"
    if len(line) > LONGEST_LINE:  # kept in the row's last TRACEBACK_TAIL characters without its type otherwise
        line = f"{line[:LONGEST_LINE // 2]} … {line[-LONGEST_LINE // 4:]}"
    return line + "\n"


#: A message that sends the reader to the exception before it (Brian2's BrianObjectException: 'An error occurred
#: when preparing an object. (See above for original error message and traceback.)').
_SEE_ABOVE = re.compile(r"\bsee above\b", re.IGNORECASE)


def _explained_above(exc: BaseException, block: list[str]) -> str:
    """The exception ``exc`` was raised from (or while handling), in a line, where ``exc``'s message (``block``)
    sends the reader to it ("see above"): its line otherwise sat far above, and ``l2l show`` said only 'An error
    occurred when preparing an object. (See above ...)'. "" otherwise."""
    before = exc.__cause__ if exc.__cause__ is not None else \
        (None if exc.__suppress_context__ else exc.__context__)
    if before is None or not any(_SEE_ABOVE.search(line) for line in block):
        return ""
    said = _in_one_line(before).strip() or traceback.format_exception_only(type(before), before)[-1].strip()
    return said[:LONGEST_LINE // 2]


def _error_text(exc: BaseException, params: dict[str, Any]) -> str:
    """The failed row's error of the exception being handled: its traceback, then the line ``l2l show`` gives (a
    missing parameter's hint, or :func:`_in_one_line`); also in run.timeout's forked process, whose text said a
    multi-line message by its last line, an exception group by a box's border, and no missing parameter."""
    text, missing = traceback.format_exc(), missing_parameter(exc, params)
    text = text.rstrip("\n") + missing if missing else text + _in_one_line(exc)
    # an exception class of the model's module by that module's name: the python simulator loads it as
    # _l2l_user_<digest>_<name> (l2l show said '_l2l_user_22f8037ff1e2_model.ConvergenceError: ...')
    return _USER_MODULE.sub("", text)[-TRACEBACK_TAIL:]


#: The prefix of the name a model's module is loaded under (l2l.simulators.python_import._import).
_USER_MODULE = re.compile(rf"\b{USER_MODULE_PREFIX}[0-9a-f]{{{USER_MODULE_DIGEST}}}_(?=\w)")


def lost_text(error: BaseException) -> str:
    """The failed row's error of an evaluation whose future ended in ``error`` (a Dask backend, after the
    evaluation was run alone: its worker died, or Dask could not run it). A message of one line is that line
    (``the worker running this evaluation died: KilledWorker: ...``); one of several lines (Dask's 'Error during
    deserialization of the task graph. This frequently\\noccurs if ...\\nFor more information, see\\nhttps://...')
    is stored whole, then said in one more line without its URL and with the exception it was raised from, which
    says why ('... (from ModuleNotFoundError: No module named 'model')'): the row's reason read as the URL."""
    name = type(error).__name__
    message = str(error)
    cause = error.__cause__ if error.__cause__ is not None else \
        (None if error.__suppress_context__ else error.__context__)
    lines = [line.strip() for line in message.splitlines() if not is_noise(line.strip())]
    if len(message.strip().splitlines()) <= 1 and cause is None:
        return f"the worker running this evaluation died: {name}: {message}"[-TRACEBACK_TAIL:]
    said = " ".join(lines)
    if len(said) > LONGEST_LINE:
        said = f"{said[:LONGEST_LINE // 2]} … {said[-LONGEST_LINE // 4:]}"
    # the exception it came from first: the failure line of l2l show cuts a reason at its width, and the
    # deserialization's message took it all ('... This frequently occurs if the...')
    came = f" (from {type(cause).__name__}: {' '.join(str(cause).split())[:LONGEST_LINE // 2]})" if cause else ""
    line = f"the worker running this evaluation died: {name}{came}: {said}\n"
    return (f"{name}: {message.rstrip()}\n" + line)[-TRACEBACK_TAIL:]

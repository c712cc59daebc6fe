"""The error text of a failed evaluation: its traceback, then the one line ``l2l show`` gives (a missing
parameter's hint, or a message of several lines in one)."""

from __future__ import annotations

import re
import traceback
from typing import Any

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
    block = [line.strip() for line in lines if line.strip() and line.strip().strip("^~ ")]
    if len(block) < 2 and not (block and len(block[0]) > LONGEST_LINE):
        return ""
    line = " ".join(block) if len(block) <= MESSAGE_LINES else f"{block[0]} … {block[-1]}"
    if len(line) > LONGEST_LINE:  # kept in the row's last TRACEBACK_TAIL characters without its type otherwise
        line = f"{line[:LONGEST_LINE // 2]} … {line[-LONGEST_LINE // 4:]}"
    return line + "\n"


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

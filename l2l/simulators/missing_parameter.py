"""What a ``KeyError`` of a parameter name the run's space lacks adds to a failed evaluation's last line
(:func:`missing_parameter`): the error text of every failed row (:mod:`l2l.jobs.error_text`) and the ``brian2``
simulator's note on its own exception ask it."""

from __future__ import annotations

from typing import Any


def missing_parameter(exc: BaseException, params: dict[str, Any]) -> str:
    """What a ``KeyError`` of a parameter name the run's space lacks adds to its error's last line (the line
    ``l2l show`` and the end of ``l2l run`` give): a model reading ``params["delay"]`` from a space that names it
    ``dleay`` failed every evaluation with a bare ``KeyError: 'delay'``. "" for any other exception."""
    if type(exc) is not KeyError or len(exc.args) != 1 or not isinstance(exc.args[0], str) or exc.args[0] in params:
        return ""
    if not _looked_up_in(exc, params):  # a KeyError of a dict of its own (a checkpoint's, os.environ): no hint
        return ""
    import difflib

    name, names = exc.args[0], sorted(params)
    close = difflib.get_close_matches(name, names, n=1)
    listed = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    return (f" (the run's space has no parameter {name!r}; " + (f"did you mean {close[0]!r}? " if close else "")
            + f"it has {listed})")


def _looked_up_in(exc: BaseException, params: dict[str, Any]) -> bool:
    """Whether the line that raised ``exc`` (the innermost frame's) looks its key up in a name bound there to ``params``
    (or an equal mapping): ``checkpoint["state_dict"] + params["lr"]`` was told 'the run's space has no parameter
    'state_dict''."""
    import linecache
    import re

    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    if trace is None:
        return False
    names = []
    for name, value in trace.tb_frame.f_locals.items():
        try:
            if value is params or (isinstance(value, dict) and value == params):
                names.append(re.escape(name))
        except Exception:  # noqa: BLE001 - a comparison that fails (arrays) is no match
            continue
    line = linecache.getline(trace.tb_frame.f_code.co_filename, trace.tb_lineno)
    key = re.escape(str(exc.args[0]))  # params["delay"], or params[name]; not params["lr"] beside it
    return bool(names) and re.search(rf"\b(?:{'|'.join(names)})\s*(?:\[|\.pop\()\s*(?:(['\"]){key}\1|[^'\"\s])",
                                     line) is not None

"""Refuse, before anything starts, a script that calls ``l2l.run`` outside ``if __name__ == "__main__":``.

The ``local`` backend's worker processes import the script that started them
(as ``__mp_main__``: Python's ``spawn`` and ``forkserver`` methods do so to
find the functions they run). A script whose top level calls ``l2l.run``
without the guard would start the run again in every worker: the workers
fail, and the user used to see a screen of tracebacks from them, a failed
cluster start and a file left behind. The caller's stack says where the call
is; the script's syntax tree says whether that line is under the guard.
"""

from __future__ import annotations

import ast
import os
import sys
from multiprocessing import process
from pathlib import Path
from typing import Callable

from l2l.errors import ConfigError


def _guard_test(node: ast.AST) -> bool:
    """True for ``__name__ == "__main__"`` (either order)."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)):
        return False
    sides = [node.left, node.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    texts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(texts) == 1


def unguarded_line(source: str, line: int) -> bool:
    """True if ``line`` of the module ``source`` runs at import time, outside an ``if __name__ == "__main__":``
    block (a call inside a function or class body runs only when called, so it counts as guarded)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for statement in tree.body:
        end = getattr(statement, "end_lineno", statement.lineno)
        if not statement.lineno <= line <= end:
            continue
        if isinstance(statement, ast.If) and _guard_test(statement.test):
            return not any(s.lineno <= line <= getattr(s, "end_lineno", s.lineno) for s in statement.body)
        return not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    return False


def check_main_guard(backend: str) -> None:
    """ConfigError if the running script's top level calls into l2l outside the ``__main__`` guard."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path or getattr(main, "__spec__", None) is not None:
        return  # an interactive session, a notebook, python -c, or python -m (workers do not re-run those)
    frame = sys._getframe(1)  # noqa: SLF001 - the caller's stack is what says where l2l.run was called
    while frame is not None and not (frame.f_globals is main.__dict__ and frame.f_code.co_name == "<module>"):
        frame = frame.f_back
    if frame is None:
        return
    try:
        source = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    if unguarded_line(source, frame.f_lineno):
        raise ConfigError(f"backend {backend!r}: {path} calls l2l at line {frame.f_lineno} outside "
                          f"'if __name__ == \"__main__\":'; the backend's worker processes import the script, "
                          f"so each would start the run again: put the call under that guard (or use backend "
                          f"'serial')")


def check_main_file(backend: str, skipped: Callable[[], bool]) -> None:
    """ConfigError if the running script is no file (read from standard input: ``python - < script.py`` names it
    ``<stdin>``) and the backend's worker processes would run it again by that path as they start, unless
    ``skipped()`` (asked only then: they start from l2l's fork server, which skips such a path, see
    :mod:`l2l.jobs.worker_main`). Before, each worker failed ('FileNotFoundError: .../<stdin>', three tracebacks)
    and the cluster did not start, after the run's file was created."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not isinstance(path, str) or not path or getattr(main, "__spec__", None) is not None:
        return
    if os.path.isfile(os.path.join(process.ORIGINAL_DIR or "", path)) or skipped():  # (where multiprocessing looks)
        return
    raise ConfigError(f"backend {backend!r}: this script is no file ({path}: read from standard input), and the "
                      f"backend's worker processes would start by running its file again (their fork server here is "
                      f"not l2l's); save it to a file and run that (python script.py), or use backend 'serial'")


__all__ = ["check_main_file", "check_main_guard", "unguarded_line"]

"""``l2l ARGS`` run in the test's own process, answering like ``conftest.l2l_cli`` (a subprocess).

For tests about what a command prints and its exit status, not about the process: a subprocess costs a Python
start and an import of l2l (1.5 to 3 s of CPU under load) per command (5 s with Dask and Nevergrad). Keep
``l2l_cli`` where the test is about signals, kill -9, the environment or the real command line.

The one in-process way to call ``l2l`` in the tests: conftest's ``l2l_here`` fixture is this function.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from pathlib import Path


def l2l_main(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``l2l.cli.main(ARGS)`` in ``cwd`` (None: where the test is): its exit status (SystemExit's too: argparse's
    refusals) and what it wrote to stdout and stderr (``returncode``, ``stdout``, ``stderr``)."""
    from l2l.cli import main

    argv = [str(arg) for arg in args]
    out, err = io.StringIO(), io.StringIO()
    before = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(["l2l", *argv], 0 if code is None else code, out.getvalue(), err.getvalue())

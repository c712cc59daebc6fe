"""Ctrl-C within the first moments of ``l2l``, while ``l2l.cli`` and the modules of its commands are imported (about
0.2 s, before the command's own handling of Ctrl-C), ended in Python's KeyboardInterrupt traceback. Now it is one
line, ``l2l: interrupted``, exit status 130, as later; through ``python -m l2l`` and through ``l2l.__main__:main``,
the function to point the console script at.

The interrupt comes deterministically: a ``sitecustomize`` module on the child's path sends the process SIGINT as
the named module is about to be imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SHIM = """\
import os, signal, sys


class _InterruptAt:
    def find_spec(self, name, path=None, target=None):
        if name == os.environ.get("L2L_TEST_SIGINT_AT"):
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None


sys.meta_path.insert(0, _InterruptAt())
"""


@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sigint-shim")
    (folder / "sitecustomize.py").write_text(SHIM)
    return folder


def _interrupted(shim: Path, at: str, *command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "L2L_TEST_SIGINT_AT": at,
           "PYTHONPATH": os.pathsep.join([str(shim), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True, timeout=120,
                          check=False, cwd=shim)


# l2l.cli itself, a module it imports, and one that parsing the command line imports (the commands' modules)
@pytest.mark.parametrize("at", ["l2l.cli", "l2l.errors", "l2l.commands.analysis"])
def test_ctrl_c_while_l2l_starts_is_one_line_and_status_130(shim, at):
    done = _interrupted(shim, at, "-m", "l2l", "list")
    # before: 'Traceback (most recent call last): ... KeyboardInterrupt'
    assert (done.returncode, done.stderr) == (130, "\nl2l: interrupted\n"), done.stderr


def test_the_console_scripts_function_says_it_too(shim):
    # what a console script pointed at l2l.__main__:main runs
    done = _interrupted(shim, "l2l.cli", "-c", "import sys; from l2l.__main__ import main; sys.exit(main())")
    assert (done.returncode, done.stderr) == (130, "\nl2l: interrupted\n"), done.stderr

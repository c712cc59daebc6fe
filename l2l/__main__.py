"""``python -m l2l``: the ``l2l`` command, for environments where its script is not on PATH.

:func:`main` is also the one to point the console script at: this module imports nothing of l2l until it runs.
"""

import sys


def main(argv=None) -> int:
    """The ``l2l`` command (:func:`l2l.cli.main`), with a Ctrl-C during its start said in one line, exit status
    130, as ``l2l.cli`` says one later: before, Ctrl-C within the first 0.2 s or so, while ``l2l.cli`` and the
    modules of its commands were imported (before the command's own handling), ended in Python's
    KeyboardInterrupt traceback."""
    try:
        from l2l.cli import main as command

        return command(argv)
    except KeyboardInterrupt:
        print("\nl2l: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

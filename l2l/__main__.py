"""``python -m l2l``: the ``l2l`` command, for environments where its script is not on PATH."""

import sys

from l2l.cli import main

if __name__ == "__main__":
    sys.exit(main())

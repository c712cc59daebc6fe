"""Imported by the fork server of the ``local`` backend's workers (:data:`l2l.jobs.warm.PRELOAD`) alone.

Python's ``forkserver`` and ``spawn`` methods run the caller's main script again in every new process (as
``__mp_main__``), by the path in its ``__file__``. A script read from standard input (``python - < script.py``,
``ssh host python - < script.py``) has the path ``<stdin>``, which is no file: every worker failed to start
(``FileNotFoundError: .../<stdin>``, three times), and the run ended in 'the Dask cluster did not start'. Such a
script has nothing for the workers to import: the functions it passes to ``l2l.run`` travel to them by value
(cloudpickle pickles what ``__main__`` defines so). The fork server therefore skips a main path that is no file;
a script file is run again as before.
"""

from __future__ import annotations

import os
from multiprocessing import spawn

_run_main_again = spawn._fixup_main_from_path  # noqa: SLF001 - what every process of the server calls first


def _fixup_main_from_path(main_path: str) -> None:
    if not os.path.isfile(main_path):  # '<stdin>': no file to run again, and nothing in it the workers need
        return
    _run_main_again(main_path)


if getattr(_run_main_again, "__module__", "") == spawn.__name__:  # (imported once per process anyway)
    spawn._fixup_main_from_path = _fixup_main_from_path  # noqa: SLF001

"""Dask worker preload for tests: the first worker to start dies while the cluster starts.

The marker file named by L2L_TEST_DIE_MARK says that one worker has died already.
"""

import os


def dask_setup(worker):  # noqa: ARG001 - the preload hook's signature
    mark = os.environ["L2L_TEST_DIE_MARK"]
    try:
        fd = os.open(mark, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    os._exit(1)

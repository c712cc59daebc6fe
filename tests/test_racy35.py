"""HDF5's lock of a file, held a moment by a child another thread forks (helper-290, session 35).

HDF5 locks the file it opens (``flock``); a child forked while the file is open (a subprocess another thread
starts) holds a copy of the descriptor, and the lock with it, until it closes what it does not keep. The writer's
open just after the file was created was refused then: ``l2l.run`` failed with ``BlockingIOError: Unable to
synchronously open file (unable to lock file ...)`` (seen in tests/test_slurm.py, its SLURM run beside a serial
run of a ``command`` simulator in a thread; 155 of 2,000 creations with a thread running ``true`` in a loop).
"""

from __future__ import annotations

import subprocess
import threading

import h5py

from l2l.results_schema.writer import _open_swmr_writer


def test_a_file_opens_for_writing_while_another_thread_starts_programs(tmp_path):
    stop = threading.Event()

    def start_programs():
        while not stop.is_set():
            subprocess.run(["true"], check=False)

    thread = threading.Thread(target=start_programs, daemon=True)
    thread.start()
    try:
        for index in range(200):  # before: about 8 % refused, about 15 of these
            path = tmp_path / f"{index % 4}.h5"
            with h5py.File(path, "w", libver="latest") as file:
                file.create_dataset("x", data=[1.0, 2.0])
            _open_swmr_writer(path).close()
    finally:
        stop.set()
        thread.join(timeout=30)

"""A terminal that hangs up while the ``serial`` backend evaluates (session 44).

During a serial evaluation descriptor 1 is a copy of stderr, and the terminal it was is kept aside, to be put back
when the evaluation ends (:func:`l2l.jobs.serial.descriptor_1_to_stderr`). A hang-up in between must point that kept
copy at /dev/null too (:func:`l2l.hung_up.leave_hung_up_terminal`, which finds it by the serial module's name):
else the terminal comes back as standard output after the evaluation, dead, and l2l's next line on stdout ends the
command in ``OSError: [Errno 5] Input/output error``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Standard output is a terminal of its own (a pty); its other end closes while an evaluation runs (the kernel hangs
# it up); SIGHUP's handler in l2l's cli calls leave_hung_up_terminal there; then the evaluation ends, and l2l prints
SCRIPT = """
import os, pty, sys
master, slave = pty.openpty()
os.dup2(slave, 1)
os.close(slave)
sys.stdout = open(1, "w", closefd=False)
from l2l.hung_up import leave_hung_up_terminal
from l2l.jobs.serial import descriptor_1_to_stderr
with descriptor_1_to_stderr():
    os.close(master)
    leave_hung_up_terminal()
print("a line of l2l's after the evaluation")
sys.stdout.flush()
print("ended", file=sys.stderr)
"""


@pytest.mark.skipif(not hasattr(os, "openpty") or sys.platform == "win32", reason="POSIX terminals")
def test_a_hang_up_during_a_serial_evaluation_leaves_no_dead_terminal_behind_it(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert done.returncode == 0 and done.stderr.endswith("ended\n") and "Errno" not in done.stderr, done.stderr

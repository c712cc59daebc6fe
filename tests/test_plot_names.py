"""Every figure function of l2l.plot stays callable after any figure was drawn: the module l2l.plot.curves,
imported lazily by the figures that draw learning curves, rebound ``l2l.plot.curves`` (the function) to
itself, so ``l2l.plot.curves(path)`` failed with "'module' object is not callable" once a curves figure had
been drawn in the process (the order of a test session decided whether it did)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_plot_curves_is_the_function_after_the_curves_module_was_imported():
    code = ("import l2l.plot as plot; from l2l.plot.curves import draw_curves; "
            "import l2l.plot.curves; "
            "assert callable(plot.curves) and plot.curves.__module__ == 'l2l.plot.figures', plot.curves; "
            "assert all(callable(getattr(plot, name)) for name in plot.__all__ if name != 'KINDS'); print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr

"""A warning said while the progress bar is drawn starts a line of its own, above the bar.

The idle-workers warning of an asynchronous Nevergrad run (``auto`` with a ``population_size`` below the local
backend's workers) is said once the workers connect, after the bar is drawn. Printed plainly, it joined the bar's
line (``  0%|          | 0/8 [00:00<?, ?eval/s]l2l: warning: the cluster has 3 workers, ...``), and at a terminal
that piece of the bar stayed on the screen in front of the warning. The tests elsewhere run with
``--no-progress``, where nothing is drawn to join.
"""

from __future__ import annotations

import re

import pytest
from conftest import l2l_cli
from test_local_async_idle_workers import _config

pytest.importorskip("nevergrad")


def test_the_idle_workers_warning_is_a_line_of_its_own_beside_the_progress_bar(tmp_path):
    config = _config(tmp_path, workers=3, generations=4, name="auto", population_size=2)
    done = l2l_cli("run", config, "--out", tmp_path / "auto.h5", cwd=tmp_path, timeout=300)  # the bar drawn
    assert done.returncode == 0, done.stderr
    assert "eval/s" in done.stderr, done.stderr  # the bar was drawn to stderr (not a terminal: one frame a line)
    pieces = [piece for piece in re.split(r"[\r\n]", done.stderr) if "l2l: warning" in piece]
    assert pieces == [
        "l2l: warning: the cluster has 3 workers, and optimizer 'auto' chose 'nevergrad' as the run started, "
        "with num_workers = 4: the most candidates it keeps asked and not told; run.mode = 'async' keeps 2 per "
        "worker out at once; the run goes on with 2 of them busy"], done.stderr

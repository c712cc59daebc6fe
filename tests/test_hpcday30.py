"""A day on the cluster with session 30's features (helper-228): what a user met, kept fixed.

* The progress bar of a run whose fidelity is not whole (seconds of biological time, 0.1 s a segment) moves
  with its compute: before, each segment moved it by its cost rounded to a whole number, so a NEST run with
  ``compute = 1.2`` sat at ``0/1`` to its end, and ``examples/nest_asha.toml`` (compute 18, segments of 0.1,
  0.2 and 0.6 s) ended far below its total.
* ``l2l submit``'s loop killed by a signal (kill -9 on the driver, the out-of-memory killer) left the job's log
  with bash's ``Killed`` line alone: it says now that nothing was requeued, and the command to go on.
* A ``cmaes`` run without ``population_size`` had a bar without a total (no percentage, no time left).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

import l2l

TESTS = Path(__file__).resolve().parent


def _bar_ends(err: str) -> tuple[str, str]:
    """The last percentage and the last 'n/total' the bar drew (('', '') for a bar without a total)."""
    frames = [f for f in re.split(r"[\r\n]", err) if "%|" in f]
    if not frames:
        return "", ""
    last = frames[-1]
    return re.search(r"(\d+)%\|", last).group(1), re.search(r"\| ([\d.e+]+/[\d.e+]+) \[", last).group(1)


@pytest.mark.parametrize("fidelity, compute, count", [
    ({"name": "seconds", "unit": "biological seconds", "minimum": 0.1, "maximum": 0.9, "integer": False}, 3.0,
     "3/3"),
    ({"name": "steps", "minimum": 1, "maximum": 9}, 27, "27/27"),  # a whole fidelity: whole numbers as before
])
def test_a_fractional_fidelitys_bar_moves_with_its_compute(tmp_path, capsys, fidelity, compute, count):
    config = l2l.from_mapping({
        "run": {"seed": 1, "compute": compute}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "objectives": [{"name": "distance", "direction": "minimize"}],
        "simulator": {"name": "python", "function": "models_hpcday30:seconds", "multi_fidelity": fidelity},
        "backend": {"name": "serial"}}, base_dir=TESTS)
    capsys.readouterr()
    l2l.run(config, tmp_path / "run.h5", progress=True)
    err = capsys.readouterr().err
    assert _bar_ends(err) == ("100", count), err  # before: ('0', '0/3') for biological seconds


def test_a_submitted_loop_killed_by_a_signal_says_how_to_go_on(tmp_path, capsys):
    """A loop killed with SIGKILL (the out-of-memory killer, kill -9) ended the job with bash's 'Killed' alone."""
    from slurm_helpers import OUTER_RUN, executable, write_toml

    from l2l.cli import main

    loop = executable(tmp_path / "loop.sh", '#!/bin/bash\necho "loop: started"\nkill -KILL $$\n')
    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    assert main(["submit", str(config), "--dry-run", "--python", str(loop), "--time", "10"]) == 0
    script = tmp_path / "job.sh"
    script.write_text(capsys.readouterr().out)
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "SLURM_JOB_ID": "4242"})
    assert done.returncode == 137, done
    lines = [line for line in done.stdout.splitlines() if line.startswith("l2l submit: the loop was killed")]
    assert lines == [f"l2l submit: the loop was killed by signal 9 (exit status 137; 9 is SIGKILL, e.g. out of "
                     f"memory); not requeued; every committed evaluation is in {tmp_path / 'outer.h5'}; go on with: "
                     f"sbatch --chdir={tmp_path} {tmp_path / 'outer.h5.submit.sh'}"], done.stdout


def test_a_cmaes_runs_bar_has_its_total_without_a_population_size(tmp_path, capsys):
    """cmaes's generation is 4 + 3 ln d when ``population_size`` is not given: the bar had no total (no % or ETA),
    '14eval [00:01, ...]' alone."""
    config = l2l.from_mapping({
        "run": {"seed": 1, "generations": 2}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [3]}},
        "optimizer": {"name": "cmaes"}, "simulator": {"name": "python", "function": "models_for_tests:quadratic"},
        "backend": {"name": "serial"}}, base_dir=TESTS)
    capsys.readouterr()
    l2l.run(config, tmp_path / "run.h5", progress=True)
    err = capsys.readouterr().err
    assert _bar_ends(err) == ("100", "14/14"), err  # 2 generations of 4 + int(3 ln 3) = 7


def test_a_fractional_fidelitys_slow_rate_is_given_per_second(capsys):
    """Under one biological second a second tqdm turned the rate round: '6.25s/ biological seconds'."""
    from l2l.progress import Progress

    bar = Progress(True, 3.0, 0.3, unit=" biological seconds", fractional=True)
    try:
        shown = bar.bar.format_meter(**{**bar.bar.format_dict, "rate": 0.16, "elapsed": 10.0})
    finally:
        bar.close()
    assert "0.16 biological seconds/s" in shown and "s/ biological" not in shown, shown
    assert "| 0.3/3 [" in shown, shown

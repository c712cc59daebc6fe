"""``l2l submit``'s job shows the run's progress in its log (session 45).

The job ran ``l2l run ... --no-progress`` (so its resumes), written when the bar redrew itself ten times a second;
since the bar writes a line of its own every 60 s and one at the end into a file (README, docs/slurm.md: "a batch
job's log"), the job's log, the one ``tail -f NAME.h5.slurm-JOBID.log`` follows, had no progress line at all: hours
of a sweep said nothing between its first line and its summary. Against the real single-node SLURM."""

from __future__ import annotations

import re
import subprocess
import time

import pytest


@pytest.mark.slurm
def test_the_loop_jobs_log_has_the_progress_lines(tmp_path, capsys):
    from slurm_helpers import OUTER_RUN, require_slurm, write_toml

    from l2l.cli import main

    require_slurm()
    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    out = tmp_path / "run.h5"
    assert main(["submit", str(config), "--out", str(out), "--time", "00:05:00", "--signal-seconds", "60"]) == 0
    (job_id,) = re.findall(r"submitted job (\d+)", capsys.readouterr().out)
    log = tmp_path / f"run.h5.slurm-{job_id}.log"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "results: " not in (log.read_text() if log.exists() else ""):
            time.sleep(0.5)
        text = log.read_text()
        assert "results: " in text, text
        # before: no progress line; now the bar's last state, a line of its own (no carriage return)
        assert re.search(r"^ *100%\|.*\| 6/6 \[", text, re.MULTILINE), text
        assert "\r" not in text, text
    finally:
        subprocess.run(["scancel", job_id], capture_output=True)


@pytest.mark.slurm
def test_submit_says_when_the_file_to_follow_appears(tmp_path, capsys):
    """'follow: ...; l2l show OUT' after the submission of a new run: l2l show said 'no such file' while the job
    pended; the line says the job creates the file as it starts."""
    from slurm_helpers import OUTER_RUN, require_slurm, write_toml

    from l2l.cli import main

    require_slurm()
    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    out = tmp_path / "run.h5"
    code = main(["submit", str(config), "--out", str(out), "--time", "00:05:00", "--signal-seconds", "60",
                 "--prologue", "exit 0"])
    printed = capsys.readouterr().out
    ids = re.findall(r"submitted job (\d+)", printed)
    try:
        assert code == 0 and ids, printed
        assert f"  follow: squeue -j {ids[0]}; l2l show {out} (once the job has started: it creates the file)\n" \
               in printed, printed
    finally:
        for job_id in ids:
            subprocess.run(["scancel", job_id], capture_output=True)

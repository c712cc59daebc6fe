"""Ctrl-C in a policy run: what finished is committed, and the file says which candidates may go on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import l2l
from file_watch import committed_evaluations

CONFIG = """
[run]
name = "halving"
seed = 5
compute = 6000

[space]
x = { low = -2.0, high = 2.0 }

[optimizer]
name = "random"

[policy]
name = "hyperband"

[simulator]
name = "sleep"
median = 0.0
seconds_per_unit = 0.0004
min_budget = 1
max_budget = 27

[backend]
name = "serial"
"""




def test_ctrl_c_commits_names_the_paused_candidates_and_resume_ends_as_an_uninterrupted_run(tmp_path):
    config = tmp_path / "halving.toml"
    config.write_text(CONFIG)
    path = tmp_path / "halving.h5"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen([sys.executable, "-m", "l2l", "run", str(config), "--out", str(path), "--no-progress"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env=env)
    try:
        # the run sleeps 2.4 s in all (0.4 ms a unit; 1.2 s at 0.2 ms left 0.96-1.06 s between the 40th committed
        # segment and the run's end on an Intel core, about 0.4 s on a CPU three times faster: session 43)
        deadline = time.monotonic() + 120
        while committed_evaluations(path) < 40 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, process.communicate()
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130 and "Traceback" not in err, err
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
        detail = json.loads(events["detail"].iloc[-1])
        segments = trajectory.evaluations(errors=False, segments=True)
    assert events["kind"].iloc[-1] == "stopped" and detail["reason"] == "interrupted"
    assert "continuable" in detail  # before: the reader guessed which candidates were paused
    # the candidates l2l.load calls paused are those the policy may continue; the others below the top stopped
    named = set()
    for part in filter(None, detail["continuable"].split(",")):
        low, _, high = part.partition("-")
        named.update(range(int(low), int(high or low) + 1))
    frame = l2l.load(path)
    # (a candidate started but not yet through a segment has no row)
    assert set(frame.loc[frame["state"] == "paused", "trial"]) == (named & set(frame["trial"])) - set(
        frame.loc[frame["state"].isin(["completed", "interrupted"]), "trial"])  # interrupted: resume reruns them
    assert (frame["state"] == "stopped").sum() > 0 and len(segments) >= 40
    resumed = subprocess.run([sys.executable, "-m", "l2l", "resume", str(path), "--no-progress"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    reference = l2l.run(l2l.load_config(config), tmp_path / "reference.h5", progress=False)
    columns = ["trial", "budget", "from_budget", "seed", "status", "value"]
    assert l2l.load(path, segments=True)[columns].reset_index(drop=True).equals(
        l2l.load(reference, segments=True)[columns].reset_index(drop=True))


def test_a_resumed_runs_bar_counts_a_candidate_failed_at_the_top_budget_as_stopped(tmp_path, bar_texts):
    from conftest import TESTS

    config = {"run": {"seed": 2, "compute": 27 * 30}, "space": {"x": {"low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random"}, "policy": {"name": "asha"},
              "simulator": {"name": "python", "function": "models_agreement:fails_at_top",
                            "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 27}},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    path = l2l.run(l2l.from_mapping(config, base_dir=TESTS), tmp_path / "run.h5", progress=False)
    frame = l2l.load(path)
    failed_at_top = int(((frame["budget"] == 27) & (frame["status"] != "ok")).sum())
    completed = int((frame["state"] == "completed").sum())
    assert failed_at_top > 0 and completed > 0
    texts = bar_texts
    del texts[:]  # the first run's
    l2l.resume(path, compute=2000, simulator=None, progress=True)
    # the first figure the resumed bar shows is the file's: failed ones are not completed (as l2l show counts)
    assert texts and texts[0].startswith(f"{completed} of ") and " candidates completed" in texts[0], texts[:1]

"""The ``command`` simulator with a fidelity, as a new user runs it: a training script behind a shell wrapper,
a timeout, ``kill -9`` of ``l2l`` and ``l2l resume``, and the config's mistakes.

Found by trying it: a program killed at its timeout left the training process a shell script had started
running on (orphaned, for as long as it trains); ``kill -9`` of ``l2l`` on the ``local`` backend left every
running program alive, and ``l2l resume`` ran the same segments again beside them, both writing into the
same checkpoint folder; a ``multi_fidelity`` table with a mistake was answered with an example of an option
``fidelity`` that the simulator refuses as unknown; a misspelt ``{chekpoint_dir}`` was said to name no
parameter, listing only the parameters.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import l2l_cli, write_toml
from inprocess_cli import l2l_main  # l2l in this process, where the test is not about l2l's own process

import l2l

TRAIN = r'''
import argparse, json, os, sys, time
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float); p.add_argument("--epochs", type=int); p.add_argument("--state")
p.add_argument("--pids")
a = p.parse_args()
open(os.path.join(a.pids, str(os.getpid())), "w").close()       # who runs, for the test
if os.path.exists(os.path.join(a.pids, "..", "slow")):
    time.sleep(300)                                                # a long training
state = os.path.join(a.state, "state.json")
epoch, w = 0, 5.0
if os.path.exists(state):
    with open(state) as f:
        saved = json.load(f)
    epoch, w = saved["epoch"], saved["w"]
curve = []
for epoch in range(epoch + 1, a.epochs + 1):
    w = w * (1 - a.lr)
    curve.append([epoch, w * w])
with open(state, "w") as f:
    json.dump({"epoch": a.epochs, "w": w}, f)
print(json.dumps({"objectives": {"loss": curve[-1][1]}, "curve": {"loss": curve}}))
'''


def _folder(tmp_path: Path) -> Path:
    """A user's folder (a space and a quote in its name) with the training script and a folder for pids."""
    folder = tmp_path / "my runs' dir"
    (folder / "pids").mkdir(parents=True)
    (folder / "train.py").write_text(TRAIN)
    return folder


def _config(folder: Path, backend: dict, run: dict, population: int) -> Path:
    # a shell wrapper as users write them: it runs python as its child (no exec)
    argv = ["sh", "-c", '"$0" "$@"; exit $?', sys.executable, "{config_dir}/train.py", "--lr", "{lr}",
            "--epochs", "{budget}", "--state", "{checkpoint_dir}", "--pids", "{config_dir}/pids"]
    return write_toml(folder / "train.toml", {
        "run": {"name": "train", "seed": 3, "generations": 1, **run},
        "space": {"lr": {"type": "float", "low": 0.05, "high": 0.3}},
        "optimizer": {"name": "random", "population_size": population},
        "simulator": {"name": "command", "argv": argv,
                      "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": backend})


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, killed and not yet reaped, is not running)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in handle)
    except OSError:
        return False


def _started(folder: Path) -> list[int]:
    return [int(p.name) for p in (folder / "pids").iterdir()]


def _still_alive(pids: list[int], seconds: float = 30.0) -> list[int]:
    """Those of ``pids`` still running after up to ``seconds`` ([] as soon as none is): a program sent SIGKILL
    ends once a loaded machine gets round to it (a fixed 0.5 s was waited before); one left running trains for its
    300 s."""
    deadline = time.monotonic() + seconds
    while [pid for pid in pids if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def _two_training(folder: Path, log: Path) -> subprocess.Popen:
    """``l2l run`` of successive halving on the local backend (2 workers) in a child, its stderr in ``log``, once
    both workers' programs train (the caller ends it)."""
    config = _config(folder, {"name": "local", "workers": 2}, {"policy": "successive-halving"}, population=3)
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    with open(log, "w") as stderr:
        run = subprocess.Popen([sys.executable, "-m", "l2l", "run", str(config), "--no-progress"], cwd=folder,
                               env=env, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
    deadline = time.monotonic() + 120
    while len(_started(folder)) < 2 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    if len(_started(folder)) != 2:
        ended = run.poll()
        run.kill()
        _end(_started(folder))
        # (the run ended before, unexplained, once in four runs of this file at load 15: what it said is shown)
        raise AssertionError(f"the two workers' programs did not start ({len(_started(folder))} started; l2l "
                             f"{'still running after 120 s' if ended is None else f'exited with status {ended}'}): "
                             f"{log.read_text()[-2000:]}")
    return run


def _end(pids: list[int]) -> None:
    """Kill what the test started and is still running, whatever the outcome."""
    for pid in pids:
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def test_a_program_killed_at_its_timeout_takes_the_training_its_shell_script_started_with_it(tmp_path):
    folder = _folder(tmp_path)
    (folder / "slow").touch()
    config = _config(folder, {"name": "serial"}, {"policy": "asha", "timeout": 3}, population=1)
    try:
        done = l2l_main("run", config, "--no-progress", cwd=folder)
        started = _started(folder)
        assert started, done.stderr  # the training started before its timeout
        assert done.returncode == 1 and "timeout of 3.0 s" in done.stderr, done.stderr
        assert (l2l.load(folder / "train.h5", segments=True)["status"] == "timeout").all()
        # before: the python the wrapper started went on training, a child of init, for its 300 s
        assert _still_alive(started) == []
    finally:
        _end(_started(folder))


def test_an_interrupted_serial_run_takes_the_training_its_shell_script_started_with_it(tmp_path):
    folder = _folder(tmp_path)
    (folder / "slow").touch()
    config = _config(folder, {"name": "serial"}, {"policy": "asha"}, population=1)
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    run = subprocess.Popen([sys.executable, "-m", "l2l", "run", str(config), "--no-progress"], cwd=folder,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _started(folder) and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.1)
        running = _started(folder)
        assert len(running) == 1, "the program did not start"
        run.send_signal(signal.SIGINT)  # Ctrl+C sent to l2l alone (kill -INT PID)
        _, stderr = run.communicate(timeout=120)
        assert "interrupted" in stderr and "l2l resume" in stderr, stderr
        # before: subprocess killed the shell script; the python it had started trained on
        assert _still_alive(running) == []
    finally:
        if run.poll() is None:
            run.kill()
        _end(_started(folder))


def test_kill_9_of_l2l_then_resume_ends_the_programs_the_killed_run_left_running(tmp_path):
    folder = _folder(tmp_path)
    (folder / "slow").touch()
    run = _two_training(folder, tmp_path / "run.err")
    try:
        left = _started(folder)
        os.kill(run.pid, signal.SIGKILL)  # kill -9 l2l while both segments train
        run.wait(timeout=120)
        # the programs die with l2l's workers (l2l.parent_death's guard), the shell wrapper's python child too; before,
        # they ran on, and l2l resume ended them as it ran the segments again
        assert _still_alive(left) == []
        (folder / "slow").unlink()
        # (in this process, on serial: what is asked of the resume is its file, not its process or backend)
        resumed = l2l_main("resume", folder / "train.h5", "--no-progress", "--backend", "serial", cwd=folder)
        assert resumed.returncode == 0, resumed.stderr
        # before: both went on training beside the segments the resume ran again in the same folders
        assert _still_alive(left) == []
        segments = l2l.load(folder / "train.h5", segments=True)
        assert (segments["status"] == "ok").all()
        assert segments["budget"].max() == 9
        for _, rows in segments.sort_values("budget").groupby("trial"):  # each segment continued the last
            assert list(rows["from_budget"]) == [0.0] + list(rows["budget"])[:-1]
    finally:
        if run.poll() is None:
            run.kill()
        _end(_started(folder))


def test_a_run_stopped_by_sigterm_on_the_local_backend_takes_its_running_programs_with_it(tmp_path):
    folder = _folder(tmp_path)
    (folder / "slow").touch()
    run = _two_training(folder, tmp_path / "run.err")
    try:
        running = _started(folder)
        run.send_signal(signal.SIGTERM)  # what kill PID, or SLURM before a walltime, does: stop, commit, exit
        run.wait(timeout=120)
        stderr = (tmp_path / "run.err").read_text()
        assert "stopped (signal SIGTERM)" in stderr, stderr
        # before: the run had ended, and both programs trained on for their 300 s
        assert _still_alive(running) == []
    finally:
        if run.poll() is None:
            run.kill()
        _end(_started(folder))


def test_a_mistake_in_multi_fidelity_is_answered_with_the_option_the_config_takes(tmp_path):
    folder = _folder(tmp_path)
    config = _config(folder, {"name": "serial"}, {"policy": "asha"}, population=1)
    text = config.read_text()
    config.write_text(text.replace('"name" = "epochs", ', ""))
    refused = l2l_main("run", config, "--no-progress", cwd=folder)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    # before: "fidelity needs 'name', e.g. fidelity = { ... }", an option the simulator calls unknown
    assert "multi_fidelity needs 'name', e.g. multi_fidelity = {" in refused.stderr
    config.write_text(text.replace('"minimum" = 1', '"minimum" = 1, unit_name = "epochs"'))
    refused = l2l_main("run", config, "--no-progress", cwd=folder)
    assert refused.returncode == 2 and "multi_fidelity has unknown key 'unit_name'" in refused.stderr
    assert not (folder / "train.h5").exists()


def test_a_misspelt_placeholder_of_l2l_is_named(tmp_path):
    folder = _folder(tmp_path)
    config = _config(folder, {"name": "serial"}, {"policy": "asha"}, population=1)
    config.write_text(config.read_text().replace("{checkpoint_dir}", "{chekpoint_dir}"))
    refused = l2l_main("run", config, "--no-progress", cwd=folder)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    # before: "names no parameter; parameters: lr", as if it had to be a parameter
    assert "(did you mean {checkpoint_dir}?)" in refused.stderr
    assert "l2l's placeholders: budget, checkpoint_dir, config_dir, generation" in refused.stderr

"""A multi-fidelity run killed with segments in flight: ``l2l show`` says how many ``l2l resume`` runs again, and
the resume's first line says the same number."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import l2l_cli

import l2l
from l2l.results_schema.lock import WriterLock
from l2l.summary import progress_line, summarize

ROOT = Path(__file__).resolve().parent.parent

#: The first two segments end (the second once the third has started, so that a segment is always in flight
#: when its result is committed); every later one hangs until the run is killed, unless ``release`` exists.
MODEL = '''
import os
import time


def _claim(folder):
    n = 1
    while True:
        try:
            os.close(os.open(os.path.join(folder, f"call-{n}"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return n
        except FileExistsError:
            n += 1


def curve(params, seed, budget, checkpoint=None, folder="."):
    value = float(params["x"]) ** 2 + 1.0 / budget
    if os.path.exists(os.path.join(folder, "release")):
        return value
    n = _claim(folder)
    if n == 2:
        deadline = time.monotonic() + 60
        while not os.path.exists(os.path.join(folder, "call-3")) and time.monotonic() < deadline:
            time.sleep(0.01)
    elif n >= 3:
        time.sleep(600)
    return value
'''

CONFIG = """
[run]
name = "asha"
seed = 1
compute = 30
[space]
x = {{ type = "float", low = -5.0, high = 5.0 }}
[optimizer]
name = "random"
[policy]
name = "asha"
eta = 3
[simulator]
name = "python"
function = "stalled_model:curve"
kwargs = {{ folder = "{folder}" }}
multi_fidelity = {{ name = "steps", unit = "steps", minimum = 1, maximum = 9, integer = true }}
[backend]
name = "local"
workers = 2
chunk_size = 1
"""


def _cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    return l2l_cli(*args, cwd=cwd)


def _committed(path: Path) -> tuple[int, int] | None:
    """(segments, segments in flight) of the last commit; None before the first."""
    try:
        with l2l.Trajectory(path) as trajectory:
            if not trajectory.n_generations:
                return None
            loop = trajectory.state()["loop"]
            return int(loop["evaluations"]), len(loop.get("in_flight", []))
    except Exception:  # noqa: BLE001 - the writer is at work: look again
        return None


def _killed_with_segments_in_flight(tmp_path: Path) -> tuple[Path, int]:
    """Run until the two segments that end are committed (the others hang: nothing is committed after that),
    then kill the run's process and its workers with SIGKILL."""
    (tmp_path / "stalled_model.py").write_text(MODEL)
    config = tmp_path / "asha.toml"
    config.write_text(CONFIG.format(folder=str(tmp_path)))
    path = tmp_path / "asha.h5"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen([sys.executable, "-m", "l2l", "run", str(config), "--no-progress"], cwd=tmp_path,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            committed = _committed(path) if path.exists() else None
            if committed is not None and committed[0] == 2:
                break
            assert process.poll() is None, "the run ended before it was killed"
            assert time.monotonic() < deadline, f"the run did not commit its two segments: {committed}"
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)  # reaped: the file's writer is gone
    return path, committed[1]


def _in_flight_words(text: str) -> list[str]:
    return re.findall(r"(\d+) (running|interrupted, to be rerun by l2l resume)", text)


def test_show_and_resume_agree_on_the_segments_a_killed_run_left_in_flight(tmp_path):
    path, in_flight = _killed_with_segments_in_flight(tmp_path)
    assert in_flight >= 1  # the third segment had started before the second's result came

    shown = _cli("show", path, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    progress = next(line for line in shown.stdout.splitlines() if line.startswith("progress"))
    assert "status: interrupted" in progress
    assert _in_flight_words(progress) == [(str(in_flight), "interrupted, to be rerun by l2l resume")], progress

    # What l2l resume sees once it holds the file, where the run looks alive: read as show reads it.
    with WriterLock(path), l2l.Trajectory(path) as trajectory:
        held = progress_line(summarize(trajectory), status=False, resuming=True)
    assert _in_flight_words(held) == _in_flight_words(progress), (held, progress)

    (tmp_path / "release").touch()  # the resumed segments end at once
    resumed = _cli("resume", path, "--backend", "serial", "--no-progress", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    banner = resumed.stderr.splitlines()[0]
    assert banner.startswith("l2l ") and "resuming asha" in banner
    assert _in_flight_words(banner) == _in_flight_words(progress), (banner, progress)  # count and word

    finished = _cli("show", path, cwd=tmp_path).stdout
    assert "status: finished" in finished and _in_flight_words(finished) == []

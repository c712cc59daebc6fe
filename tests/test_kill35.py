"""scripts/kill_stress.py's on_evaluation check (session 35, helper-299): a run killed with SIGKILL and resumed, both
from Python with an ``on_evaluation`` callback, has passed every row of its file to the callback at least once, with
the row's values (docs/python_api.md's promise); the tool says so for its modes callback and callback-ga."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(ROOT / "scripts"))

import kill_stress  # noqa: E402

import pytest  # noqa: E402

import l2l  # noqa: E402
from l2l.errors import TrajectoryError  # noqa: E402
from l2l.results_schema import writer as trajectory_writer  # noqa: E402

GA = {"space": {"x": {"low": -5.0, "high": 5.0}}, "simulator": {"name": "sphere"},
      "optimizer": {"name": "ga", "population_size": 4}, "backend": {"name": "serial"}}


@pytest.mark.parametrize("other", ["trajectory", "text"])
def test_a_run_whose_new_file_is_replaced_before_its_writer_opens_it_writes_nothing_there(tmp_path, monkeypatch,
                                                                                         other):
    """kill_stress's mode recovered replaces a run's file under it: where that happened between the file's creation
    and the writer's open, the run appended its rows to the file put there: another run's trajectory then held both
    runs' rows (4 + 8), without a word; a text file was refused as 'not an HDF5 file'. Now the run is refused in
    one line naming what happened, and the file there is left as it was."""
    someone = tmp_path / "someone.h5"
    l2l.run({**GA, "run": {"generations": 1, "seed": 9}}, someone)
    before = someone.read_bytes()
    real = trajectory_writer.create
    mine = tmp_path / "mine.h5"

    def create(path, **options):
        created = real(path, **options)
        Path(path).unlink()
        Path(path).write_bytes(before if other == "trajectory" else b"another program's file\n")
        return created

    monkeypatch.setattr(trajectory_writer, "create", create)
    with pytest.raises(TrajectoryError, match="was replaced by another file just after this run created it"):
        l2l.run({**GA, "run": {"generations": 2, "seed": 1}}, mine)
    assert mine.read_bytes() == (before if other == "trajectory" else b"another program's file\n")
    monkeypatch.setattr(trajectory_writer, "create", real)
    assert len(l2l.load(someone)) == 4


def _killed_and_resumed(tmp_path: Path) -> tuple[Path, Path, dict]:
    text = kill_stress.MODES["callback-ga"].replace("generations = 6", "generations = 3").replace("size = 8",
                                                                                                 "size = 4")
    config = tmp_path / "ga.toml"
    config.write_text(text)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "L2L_KILL26_STEP": "0"}
    path = tmp_path / "killed.h5"
    args = ["run", str(config), "--out", str(path), "--no-progress"]
    killed = subprocess.run(kill_stress.command_line(args, callback=True), cwd=ROOT, capture_output=True, text=True,
                            env={**env, "L2L_KILL26_AT": f"7 {tmp_path / 'calls'}"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    resumed = subprocess.run(kill_stress.command_line(["resume", str(path), "--no-progress"], callback=True),
                             cwd=ROOT, capture_output=True, text=True, env=env)
    assert resumed.returncode == 0, resumed.stderr
    return path, Path(str(path) + ".log"), env


def test_every_row_was_passed_to_on_evaluation_after_kill_and_resume_and_the_tool_says_a_missing_one(tmp_path):
    """Killed in the second generation (the 7th evaluation), then resumed: each of the 12 rows reached the callback,
    with its value; the evaluations the killed session ran before its last commit are not passed again. The tool's
    check is no formality: a row missing from the callback's log, or passed with another value, is said."""
    path, log, env = _killed_and_resumed(tmp_path)
    problems, twice = kill_stress.callback_check(path, log, env)
    assert problems == []
    assert twice <= 3  # at most the killed generation's evaluations before the kill were run again
    lines = [line for line in log.read_text().splitlines(keepends=True) if line.strip()]
    assert len(lines) == 12 + twice
    first = json.loads(lines[0])
    key = (first["generation"], first["individual"])
    log.write_text("".join(line for line in lines
                           if (json.loads(line)["generation"], json.loads(line)["individual"]) != key))
    problems, _ = kill_stress.callback_check(path, log, env)
    assert len(problems) == 1 and "never passed to on_evaluation" in problems[0], problems
    first["objectives"]["value"] += 1.0
    log.write_text(json.dumps(first) + "\n" + "".join(lines[1:]))
    problems, _ = kill_stress.callback_check(path, log, env)
    assert any("on_evaluation got" in problem for problem in problems), problems

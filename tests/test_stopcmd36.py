"""A stop that reaches a ``command`` program too (session 36): a signal sent to the whole process group (a closed
terminal's SIGHUP, SLURM's SIGTERM at a job's end, ``kill -TERM -- -PGID``) killed the program in flight, and its
evaluation was stored as a failure ('command was killed by signal 15 (SIGTERM)'). It is cancelled now, as any
evaluation a stop cuts short, and ``l2l resume`` runs it again, counted once. A program killed by a signal without a
stop stays a failure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import l2l
from l2l.cli import main

ROOT = Path(__file__).resolve().parents[1]

# the third evaluation holds while the file 'hold' exists (after saying so in 'started'); the others print x
CONFIG = """
[run]
name = "stopcmd"
seed = 1
generations = 1
{extra}

[space]
x = {{ low = -2.0, high = 2.0 }}

[optimizer]
name = "random"
population_size = 4

[simulator]
name = "command"
argv = ["sh", "-c", "{script}"]

[backend]
name = "serial"
"""
HOLD = ("if [ {individual} = 2 ] && [ -e '{config_dir}/hold' ]; then touch '{config_dir}/started'; "
        "exec sleep 30; fi; echo {x}")


def _config(tmp_path: Path, script: str = HOLD, extra: str = "") -> Path:
    path = tmp_path / "stopcmd.toml"
    path.write_text(CONFIG.format(script=script, extra=extra))
    return path


def _stop_group_during_the_program(tmp_path: Path, config: Path, out: Path, signum: int) -> subprocess.CompletedProcess:
    """``l2l run`` in a process group of its own; ``signum`` to that whole group while the third program sleeps."""
    (tmp_path / "hold").touch()
    run = subprocess.Popen([sys.executable, "-m", "l2l", "run", str(config), "--out", str(out), "--no-progress"],
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()
            time.sleep(0.02)
        os.killpg(run.pid, signum)  # the program and l2l, as a closed terminal or SLURM reach them
        (tmp_path / "hold").unlink()  # the resume's program runs through
        stdout, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    return subprocess.CompletedProcess(run.args, run.returncode, stdout.decode(), stderr.decode())


def test_sigterm_to_the_process_group_stops_the_run_and_the_program_is_no_failure(tmp_path, capsys):
    config, out = _config(tmp_path), tmp_path / "term.h5"
    done = _stop_group_during_the_program(tmp_path, config, out, signal.SIGTERM)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "stopped (signal SIGTERM)" in done.stderr, done.stderr
    assert "killed by signal" not in done.stderr and "failed" not in done.stderr, done.stderr
    rows = l2l.load(out)
    assert len(rows) == 2 and set(rows["status"]) == {"ok"}, rows[["individual", "status", "error"]]
    assert not list(tmp_path.rglob("i000002-*")), "the stopped evaluation's folder is kept as a failure's"
    assert main(["resume", str(out), "--no-progress"]) == 0
    rows = l2l.load(out)
    assert sorted(rows["individual"]) == [0, 1, 2, 3], rows  # the stopped one again, counted once
    assert set(rows["status"]) == {"ok"} and set(rows["attempts"]) == {1}, rows[["individual", "status", "attempts"]]
    assert "(0 failed)" in capsys.readouterr().err


def test_sighup_to_the_process_group_too(tmp_path):
    config, out = _config(tmp_path), tmp_path / "hup.h5"
    done = _stop_group_during_the_program(tmp_path, config, out, signal.SIGHUP)
    assert done.returncode == 128 + signal.SIGHUP, done.stderr
    assert "stopped (signal SIGHUP)" in done.stderr and "killed by signal" not in done.stderr, done.stderr
    rows = l2l.load(out)
    assert len(rows) == 2 and set(rows["status"]) == {"ok"}, rows[["individual", "status", "error"]]


def test_a_program_killed_by_sigterm_without_a_stop_stays_a_failure(tmp_path, capsys):
    """Its own SIGTERM (or another process's to it alone): the run goes on, the row failed with the signal named."""
    script = "if [ {individual} = 2 ]; then kill -TERM $$; fi; echo {x}"
    out = tmp_path / "own.h5"
    assert main(["run", str(_config(tmp_path, script)), "--out", str(out), "--no-progress"]) == 0
    rows = l2l.load(out).sort_values("individual")
    assert list(rows["status"]) == ["ok", "ok", "failed", "ok"], rows[["individual", "status", "error"]]
    assert "command was killed by signal 15 (SIGTERM)" in rows["error"].iloc[2]


# -- l2l reevaluate FILE: a starting line and a bar, as l2l run's re-evaluation ----------------------------------

SLEEP = CONFIG.replace('''[simulator]
name = "command"
argv = ["sh", "-c", "{script}"]''', '''[simulator]
name = "sleep"
median = 0.001
sigma = 0.5''')


def test_l2l_reevaluate_says_what_it_starts_and_shows_a_bar_unless_no_progress(tmp_path, capsys):
    config, out = tmp_path / "re.toml", tmp_path / "re.h5"
    config.write_text(SLEEP.format(extra="").replace("generations = 1", "generations = 2"))
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["reevaluate", str(out), "--top", "2", "--seeds", "3"]) == 0
    err = capsys.readouterr().err  # (not a terminal here: the bar's lines into the stream, as into a job's log)
    assert err.startswith("l2l: re-evaluating the 2 best candidates on 3 fresh seeds each: 6 evaluations on serial\n")
    assert "re-evaluating: 100%" in err and "6/6" in err, err
    assert main(["reevaluate", str(out), "--top", "3", "--seeds", "3", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert err == ("l2l: re-evaluating the 3 best candidates on 3 fresh seeds each: 3 evaluations (6 stored already) "
                   "on serial\n"), err
    assert len(l2l.load(out, reevaluations=True)) == 9

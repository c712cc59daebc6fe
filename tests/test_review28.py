"""Defects found reading session 28's changes as a whole (helper-193, review28).

* ``l2l submit``'s job script (0454c2f) wrote its 'go on with: sbatch ...' command, quoted for the shell, inside the
  double quotes of an ``echo``: an ``--out`` whose folder holds a double quote or ``$(...)`` ran that text as a
  command when the job was cancelled (a ``$`` alone was expanded, an unset name ended the shell under ``set -u``).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from pathlib import Path

from slurm_helpers import OUTER_RUN as RUN
from slurm_helpers import executable, wait_for, write_toml

from l2l.cli import main


def test_a_cancelled_submit_job_says_how_to_go_on_without_running_its_output_s_name(tmp_path, capsys):
    marker = tmp_path / "ran"
    out = tmp_path / f'a"b$(touch {marker}) $HOME' / "r.h5"
    loop = executable(tmp_path / "loop.sh", '#!/bin/bash\ntrap \'echo "loop: TERM"; exit 143\' TERM\n'
                                             'echo "loop: started"\nwhile :; do sleep 0.05; done\n')
    config = write_toml(tmp_path / "c.toml", RUN)
    assert main(["submit", str(config), "--out", str(out), "--dry-run", "--python", str(loop), "--time", "10",
                 "--signal-seconds", "60"]) == 0
    script = tmp_path / "job.sh"
    script.write_text(capsys.readouterr().out)
    fake = tmp_path / "bin"
    fake.mkdir()
    executable(fake / "scontrol", '#!/bin/sh\n[ "$1" = show ] || exit 0\n'
                                   'echo "   JobState=COMPLETING Reason=None Dependency=(null)"\n'
                                   'echo "   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0"\n')
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}", "SLURM_JOB_ID": "4242"}
    said = tmp_path / "said.txt"
    with open(said, "w") as sink:
        shell = subprocess.Popen(["bash", str(script)], stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        wait_for(lambda: "loop: started" in said.read_text(), 20, "the loop to start")
        shell.send_signal(signal.SIGTERM)  # scancel's
        shell.wait(timeout=20)
    finally:
        if shell.poll() is None:
            shell.kill()
    text = said.read_text()
    assert not marker.exists(), text  # before: the folder's name ran as a command
    lines = [line for line in text.splitlines() if line.startswith("l2l submit: job 4242 cancelled")]
    assert len(lines) == 1, text
    again = lines[0].rpartition("go on with: ")[2]
    assert shlex.split(again) == ["sbatch", f"--chdir={out.parent}", f"{out}.submit.sh"], lines


PROGRAM = """
import json, os, sys
budget, folder, lr = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
state = os.path.join(folder, "w.txt")
w = float(open(state).read()) if os.path.exists(state) else 5.0
w *= (1 - lr) ** budget
open(state, "w").write(repr(w))
if not os.path.lexists(os.path.join(folder, "latest")):
    os.symlink("w.txt", os.path.join(folder, "latest"))
print(json.dumps({"loss": w * w}))
"""


def test_a_command_checkpoint_with_a_link_is_written_into_the_same_folder_twice(tmp_path):
    import sys

    import l2l

    (tmp_path / "prog.py").write_text(PROGRAM)
    run = {"run": {"name": "cmd", "seed": 0}, "space": {"lr": {"type": "float", "low": 0.001, "high": 0.4}},
           "policy": {"name": "pbt", "population": 2, "interval": 2},
           "simulator": {"name": "command", "argv": [sys.executable, str(tmp_path / "prog.py"), "{budget}",
                                                     "{checkpoint_dir}", "{lr}"],
                         "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 4}},
           "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    path = l2l.run(run, tmp_path / "c.h5", progress=False)
    best = tmp_path / "best"
    for _ in range(2):  # a notebook's cell run again: before, the second raised FileExistsError ('latest')
        stored = l2l.checkpoint(path, folder=best)
    assert set(stored["links"]) == {"latest"}
    assert os.readlink(best / "latest") == "w.txt"
    w = float((best / "latest").read_text())
    assert w * w == l2l.best(path).value


def test_a_function_whose_module_file_is_being_edited_still_runs(tmp_path):
    import importlib.util
    import json

    import l2l

    module_file = tmp_path / "model_being_edited.py"
    module_file.write_text("def simulate(params, seed):\n    return float(params['x'] ** 2)\n")
    spec = importlib.util.spec_from_file_location("model_being_edited", module_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # the user's editor saved half an edit: an unterminated string where the function was (not imported again)
    module_file.write_text('NOTE = """a docstring being typed\n')
    config = {"run": {"name": "edited", "generations": 1}, "space": {"x": {"type": "float", "low": -1, "high": 1}},
              "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "python", "function": "x:y"},
              "backend": {"name": "serial"}}
    # before: tokenize.TokenError ('EOF in multi-line string') from the provenance of the run's first event
    out = l2l.run(config, tmp_path / "r.h5", simulator=module.simulate, progress=False)
    with l2l.Trajectory(out) as trajectory:
        events = trajectory.events()
        assert trajectory.n_evaluations == 2
    started = [json.loads(detail) for kind, detail in zip(events["kind"], events["detail"]) if kind == "started"]
    assert started[0]["model"] == [["function model_being_edited:simulate",
                                    "not hashed: its source text is not available"]]


def test_l2l_resume_of_an_empty_name_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["resume", ""]) == 2  # before: pathlib's ValueError "PosixPath('.') has an empty name", exit 1
    err = capsys.readouterr().err
    assert err == ("l2l: error: argument FILE is empty (an unset shell variable?); give a trajectory file (.h5) "
                   "(see 'l2l resume --help')\n"), err
    assert list(tmp_path.iterdir()) == []  # no lock file, no .work folder


def test_a_session_whose_model_files_do_not_fit_its_event_still_records_the_driver_s_host(tmp_path):
    import json
    import socket

    from l2l.provenance import EVENT_BYTES, with_session

    class Command:  # a command simulator's argv naming 8 files with long names (8 x 200 bytes: no event holds them)
        argv = ["python3"] + [str(tmp_path / f"{'x' * 200}{i}.dat") for i in range(8)]
        config_dir = str(tmp_path)

    for name in Command.argv[1:]:
        Path(name).write_text("data")
    detail = with_session({"backend": {"name": "local"}, "pid": 1}, Command())
    assert len(json.dumps(detail).encode()) <= EVENT_BYTES
    assert "model" not in detail
    assert detail["driver"]["host"] == socket.gethostname()  # before: left out with the model

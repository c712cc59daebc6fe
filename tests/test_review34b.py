"""Review of session 34's product commits (helper-289, review34b): defects found, one test each.

``l2l submit`` refused a job for a file whose lock file a killed ``l2l run`` left behind where the pid it names
had since been taken by another process (632f450 asked only whether that pid is alive: a login node reuses pids):
the job's resume takes the free lock and goes on, so nothing should be refused. A resume of a copy of a live run's
folder (6a2653e) took the session the folder names for dead where its process is another user's (signal 0 refused).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from test_persona34c import _sphere_run


def test_l2l_submit_goes_on_where_a_killed_writers_pid_was_reused_by_another_process(tmp_path, monkeypatch, capsys):
    """Alice's l2l run on the login node was killed (kill -9, the OOM killer): its lock file stays, naming its pid,
    which a later process took. l2l submit said the file 'is being written by' that process and submitted
    nothing (exit 2), though no process holds the lock and the job's resume would have gone on."""
    import l2l.commands.slurm as submit
    from l2l.cli import main
    from l2l.results_schema.lock import lock_path

    path = _sphere_run(tmp_path / "run.h5", -1.0, 1.0, generations=3, stop_after=1)
    config = tmp_path / "lab.toml"
    config.write_text('[run]\nname = "lab"\nseed = 1\ngenerations = 3\n[space]\nx = { type = "float", low = -1.0, '
                      'high = 1.0 }\n[optimizer]\nname = "random"\npopulation_size = 4\n[simulator]\nname = "sphere"'
                      '\n[backend]\nname = "serial"\n')
    asked = []
    monkeypatch.setattr(submit, "call", lambda argv, **_: asked.append(argv[0]) or ("4711" if argv[0] == "sbatch"
                                                                                       else ""))
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:  # the pid the killed writer's lock file names, now another process's (holding no lock)
        lock_path(path).write_text(json.dumps({"pid": other.pid, "host": socket.gethostname(),
                                               "since": "2026-12-06T10:00:00Z"}) + "\n")
        code = main(["submit", str(config), "--out", str(path)])
    finally:
        other.stdin.close()
        other.wait()
    error = capsys.readouterr().err
    assert code == 0 and "sbatch" in asked, error
    assert "is being written by" not in error, error


def test_a_copy_of_a_lab_mates_live_runs_folder_leaves_her_jobs_alone(tmp_path, monkeypatch):
    """Bob copies the file and folder of Alice's running slurm run (another user: signal 0 to her process is
    refused, EPERM) and resumes it: the session her folder names was taken for dead ('another user's: not the
    session'), so his resume went for her worker jobs and arrays as left behind by a killed session of his run
    (6a2653e); her process, started when the folder says, is that session."""
    import os

    from l2l.jobs import slurm_left
    from l2l.jobs.slurm_left import SESSION_FILE, _alive_elsewhere, _process_start

    hers, his = tmp_path / "alice" / "run.work", tmp_path / "bob" / "run.work"
    hers.mkdir(parents=True)
    his.mkdir(parents=True)
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        (his / SESSION_FILE).write_text(json.dumps({"folder": os.path.realpath(hers), "host": socket.gethostname(),
                                                    "pid": other.pid, "start": _process_start(other.pid)}))
        kill = os.kill

        def refused(pid, sig):  # her process: another user's
            if pid == other.pid:
                raise PermissionError(1, "Operation not permitted")
            return kill(pid, sig)

        monkeypatch.setattr(slurm_left.os, "kill", refused)
        assert _alive_elsewhere(his) == os.path.realpath(hers)
    finally:
        other.stdin.close()
        other.wait()
    assert _alive_elsewhere(his) == ""  # once her session ended, the jobs are this copy's to cancel

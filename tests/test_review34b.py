"""Review of session 34's product commits (helper-289, review34b): defects found, one test each.

``l2l submit`` refused a job for a file whose lock file a killed ``l2l run`` left behind where the pid it names
had since been taken by another process (632f450 asked only whether that pid is alive: a login node reuses pids):
the job's resume takes the free lock and goes on, so nothing should be refused.
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

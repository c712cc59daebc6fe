"""The lead's fixes of the twenty-seventh session."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from l2l.cli import main

KILLED = textwrap.dedent("""
    import os, sys
    import l2l

    calls = []

    def bowl(params, seed):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), 9)  # kill -9 in the middle of the run
        return float(params["x"] ** 2)

    config = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
              "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 3, "seed": 1},
              "backend": {"name": "serial"}}
    l2l.run(config, sys.argv[1], simulator=bowl, progress=False)
""")


def test_show_of_a_killed_function_run_says_how_to_continue_it_from_python(tmp_path, capsys):
    script, path = tmp_path / "killed.py", tmp_path / "run.h5"
    script.write_text(KILLED)
    done = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    # before: 'continue with l2l resume', which refuses a run whose simulator was a function passed to l2l.run
    assert "interrupted" in out and "continue with l2l.resume(FILE, simulator=bowl) from Python" in out, out

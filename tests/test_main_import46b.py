"""A script whose code outside the main guard fails as the local backend's workers import it (a print of the
run's results below the guarded run) is told that error, not only to use the guard it already has."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_error_outside_the_guard_is_named(tmp_path):
    script = tmp_path / "sweep_script.py"
    script.write_text(textwrap.dedent("""
        import l2l
        config = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "sphere",
                  "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1},
                  "backend": {"name": "local", "workers": 1}}
        if __name__ == "__main__":
            frame = l2l.load(l2l.run(config, "out.h5", progress=False))
        print(len(frame))
    """))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=300)
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode != 0
    assert "sweep_script.py, and its code outside 'if __name__ == \"__main__\":' failed there: NameError: " \
           "name 'frame' is not defined" in last, last

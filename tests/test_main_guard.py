"""A script that calls l2l.run outside ``if __name__ == "__main__":`` is refused before any worker or file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from l2l.jobs.main_guard import unguarded_line

ROOT = Path(__file__).resolve().parents[1]

CASES = {  # source, the line of the call, unguarded?
    "top level": ("import l2l\nl2l.run(c)\n", 2, True),
    "guard": ('import l2l\nif __name__ == "__main__":\n    l2l.run(c)\n', 3, False),
    "reversed guard": ("import l2l\nif '__main__' == __name__:\n    l2l.run(c)\n", 3, False),
    "other if": ("import l2l\nif True:\n    l2l.run(c)\n", 3, True),
    "else of the guard": ('import l2l\nif __name__ == "__main__":\n    pass\nelse:\n    l2l.run(c)\n', 5, True),
    "in a function": ("import l2l\ndef main():\n    l2l.run(c)\n", 3, False),
    "main() under the guard": ('def main():\n    pass\nif __name__ == "__main__":\n    main()\n', 4, False),
    "main() at top level": ("def main():\n    pass\nmain()\n", 3, True),
    "not python": ("this is not python(\n", 1, False),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_syntax_tree_says_whether_a_line_runs_at_import(case):
    source, line, unguarded = CASES[case]
    assert unguarded_line(source, line) is unguarded


SCRIPT = """
import l2l

config = l2l.from_mapping({{"run": {{"generations": 1}}, "space": {{"x": {{"low": -1.0, "high": 1.0}}}},
                           "optimizer": {{"name": "random", "population_size": 2}},
                           "simulator": {{"name": "sphere"}}, "backend": {{"name": "local", "workers": 1}}}})
{call}
"""


def _script(tmp_path: Path, call: str) -> subprocess.CompletedProcess:
    path = tmp_path / "sweep.py"
    path.write_text(textwrap.dedent(SCRIPT.format(call=call)))
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})


def test_a_script_without_the_guard_is_refused_with_the_line_and_no_file(tmp_path):
    result = _script(tmp_path, 'l2l.run(config, "out.h5")')
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("l2l.errors.ConfigError: backend 'local': ") and "sweep.py calls l2l at line 7 " in last
    assert "Nanny" not in result.stderr and result.stderr.count("Traceback") == 1
    assert not (tmp_path / "out.h5").exists()


def test_the_same_script_under_the_guard_runs(tmp_path):
    result = _script(tmp_path, 'if __name__ == "__main__":\n    l2l.run(config, "out.h5")')
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.h5").exists()

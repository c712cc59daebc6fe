"""Commands l2l suggests in its messages can be pasted into a shell, whatever the file is called."""

from __future__ import annotations

import shlex

import l2l
from conftest import l2l_cli


def test_a_suggested_resume_of_a_file_with_a_space_and_a_quote_runs_as_pasted(tmp_path):
    folder = tmp_path / "my dir's"
    folder.mkdir()
    out = folder / "run $1.h5"
    (folder / "run.toml").write_text('[run]\ngenerations = 2\n[space]\nx = { low = -1.0, high = 1.0 }\n'
                                     '[optimizer]\nname = "random"\npopulation_size = 4\n'
                                     '[simulator]\nname = "sphere"\n[backend]\nname = "serial"\n')
    assert l2l_cli("run", folder / "run.toml", "--out", out, cwd=tmp_path).returncode == 0
    again = l2l_cli("run", folder / "run.toml", "--out", out, cwd=tmp_path)
    assert again.returncode == 2
    # the run finished: 'l2l resume FILE' alone would say there is nothing to resume (before, it was suggested
    # alone), so the line says a budget must be raised and names them
    line = again.stderr.strip().splitlines()[-1]
    assert "holds this config's finished run" in line and line.endswith(
        "and a budget raised (--generations, --evaluations or --max-time)"), line
    suggested = line.split("extend it with '", 1)[1].split("' and a budget raised", 1)[0]
    assert suggested == f"l2l resume {shlex.quote(str(out))}"
    # pasted into a shell, with its words as the shell splits them: the file is found and extended
    words = shlex.split(suggested)
    assert words[2] == str(out)
    done = l2l_cli(*words[1:], "--generations", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert l2l.load(out)["generation"].max() == 2

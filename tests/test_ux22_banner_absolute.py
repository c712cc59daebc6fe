"""``l2l run --out run.h5`` (a relative path) names the file in its first line as its closing 'results:' line names
it since 722e9c7: absolutely, so the two agree; ``l2l resume run.h5`` opens with the absolute path too, whether it
resumes the run or finds it finished. No symbolic link is resolved (Path.absolute)."""

from __future__ import annotations

import l2l
from l2l.cli import main
from test_slurm import write_toml
from test_submit_existing import RUN


def test_the_banners_name_the_file_as_the_results_line_does(tmp_path, monkeypatch, capsys):
    write_toml(tmp_path / "c.toml", {**RUN, "run": {**RUN["run"], "generations": 1}})
    monkeypatch.chdir(tmp_path)
    absolute = tmp_path / "run.h5"
    assert main(["run", "c.toml", "--out", "run.h5", "--no-progress", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(f" -> {absolute}")
    assert main(["run", "c.toml", "--out", "run.h5", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0].startswith("l2l ") and err.splitlines()[0].endswith(f" -> {absolute}"), err
    assert f"results: {absolute}  (python: l2l.load({str(absolute)!r}))" in out.splitlines(), out
    assert main(["resume", "run.h5", "--generations", "2", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0].startswith("l2l ") and err.splitlines()[0].endswith(f" -> {absolute}"), err
    assert f"results: {absolute}  (python: l2l.load({str(absolute)!r}))" in out.splitlines(), out
    assert main(["resume", "run.h5", "--no-progress"]) == 0  # finished: nothing to resume, said of the same file
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith(f"l2l {l2l.__version__}: outer in {absolute} has finished ("), err

"""The 'results:' line l2l run and l2l resume end with names the file absolutely, however it was given: after
'l2l resume run.h5' it read 'results: run.h5' where l2l run (without --out) had said the absolute path."""

from __future__ import annotations

from l2l.cli import main

CONFIG = """
[run]
name = "rel"
seed = 1
generations = 1
[space]
x = { type = "float", low = -5.0, high = 5.0 }
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "sphere"
[backend]
name = "serial"
"""


def _results(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("results: "))


def test_run_and_resume_of_a_relative_path_end_with_its_absolute_path(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rel.toml").write_text(CONFIG)
    absolute = str(tmp_path / "run.h5")
    assert main(["run", "rel.toml", "--out", "run.h5", "--no-progress"]) == 0
    assert _results(capsys.readouterr().out) == f"results: {absolute}  (python: l2l.load({absolute!r}))"
    assert main(["resume", "run.h5", "--generations", "2", "--no-progress"]) == 0
    assert _results(capsys.readouterr().out) == f"results: {absolute}  (python: l2l.load({absolute!r}))"
    assert main(["resume", "run.h5", "--no-progress"]) == 0  # finished: nothing to resume, what it holds
    assert _results(capsys.readouterr().out) == f"results: {absolute}  (python: l2l.load({absolute!r}))"

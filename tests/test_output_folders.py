"""plot, compare, report and export create a missing output folder, as ``l2l run --out`` does; an output
that cannot be written still gets one line and exit status 2, and leaves no folder behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from l2l.cli import main
from conftest import sphere_run_file


@pytest.fixture(scope="module")
def run_file(tmp_path_factory) -> Path:
    return sphere_run_file(tmp_path_factory.mktemp("runs"), "sweep", generations=2, population=3)


@pytest.mark.parametrize("command, name, start", [
    ("plot", "overview.png", b"\x89PNG"),
    ("compare", "comparison.png", b"\x89PNG"),
    ("report", "report.html", b"<!DOCTYPE html"),
    ("export", "evaluations.csv", b"generation,"),
])
def test_an_output_in_a_missing_folder_is_written_there(run_file, tmp_path, capsys, command, name, start):
    out = tmp_path / "new" / "deeper" / name
    assert main([command, str(run_file), "-o", str(out)]) == 0, capsys.readouterr().err
    assert out.read_bytes()[:len(start)].lower() == start.lower()
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out)
    assert sorted(p.name for p in out.parent.iterdir()) == [name]  # no temporary file left beside it


@pytest.mark.parametrize("command", ["plot", "compare", "report", "export"])
def test_a_missing_folder_under_a_file_is_one_line_and_nothing_is_created(run_file, tmp_path, capsys, command):
    (tmp_path / "afile").write_text("mine")
    suffix = {"plot": ".png", "compare": ".png", "report": ".html", "export": ".csv"}[command]
    assert main([command, str(run_file), "-o", str(tmp_path / "afile" / "sub" / f"x{suffix}")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'afile' is a file, not a folder" in err.replace(str(tmp_path) + "/", ""), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"] and (tmp_path / "afile").read_text() == "mine"


def test_a_bad_input_leaves_no_new_folder(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "nothere.h5"), "-o", str(tmp_path / "new" / "x.png")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["plot", "compare", "report", "export"])
def test_an_output_ending_in_a_slash_is_refused_as_a_folder_not_written_as_a_file(run_file, tmp_path, capsys,
                                                                                   command):
    assert main([command, str(run_file), "-o", str(tmp_path / "new") + "/"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "new/' names a folder; give a file name in it" in err, err
    assert list(tmp_path.iterdir()) == []  # neither a file called 'new' nor a folder


def test_l2l_run_on_a_file_a_run_writes_now_says_so_instead_of_suggesting_resume(tmp_path, capsys):
    """l2l run --out FILE where FILE exists and a live run writes it (under its name or a symbolic link's): the
    one line says so and does not suggest l2l resume, which would be refused (before, 'already exists; ... or
    continue it with l2l resume FILE'); the file is left as it was. Once no process writes it, resume is suggested."""
    import hashlib

    from l2l.results_schema.lock import WriterLock

    path = sphere_run_file(tmp_path, "live", generations=1, population=3)
    capsys.readouterr()  # what that run printed
    (tmp_path / "link.h5").symlink_to("live.h5")
    content = hashlib.sha256(path.read_bytes()).hexdigest()
    with WriterLock(path):  # what a live run holds while it writes the file
        for out in (path, tmp_path / "link.h5"):
            assert main(["run", str(tmp_path / "live.toml"), "--out", str(out), "--no-progress"]) == 2
            err = capsys.readouterr().err
            assert err == (f"l2l: error: {out} already exists and is being written by another run in this "
                           f"process; choose another --out, or wait for it to finish\n"), err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == content
    assert main(["run", str(tmp_path / "live.toml"), "--out", str(path), "--no-progress"]) == 2
    assert "or extend it with 'l2l resume" in capsys.readouterr().err  # the run finished

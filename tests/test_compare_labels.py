"""l2l compare gives every run a label of its own, in the table it prints and in the figure's legend, even
where the runs share a name: the same file given twice, or files of one name in different folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from l2l.cli import main
from l2l.plot import compare
from conftest import sphere_run_file


@pytest.fixture(scope="module")
def run_file(tmp_path_factory) -> Path:
    return sphere_run_file(tmp_path_factory.mktemp("runs"), "sweep", generations=2, population=3)


@pytest.fixture
def drawn(monkeypatch) -> list:
    """The figures l2l compare draws, kept instead of written: the labels are the question here, and writing the
    PNG was most of the cost of each compare (tests/test_analysis.py's compare test writes one and checks it)."""
    import l2l.plot

    figures: list = []
    monkeypatch.setattr(l2l.plot, "save", lambda fig, out, **options: figures.append(fig))
    return figures


def _printed_labels(files: list[Path], out: Path, capsys, drawn: list) -> tuple[list[str], list[str]]:
    """The run column of the table l2l compare prints, one label per file, in the order given; and the labels of
    the legend of the figure it drew."""
    drawn.clear()
    assert main(["compare", *map(str, files), "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "run" and lines[len(files) + 1] == str(out)
    header = lines[0]
    end = header.index("run") + len("run")  # the column is right-aligned: its cells end where its heading does
    assert len(drawn) == 1, "l2l compare no longer saves its figure through l2l.plot.save"
    legend = [text.get_text() for text in drawn[0].axes[0].get_legend().get_texts()]
    return [line[:end].strip() for line in lines[1:len(files) + 1]], legend


def _legend_labels(files: list[Path]) -> list[str]:
    figure = compare([str(f) for f in files])
    legend = figure.axes[0].get_legend()
    return [text.get_text() for text in legend.get_texts()]


def test_the_same_file_twice_is_numbered_first_and_second(run_file, tmp_path, capsys, drawn):
    files = [run_file, run_file]
    printed, legend = _printed_labels(files, tmp_path / "cmp.png", capsys, drawn)
    assert printed == ["sweep (random) [sweep.h5] #1", "sweep (random) [sweep.h5] #2"]
    assert legend == printed and _legend_labels(files) == printed  # l2l.plot.compare's too


def test_files_of_one_name_in_different_folders_are_told_apart_by_their_folders(run_file, tmp_path, capsys, drawn):
    files = []
    for folder in ("ga", "cmaes", "x/ga"):
        (tmp_path / folder).mkdir(parents=True)
        files.append(Path(shutil.copy(run_file, tmp_path / folder / "sweep.h5")))
    printed, legend = _printed_labels(files, tmp_path / "cmp.png", capsys, drawn)
    assert printed == [f"sweep (random) [{tmp_path.name}/ga/sweep.h5]",
                       "sweep (random) [cmaes/sweep.h5]", "sweep (random) [x/ga/sweep.h5]"]
    assert legend == printed


def test_a_file_given_twice_beside_another_of_its_name(run_file, tmp_path, capsys, drawn):
    (tmp_path / "other").mkdir()
    other = Path(shutil.copy(run_file, tmp_path / "other" / "sweep.h5"))
    files = [run_file, other, run_file]
    printed, legend = _printed_labels(files, tmp_path / "cmp.png", capsys, drawn)
    here = run_file.parent.name
    assert printed == [f"sweep (random) [{here}/sweep.h5] #1", "sweep (random) [other/sweep.h5]",
                       f"sweep (random) [{here}/sweep.h5] #3"]
    assert legend == printed


def test_labels_are_ends_of_the_paths_as_typed_never_folders_the_user_did_not_type(run_file, tmp_path, monkeypatch,
                                                                                    capsys, drawn):
    """Relative paths, absolute ones and mixes: each label is the shortest end of the path as typed that tells
    the file apart; a copy kept under a mirror of the working folder's absolute path (a backup) no longer makes
    the other file's label that whole absolute path, nor does ``a.h5`` beside ``runs/a.h5`` borrow the name of
    the working folder."""
    monkeypatch.chdir(tmp_path)
    mirror = tmp_path.joinpath("backup", *tmp_path.parts[1:], "runs")
    for folder in (tmp_path / "runs", tmp_path / "other", mirror):
        folder.mkdir(parents=True)
        shutil.copy(run_file, folder / "sweep.h5")
    shutil.copy(run_file, tmp_path / "sweep.h5")
    cases = [(["runs/sweep.h5", "other/sweep.h5"], ["[runs/sweep.h5]", "[other/sweep.h5]"]),
             (["runs/sweep.h5", str(tmp_path / "other" / "sweep.h5")], ["[runs/sweep.h5]", "[other/sweep.h5]"]),
             (["./runs/sweep.h5", "other/../other/sweep.h5"], ["[runs/sweep.h5]", "[other/sweep.h5]"]),
             (["sweep.h5", "runs/sweep.h5"], ["[sweep.h5]", "[runs/sweep.h5]"]),
             (["runs/sweep.h5", str(mirror / "sweep.h5")], ["[runs/sweep.h5]", f"[{tmp_path.name}/runs/sweep.h5]"]),
             ([str(tmp_path / "runs" / "sweep.h5"), "runs/sweep.h5", "other/sweep.h5"],
              ["[runs/sweep.h5] #1", "[runs/sweep.h5] #2", "[other/sweep.h5]"])]
    for i, (typed, ends) in enumerate(cases):
        files = [Path(p) for p in typed]
        printed, legend = _printed_labels(files, tmp_path / f"cmp{i}.png", capsys, drawn)
        assert printed == [f"sweep (random) {end}" for end in ends], typed
        assert legend == printed, typed


def test_a_mistyped_run_is_named_before_the_comparison_a_previous_compare_left(run_file, tmp_path, capsys):
    """The usual second compare: comparison.png is there from the first, and one run's name is mistyped. The error
    names the missing run (before, it named the figure, and --force only led to the real problem); nothing is
    written, the old figure is left as it was."""
    runs = tmp_path / "runs"
    runs.mkdir()
    shutil.copy(run_file, runs / "a.h5")
    (runs / "comparison.png").write_bytes(b"the first comparison")
    for files in (["a.h5", "b.h5"], ["b.h5", "a.h5"]):
        assert main(["compare", *(str(runs / name) for name in files)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err == f"l2l: error: {runs / 'b.h5'}: no such file\n", captured.err
    assert sorted(p.name for p in runs.iterdir()) == ["a.h5", "comparison.png"]
    assert (runs / "comparison.png").read_bytes() == b"the first comparison"

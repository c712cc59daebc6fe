"""``--dpi`` of plot, compare and report: a resolution matplotlib cannot draw at (0, negative, a few
dots per inch, or one whose image does not fit in memory) is refused in one line with exit status 2 before
anything is read or written; it ended in a matplotlib traceback with exit status 1."""

import pytest

from conftest import sphere_run_file
from l2l.cli import main


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    return sphere_run_file(tmp_path_factory.mktemp("dpi"), "dpi", generations=2, population=4, shape=[2])


@pytest.mark.parametrize("command, output", [("plot", "figure.png"), ("compare", "comparison.png"),
                                             ("report", "report.html")])
@pytest.mark.parametrize("dpi", ["0", "-5", "5", "100000"])
def test_a_resolution_that_cannot_be_drawn_is_refused_in_one_line(run_file, tmp_path, capsys, command, output,
                                                                   dpi):
    capsys.readouterr()
    out = tmp_path / output
    assert main([command, str(run_file), "--dpi", dpi, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"l2l: error: --dpi must be an integer from 20 to 1200 (dots per inch), got {dpi}\n"
    assert not out.exists()


def test_the_lowest_resolution_allowed_draws_every_figure(run_file, tmp_path):
    assert main(["plot", str(run_file), "--dpi", "20", "-o", str(tmp_path / "small.png")]) == 0
    assert main(["report", str(run_file), "--dpi", "20", "-o", str(tmp_path / "small.html")]) == 0
    assert (tmp_path / "small.png").stat().st_size > 0 and (tmp_path / "small.html").stat().st_size > 0

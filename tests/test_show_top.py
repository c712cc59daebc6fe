"""``l2l show --top N --events M``: a count below what can be shown is refused in one line with exit
status 2; ``--top 0`` printed pandas' "Empty DataFrame", ``--top -1`` a table titled "best 16" (all but the
last of the rows read), ``--events -1`` no event without a word."""

import pytest

from conftest import sphere_run_file
from l2l.cli import main


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    return sphere_run_file(tmp_path_factory.mktemp("top"), "top", generations=3, population=6)


@pytest.mark.parametrize("option, value, message", [
    ("--top", "0", "--top must be an integer >= 1 (the best individuals to show), got 0"),
    ("--top", "-1", "--top must be an integer >= 1 (the best individuals to show), got -1"),
    ("--events", "-1", "--events must be an integer >= 0 (the last events to show), got -1"),
])
def test_a_count_that_cannot_be_shown_is_refused_in_one_line(run_file, capsys, option, value, message):
    capsys.readouterr()
    assert main(["show", str(run_file), option, value]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"l2l: error: {message}\n"
    assert captured.out == ""


def test_top_and_events_show_what_they_say(run_file, capsys):
    capsys.readouterr()
    assert main(["show", str(run_file), "--top", "3", "--events", "0"]) == 0
    out = capsys.readouterr().out
    assert "best 3 by value (minimize):" in out
    assert "\nevent " not in out
    assert main(["show", str(run_file), "--top", "1", "--events", "1"]) == 0
    out = capsys.readouterr().out
    assert "best 1 by value (minimize):" in out and out.count("\nevent ") == 1 and "finished" in out

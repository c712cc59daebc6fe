"""The failure line counts the reasons it leaves out in evaluations, as it counts the others: a line read
'72 failed (the last 35: 33 × "...", 1 other reason)' where that one other reason had failed 2 segments, so the
counts did not add up to the 35 they described. It now reads '..., 2 with another reason' (or '7 with 3 other
reasons'), in ``l2l show`` and at the end of ``l2l run`` (both print this line)."""

from __future__ import annotations

import itertools
import re

import l2l
from l2l.summary import failure_line, finished_text, show_text, summarize
from l2l.results_schema.reader import Trajectory

LONG = "x" * 60  # each reason near the width of one reason in the line, so that only the first fits


def _run(tmp_path, reasons: list[str]):
    calls = itertools.count()

    def fails(params, seed):
        raise ValueError(f"{reasons[next(calls)]} {LONG}")

    config = l2l.from_mapping({
        "run": {"name": "f", "generations": 1}, "space": {"x": {"low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": len(reasons)},
        "simulator": {"name": "python"}, "objectives": [{"name": "value", "direction": "minimize"}],
        "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path / "f.h5", simulator=fails, progress=False)


def _counted(line: str) -> int:
    """The evaluations the parts of a failure line count: '5 × ...' and '2 with ...'."""
    body = line.split(": ", 1)[1]
    return sum(int(n) for n in re.findall(r"(?:^|, )(\d+) (?:×|with)", body))


def test_one_reason_left_out_is_counted_in_evaluations(tmp_path):
    # the second reason is cut shorter to fit beside the first (session 41: it was counted, '2 with another
    # reason', which hid an out-of-memory kill); the third no longer fits
    path = _run(tmp_path, ["first"] * 5 + ["second"] * 2 + ["third"])
    with Trajectory(path) as trajectory:
        line = failure_line(trajectory, summarize(trajectory))
        shown = show_text(trajectory)
    assert line.startswith('8 failed: 5 × "ValueError: first xxx') and ', 2 × "ValueError: second xx' in line \
        and line.endswith('...", 1 with another reason'), line
    assert ", 1 other reason" not in line and _counted(line) == 8 and len(line) <= 150
    assert f"failures   {line}" in shown.splitlines()
    assert line in finished_text(path, 1.0).splitlines()


def test_several_reasons_left_out_are_counted_in_evaluations_and_named_as_reasons(tmp_path):
    path = _run(tmp_path, ["first"] * 4 + ["second"] * 3 + ["third"] * 2 + ["fourth"])
    with Trajectory(path) as trajectory:
        line = failure_line(trajectory, summarize(trajectory))
    assert line.startswith('10 failed: 4 × "ValueError: first xxx') and ', 3 × "ValueError: second xx' in line \
        and line.endswith('...", 3 with 2 other reasons'), line
    assert _counted(line) == 10 and len(line) <= 150


def test_the_failures_figure_and_the_report_count_the_messages_past_their_rows(tmp_path):
    from l2l.analysis.report import _failures
    from l2l.plot.data import load_run
    from l2l.plot.panels import error_summary, others_text

    path = _run(tmp_path, ["first"] * 3 + ["second"] * 2 + ["third"] * 2 + ["fourth"])
    run = load_run(path, errors=True)
    table = error_summary(run, limit=2)
    assert table["count"].tolist() == [3, 2] and others_text(table) == "3 more with 2 other messages"
    assert others_text(error_summary(run, limit=3)) == "1 more with another message"
    assert others_text(error_summary(run, limit=4)) == ""
    assert "<p>and" not in _failures(run)  # the report's 20 rows hold every message


def test_the_report_and_the_figure_say_how_many_failures_their_rows_leave_out(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from l2l.analysis.report import _failures
    from l2l.plot import figures
    from l2l.plot.data import load_run

    # 22 messages, 23 failures (reasons that differ in a word: differing only in a number they would be one)
    path = _run(tmp_path, ["first"] * 2 + [f"reason {letter}" for letter in "abcdefghijklmnopqrstu"])
    assert "<p>and 2 more with 2 other messages.</p>" in _failures(load_run(path, errors=True))
    figure = figures.failures(path)
    texts = [text.get_text() for ax in figure.axes for text in ax.texts]
    assert any(text.endswith("...   16 more with 16 other messages") for text in texts), texts

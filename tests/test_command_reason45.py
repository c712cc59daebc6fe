"""A command that exits 1 fails with its informative line on stderr, not its last: a program whose message ended
in 'For more information, see' and a URL, or a row of dashes, failed as 'command exited with status 1: https://...'
('... : ----------'), in l2l show and the closing lines."""

from __future__ import annotations

import sys

import pytest

import l2l
from conftest import make_config
from l2l.summary import finished_text

PROGRAM = "import sys; sys.stderr.write({!r}); sys.exit(1)"


@pytest.mark.parametrize("stderr, said", [
    ("error: data file 'spikes.csv' not found\nFor more information, see\nhttps://example.org/faq\n\n",
     "error: data file 'spikes.csv' not found"),
    ("Traceback (most recent call last):\n  File \"model.py\", line 3\nValueError: rate must be positive\n"
     + "-" * 30 + "\n", "ValueError: rate must be positive"),
])
def test_a_command_exiting_1_is_said_by_its_informative_line_on_stderr(tmp_path, stderr, said):
    config = make_config(run={"name": "cmd", "generations": 1}, optimizer={"name": "random", "population_size": 2},
                         simulator={"name": "command", "argv": [sys.executable, "-c", PROGRAM.format(stderr)]})
    path = l2l.run(config, tmp_path / "r.h5", progress=False)
    line = finished_text(path, 1.0).splitlines()[1]
    assert line == f'2 failed: 2 × "EvaluationError: command exited with status 1: {said}"', line
    assert (l2l.load(path)["error"].str.contains(stderr.strip().splitlines()[-1], regex=False)).all()

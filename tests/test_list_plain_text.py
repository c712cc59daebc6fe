"""``l2l list`` prints each component's summary as plain text: the first paragraph of its docstring, where Sphinx
markup (``:class:`~l2l...```, double backquotes) is noise to a user at a terminal; nest and brian2 printed it."""

from __future__ import annotations

import re

import pytest

from l2l.cli import main


@pytest.mark.parametrize("kind", ["optimizers", "simulators", "backends", "policies"])
def test_every_summary_l2l_list_prints_is_plain_text(kind, capsys):
    assert main(["list", kind]) == 0
    out = capsys.readouterr().out
    assert out.strip(), out
    markup = [line for line in out.splitlines() if re.search(r":(class|func|mod|meth|attr|data):`|``", line)]
    assert not markup, markup

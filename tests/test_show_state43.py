"""``l2l show`` says where the last committed state (what ``l2l resume`` continues from) cannot be read.

Before, a file whose last state no longer matched its checksum showed as a finished run like any other: ``l2l
show`` reads the state only for what it counts, and a summary never fails on those, so a resume was the first to
refuse it. Now a ``state`` line names the problem and what to run; the rest of the summary is printed as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_toml
from test_state_checksum42 import SWEEP, _change_a_digit

import l2l


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("show_state")
    return Path(l2l.run(l2l.load_config(write_toml(folder / "crc.toml", SWEEP)), folder / "crc.h5", progress=False))


def test_show_names_a_last_state_that_fails_its_checksum(run, tmp_path, l2l_here):
    intact = l2l_here("show", run, cwd=tmp_path)
    assert intact.returncode == 0 and "\nstate " not in intact.stdout, intact.stdout

    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(run.read_bytes())
    _change_a_digit(damaged, 1)
    shown = l2l_here("show", damaged, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if line.startswith("state ")]
    assert lines == ["state      the state of generation 1 cannot be read: its bytes do not match the checksum stored "
                     "with it: the file was changed or damaged after it was written; l2l resume will refuse the file: "
                     f"l2l validate {damaged} names every problem"], shown.stdout
    assert "best 6 by value" in shown.stdout  # the rest of the summary as before

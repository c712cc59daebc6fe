"""A porter from the original L2L writes its cross-entropy example's `smoothing = 0.0` (there the weight of the old
distribution: no memory). l2l's smoothing is the weight of the new fit, so 0 is refused; the line now says that the
two are the other way round and what to give (before: only 'must be in (0, 1], got 0.0')."""

from pathlib import Path

import pytest

from l2l.cli import main

CONFIG = """[run]
name = "ce"
generations = 1
[space]
x = {{low = -1.0, high = 1.0}}
[optimizer]
name = "{name}"
smoothing = 0.0
[simulator]
name = "sphere"
[backend]
name = "serial"
"""


@pytest.mark.parametrize("name", ["cross-entropy", "face"])
def test_smoothing_zero_says_it_is_the_other_way_round(tmp_path: Path, capsys, name: str) -> None:
    (tmp_path / "ce.toml").write_text(CONFIG.format(name=name))
    assert main(["run", str(tmp_path / "ce.toml"), "-o", str(tmp_path / "ce.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "smoothing must be in (0, 1], got 0.0" in err[0] and "give 1 - smoothing" in err[0], err[0]
    assert not (tmp_path / "ce.h5").exists()

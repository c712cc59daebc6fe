"""``l2l run CONFIG -o results.csv`` is refused: the run writes an HDF5 trajectory, never a table or a figure.

A newcomer's guess that run writes what export writes ran the whole sweep into an HDF5 file named results.csv
(pandas' read_csv then failed on it); now one line names the problem and the command that writes the CSV,
exit 2, nothing created.
"""

from __future__ import annotations

import pytest

from l2l.cli import main

CONFIG = ('[run]\nname = "t"\ngenerations = 1\n[space]\nx = { type = "float", low = -1.0, high = 1.0 }\n'
          '[optimizer]\nname = "random"\npopulation_size = 2\n[simulator]\nname = "sphere"\n[backend]\nname = "serial"\n')


@pytest.mark.parametrize("out, said", [
    ("results.csv", "--out names the run's HDF5 trajectory, not a csv file: give it e.g. results.h5 "
                    "(then l2l export results.h5 -o results.csv)"),
    ("fig.png", "--out names the run's HDF5 trajectory, not a png file: give it e.g. fig.h5 "
                "(then l2l plot fig.h5 -o fig.png)"),
    ("notes.txt", "--out names the run's HDF5 trajectory, not a txt file: give it e.g. notes.h5"),
])
def test_a_table_or_figure_name_for_the_trajectory_is_refused(tmp_path, capsys, out, said):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    assert main(["run", str(config), "-o", str(tmp_path / out), "--no-progress"]) == 2
    assert capsys.readouterr().err == f"l2l: error: {said}\n"
    assert list(tmp_path.iterdir()) == [config]


def test_a_trajectory_suffix_still_runs(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    assert main(["run", str(config), "-o", str(tmp_path / "r.hdf5"), "--no-progress"]) == 0
    assert (tmp_path / "r.hdf5").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"

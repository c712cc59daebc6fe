"""l2l export -o runs.json wrote CSV into a .json file without a word; an output whose suffix names another data
format (and no --format) is refused in one line, exit 2, nothing written; --format csv writes CSV under that name
as asked, and a suffix of no known format (.txt) is CSV as before."""

from __future__ import annotations

import pytest

import l2l
from l2l.cli import main

CONFIG = {"run": {"seed": 1, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
          "optimizer": {"name": "random", "population_size": 3}, "simulator": {"name": "sphere"},
          "backend": {"name": "serial"}}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return l2l.run(CONFIG, tmp_path_factory.mktemp("export") / "r.h5", progress=False)


@pytest.mark.parametrize("name, kind", [("runs.json", "JSON"), ("runs.xlsx", "Excel"), ("runs.tsv", "TSV")])
def test_an_output_named_as_another_format_is_refused(run, tmp_path, capsys, name, kind):
    assert main(["export", str(run), "-o", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"({kind}), and l2l export writes CSV or Parquet" in err, err
    assert not (tmp_path / name).exists()


def test_csv_under_that_name_when_asked_and_for_a_suffix_of_no_format(run, tmp_path, capsys):
    assert main(["export", str(run), "-o", str(tmp_path / "runs.json"), "--format", "csv"]) == 0
    assert (tmp_path / "runs.json").read_text().startswith("generation,individual,")
    assert main(["export", str(run), "-o", str(tmp_path / "runs.txt")]) == 0
    assert (tmp_path / "runs.txt").read_text().startswith("generation,individual,")

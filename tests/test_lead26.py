"""Small things users met, fixed by the lead (session 26): export formats by suffix, l2l.best of an open file."""

from __future__ import annotations

import importlib.util

import pandas as pd

from conftest import sphere_run_file
from l2l.cli import main


def test_a_suffix_that_contradicts_the_format_is_refused_and_a_parquet_suffix_alone_means_parquet(tmp_path, capsys):
    path = sphere_run_file(tmp_path, "s", 2, 4)
    capsys.readouterr()
    out = tmp_path / "table.parquet"
    # before: CSV text written into table.parquet, exit 0
    assert main(["export", str(path), "--format", "csv", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "names a parquet file and --format is csv" in err and "table.csv" in err
    assert not out.exists()
    status = main(["export", str(path), "-o", str(out)])
    if importlib.util.find_spec("pyarrow") is None:  # the format the suffix names, and its extra, are said
        assert status == 2 and "pip install 'l2l[parquet]'" in capsys.readouterr().err and not out.exists()
    else:
        assert status == 0 and len(pd.read_parquet(out)) == 8
    assert main(["export", str(path), "-o", str(tmp_path / "table.txt")]) == 0  # another suffix: CSV, as before
    assert len(pd.read_csv(tmp_path / "table.txt")) == 8


def test_best_takes_an_open_trajectory_and_names_what_it_takes_otherwise(tmp_path, capsys):
    import pytest

    import l2l

    path = sphere_run_file(tmp_path, "b", 2, 4)
    with l2l.Trajectory(path) as trajectory:  # before: TypeError 'expected str, bytes or os.PathLike object'
        assert l2l.best(trajectory).value == l2l.best(path).value
    with pytest.raises(TypeError, match="a run's file .its path. or a frame of l2l.load"):
        l2l.best(3)


def test_show_says_a_file_where_the_checkpoint_folder_belongs_is_not_a_folder(tmp_path, capsys):
    import shutil

    from test_cli_one_line_errors import TINY_MODEL, TINY_RUN

    (tmp_path / "tiny_model.py").write_text(TINY_MODEL)
    (tmp_path / "beside.toml").write_text(TINY_RUN.format(checkpoints="beside"))
    path = tmp_path / "beside.h5"
    assert main(["run", str(tmp_path / "beside.toml"), "--out", str(path), "--no-progress"]) == 0
    shutil.rmtree(tmp_path / "beside.h5.checkpoints")
    (tmp_path / "beside.h5.checkpoints").write_text("not a folder")
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("checkpoints ")]
    # before: '... is missing (... the file was moved or copied without it)', though it is there, as a file
    assert len(lines) == 1 and "beside.h5.checkpoints is not a folder" in lines[0], lines


def test_a_key_beside_the_objectives_that_is_no_number_is_said_to_be_read_as_a_metric():
    import pytest

    from l2l.jobs.base import normalize

    class Settings:
        objectives = ("loss",)

    with pytest.raises(ValueError, match="'note' of the returned dict is no objective of the run, so it is read as a "
                                         "metric, which must be a number"):
        normalize({"loss": 0.5, "note": "converged"}, Settings())  # before: "objective 'note': could not convert"
    assert normalize({"loss": 0.5, "steps": 3}, Settings())[:2] == ({"loss": 0.5}, {"steps": 3.0})


def bowl(params, seed):
    return float(params["x"] ** 2)


def test_resuming_with_another_function_than_the_runs_says_so_in_one_line(tmp_path, capsys):
    import l2l

    config = l2l.from_mapping({"run": {"name": "bowl", "generations": 2},
                               "space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
                               "optimizer": {"name": "random", "population_size": 4}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "bowl.h5", simulator=bowl)
    capsys.readouterr()
    l2l.resume(path, generations=3, simulator=bowl)  # the same function: nothing said
    assert "warning" not in capsys.readouterr().err
    l2l.resume(path, generations=4, simulator=lambda params, seed: float(params["x"] ** 2))
    lines = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    # before: the run went on with the lambda without a word
    assert lines == ["l2l: warning: this run's simulator was test_lead26:bowl; it goes on with "
                     "test_lead26:test_resuming_with_another_function_than_the_runs_says_so_in_one_line.<locals>.<lambda>"]

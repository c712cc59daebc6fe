"""``l2l submit`` resumes its output file when it exists: only a file of the same run that is not finished."""

from __future__ import annotations

import l2l
from l2l.cli import main
from l2l.control import RunControl
from test_slurm import SLEEP_SPACE, write_toml

RUN = {"run": {"name": "outer", "generations": 3}, "space": SLEEP_SPACE,
       "optimizer": {"name": "random", "population_size": 4}, "simulator": {"name": "sphere"},
       "backend": {"name": "serial"}}


def _interrupted(path, data):
    control = RunControl()
    l2l.run(l2l.from_mapping(data), path, control=control,
            on_generation=lambda info: control.request_stop("test"))
    return path


def test_submit_refuses_a_file_written_from_another_config(tmp_path, capsys):
    _interrupted(tmp_path / "outer.h5", {**RUN, "optimizer": {"name": "ga", "population_size": 4}})
    config = write_toml(tmp_path / "c.toml", RUN)
    assert main(["submit", str(config), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "was not written from c.toml" in err[0] and "optimizer" in err[0], err


def test_submit_refuses_a_finished_run(tmp_path, capsys):
    l2l.run(l2l.from_mapping(RUN), tmp_path / "outer.h5")
    config = write_toml(tmp_path / "c.toml", RUN)
    assert main(["submit", str(config), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "is a finished run" in err and "l2l resume" in err, err


def test_submit_resumes_an_interrupted_run_of_the_same_config(tmp_path, capsys):
    _interrupted(tmp_path / "outer.h5", RUN)
    config = write_toml(tmp_path / "c.toml", RUN)
    assert main(["submit", str(config), "--dry-run"]) == 0
    assert 'set -- resume "$out"' in capsys.readouterr().out  # the job script resumes an existing file
    assert l2l.validate(tmp_path / "outer.h5") == []


def test_run_compute_without_a_policy_is_refused_not_ignored(tmp_path, capsys):
    config = write_toml(tmp_path / "c.toml", {**RUN, "run": {**RUN["run"], "compute": 300}})
    assert main(["run", str(config)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "run.compute applies to a run with a [policy]" in err[0], err
    assert not (tmp_path / "outer.h5").exists()


def test_a_dry_run_notes_an_existing_output_as_the_run_would_and_counts_shaped_parameters(tmp_path, capsys):
    config = write_toml(tmp_path / "c.toml", RUN)
    assert main(["run", str(config), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "random over 1 parameter (2 values)" in out and str(tmp_path / "outer.h5") in out, out
    l2l.run(l2l.from_mapping(RUN), tmp_path / "outer.h5")
    # the dry run prints (it writes nothing: an existing output does not stop it, docs/slurm.md), and says what
    # the run would say
    assert main(["run", str(config), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "is valid" in captured.out and "note: l2l run would stop here: " in captured.err, captured
    assert "already exists" in captured.err, captured

"""Small things users tripped on (session 31, helper-232), kept fixed.

* A whole-number fidelity trained slower than one unit a second showed tqdm's inverse rate on the progress bar,
  ``4.55s/epochs`` (read as seconds per epochs), and a very slow one (10 minutes an epoch) ``0.00epochs/s``: the
  bar of a fidelity gives its rate per second to 2 significant digits however slow (``0.22epochs/s``); so does a
  fractional one's (``0.0017 biological seconds/s``, was ``0.00``), whose bar drawn past its total (a resume of a
  run that overshot its compute by more than half a unit) raised tqdm's TypeError.
* ``l2l.run({"run": {"stop_after_failures": None, ...}})`` was refused (``must be an integer >= 0, got None``) while
  ``l2l.resume(FILE, stop_after_failures=None)`` takes None: None is the value not given, in both (a new run's
  default N, a resumed run's own).
* ``l2l submit --partition=$PART`` with PART unset (so ``--account=``, ``--mem=``, ``--python=``, ``--out=``,
  ``--prologue=``, ``--sbatch=--qos=``) fell back to the default unsaid (sbatch takes ``--qos=""`` as none): one
  line naming the option, exit status 2, nothing written; so are a slurm backend's ``partition = " "`` and
  ``job_extra_directives = ["--qos="]`` (``''`` keeps its documented meaning: the cluster's default).
* A command's file argument given empty (``l2l show "$RUN"`` with RUN unset) was refused in Python's words
  (``path must name a file, got ''``), as ``. is a folder`` (prune) or ``: no such file`` (validate): one line
  naming the argument, exit status 2.
* ``l2l submit --python .venv/bin/python`` was written into the job script as given, and the job starts in the
  output's folder: with ``--out`` in another folder the job failed as it started; ``--python`` a folder (``.venv``)
  failed with bash's 'Is a directory' after the job's wait in the queue. A path is made absolute; a folder refused.
* ``l2l submit --out c.toml/run.h5`` (a file where a folder must be) ended in a traceback (FileExistsError).
"""

from __future__ import annotations

import pytest

import l2l
from l2l.progress import Progress, rate_unit
from l2l.summary import summary_of
from l2l.simulators.base import Fidelity


def _drawn(bar: Progress, rate: float) -> str:
    """The bar as tqdm draws it after 10 s at ``rate`` units a second."""
    try:
        return bar.bar.format_meter(**{**bar.bar.format_dict, "rate": rate, "elapsed": 10.0})
    finally:
        bar.close()


@pytest.mark.parametrize("rate, shown", [(0.22, "0.22epochs/s"), (1 / 600, "0.0017epochs/s"),
                                         (12.3, "12.30epochs/s")])
def test_a_whole_fidelitys_slow_rate_is_given_per_second(rate, shown):
    """Before: '4.55s/epochs' below one epoch a second, '0.00epochs/s' from 10 minutes an epoch."""
    unit = rate_unit(Fidelity("epochs", "training epochs", 1, 27))
    drawn = _drawn(Progress(True, 27, 2, unit=unit), rate)
    assert shown in drawn and "s/epochs" not in drawn, drawn
    assert "| 2/27 [" in drawn, drawn  # the count as tqdm gives a whole one


def test_an_evaluation_bars_slow_rate_stays_seconds_per_evaluation():
    drawn = _drawn(Progress(True, 30, 2), 0.16)
    assert "6.25s/eval" in drawn, drawn


def test_a_fractional_fidelitys_very_slow_rate_has_its_digits():
    drawn = _drawn(Progress(True, 3.0, 0.3, unit=" biological seconds", fractional=True), 1 / 600)
    assert "0.0017 biological seconds/s" in drawn, drawn  # before: ' 0.00 biological seconds/s'


def test_a_fractional_bar_past_its_total_is_drawn():
    """Drawn past its total by more than half a unit tqdm drops the total: the count of 4 significant digits
    formatted None ('unsupported format string passed to NoneType.__format__')."""
    drawn = _drawn(Progress(True, 3.0, 3.6, unit=" biological seconds", fractional=True), 0.2)
    assert "3.6 biological seconds [" in drawn and "0.2 biological seconds/s" in drawn, drawn


def _sphere(**run) -> dict:
    return {"run": {"name": "s", "seed": 1, "generations": 1, **run}, "space": {"x": {"low": 0.0, "high": 1.0}},
            "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"},
            "backend": {"name": "serial"}}


def test_stop_after_failures_none_in_a_run_config_is_the_default(tmp_path):
    assert l2l.from_mapping(_sphere(stop_after_failures=None)) == l2l.from_mapping(_sphere())
    path = l2l.run(_sphere(stop_after_failures=None), tmp_path / "run.h5")  # before: ConfigError
    assert summary_of(path).status == "finished"
    l2l.resume(path, generations=2, stop_after_failures=None)  # as a resume took it already
    assert len(l2l.load(path)) == 4


@pytest.mark.parametrize("value", [-1, 2.0, True, "3"])
def test_stop_after_failures_other_than_an_integer_is_refused_by_run_and_resume_alike(tmp_path, value):
    with pytest.raises(l2l.ConfigError, match="stop_after_failures.* must be an integer >= 0"):
        l2l.from_mapping(_sphere(stop_after_failures=value))
    path = l2l.run(_sphere(), tmp_path / "run.h5")
    with pytest.raises(l2l.ConfigError, match="stop_after_failures.* must be an integer >= 0"):
        l2l.resume(path, generations=2, stop_after_failures=value)


@pytest.mark.parametrize("given, named", [
    ("--partition=", "--partition is empty"), ("--account=", "--account is empty"), ("--mem=", "--mem is empty"),
    ("--python=", "--python is empty"), ("--out=", "--out is empty"), ("--prologue=", "--prologue is empty"),
    ("--partition= ", "--partition is blank"), ("--sbatch=--qos=", "extra directive '--qos=' has no value")])
def test_submit_refuses_an_option_given_empty(tmp_path, capsys, given, named):
    from slurm_helpers import OUTER_RUN, write_toml

    from l2l.cli import main

    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    assert main(["submit", str(config), "--dry-run", given]) == 2  # before: 0, the default used
    out, err = capsys.readouterr()
    assert not out and err.count("\n") == 1 and err.startswith("l2l: error: l2l submit: ") and named in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


@pytest.mark.parametrize("backend", ["slurm", "slurm-array"])
@pytest.mark.parametrize("option, value, said", [
    ("partition", " ", "partition = ' ' is blank"),
    ("job_extra_directives", ["--qos="], "extra directive '--qos=' has no value after '='")])
def test_a_slurm_backends_blank_option_is_refused_as_the_config_is_read(tmp_path, capsys, backend, option, value,
                                                                        said):
    from slurm_helpers import OUTER_RUN, write_toml

    from l2l.cli import main

    config = write_toml(tmp_path / "c.toml", {**OUTER_RUN, "backend": {"name": backend, option: value}})
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"backend '{backend}': {said}" in err, err
    assert not (tmp_path / "run.h5").exists()


@pytest.mark.parametrize("argv, named", [
    (["show", ""], "FILE"), (["prune", ""], "FILE"), (["validate", "x.h5", ""], "one of FILES"),
    (["plot", ""], "FILE"), (["export", ""], "FILE"), (["resume", ""], "FILE"), (["compare", "x.h5", ""],
                                                                              "one of FILES"),
    (["run", ""], "CONFIG"), (["submit", "", "--dry-run"], "CONFIG")])
def test_a_file_argument_given_empty_is_named_in_one_line(tmp_path, capsys, monkeypatch, argv, named):
    from l2l.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"l2l: error: argument {named} is empty (an unset shell variable?); give ") \
        and err.endswith(f"(see 'l2l {argv[0]} --help')\n") and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_submit_makes_a_relative_python_absolute_and_refuses_a_folder(tmp_path, capsys, monkeypatch):
    from slurm_helpers import OUTER_RUN, write_toml

    from l2l.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    argv = ["submit", str(config), "--dry-run", "--out", "runs/r.h5", "--python"]
    assert main([*argv, ".venv/bin/python"]) == 0
    script = capsys.readouterr().out  # the job runs in runs/: before, '.venv/bin/python -m l2l.commands.slurm'
    assert f"\n{tmp_path / '.venv' / 'bin' / 'python'} -m l2l.commands.slurm " in script, script
    assert main([*argv, "python3"]) == 0  # a bare name is the job's PATH's
    assert "\npython3 -m l2l.commands.slurm " in capsys.readouterr().out
    assert main([*argv, "./.venv"]) == 2
    err = capsys.readouterr().err
    assert err == ("l2l: error: l2l submit: --python ./.venv is a folder; give the interpreter in it, e.g. "
                   "./.venv/bin/python\n"), err


@pytest.mark.parametrize("dry_run", [["--dry-run"], []])
def test_submit_into_a_file_as_a_folder_is_refused_in_one_line(tmp_path, capsys, dry_run):
    from slurm_helpers import OUTER_RUN, write_toml

    from l2l.cli import main

    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    assert main(["submit", str(config), "--out", str(config / "run.h5"), *dry_run]) == 2  # before: a traceback
    err = capsys.readouterr().err
    assert err == (f"l2l: error: l2l submit: cannot create {config / 'run.h5'}: {config} is not a folder; choose "
                   f"another --out\n"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]

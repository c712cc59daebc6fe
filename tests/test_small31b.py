"""Small things users tripped on (session 31, helper-237), kept fixed.

* ``l2l resume FILE --max-time 0`` of a run that ended within 0.05 s read "the run has 0.0 seconds of run time used
  already; --max-time must be at least 0.0": the figure rounded to 0.1 s, and 0.0 given back refused again. The
  figure is given to its digits and the least a resume takes rounded up, so that it is taken when given back.
* ``run.out = "dir.h5"`` naming a folder was refused with "give --out a file name" (by ``l2l run``, its dry run and
  ``l2l.run``; ``l2l submit`` said ``--out`` too): the refusal names ``run.out`` as the config gave it.
* The ``slurm-array`` backend's ``python = "venv/bin/python"`` was written into the job script as given, and each
  task starts in its batch's folder: every task failed with 'No such file or directory' (checked on the real
  SLURM; the run ended 'finished' with every evaluation failed). It is made absolute beside the config as the config
  is read (the helper ``l2l submit --python`` uses); a folder is refused.
* The ``dask`` backend's ``address = " "`` or ``scheduler_file`` naming a folder passed ``--dry-run`` and a real run
  was refused only after it started (' ' waited ``timeout`` for a file named ' '): refused as the config is read.
* Found by giving every backend's and policy's keys wrong values (scripts/fuzz_cli30.py covers pbt and model-based):
  the dask ``address = "abc"`` passed ``--dry-run``; the slurm ``log_directory`` naming a file ended the run in a
  traceback; slurm-array ``poll_max``/``result_grace`` = 1e30 were taken.
"""

from __future__ import annotations

import re

import pytest

import l2l
from l2l.errors import ConfigError


def _sphere(**tables) -> dict:
    return {"run": {"name": "s", "seed": 1, "generations": 1}, "space": {"x": {"low": 0.0, "high": 1.0}},
            "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"},
            "backend": {"name": "serial"}, **tables}


def _toml(path, mapping) -> str:
    from slurm_helpers import write_toml

    return str(write_toml(path, mapping))


@pytest.mark.parametrize("elapsed, figure, least", [(0.0123, "0.0123", "0.013"), (0.04, "0.04", "0.040"),
                                                    (0.3, "0.3", "0.3"), (12.04, "12.0", "12.1"),
                                                    (3600.55, "3600.6", "3600.6")])
def test_a_lowered_max_time_is_refused_with_a_figure_that_is_taken_back(elapsed, figure, least):
    from l2l.resume_limits import check_raised

    with pytest.raises(ConfigError) as refused:
        check_raised({"elapsed": elapsed}, True, max_time=0)
    assert str(refused.value) == (f"the run has {figure} seconds of run time used already; max_time= must be at "
                                  f"least {least}"), refused.value  # before: '0.0' and '0.0' for 0.0123 and 0.04
    check_raised({"elapsed": elapsed}, True, max_time=float(least))  # the figure asked for is taken


def test_resume_max_time_0_says_a_least_figure_the_resume_then_takes(tmp_path, capsys):
    from l2l.cli import main

    path = l2l.run(_sphere(), tmp_path / "run.h5")  # a run of a few milliseconds
    assert main(["resume", str(path), "--max-time", "0"]) == 2
    err = capsys.readouterr().err
    match = re.fullmatch(r"l2l: error: the run has (\S+) seconds of run time used already; --max-time must be at "
                         r"least (\S+)\n", err)
    assert match and float(match[1]) > 0 and float(match[2]) >= float(match[1]), err  # before: '0.0' and '0.0'
    assert main(["resume", str(path), "--max-time", match[2]]) == 0, capsys.readouterr().err  # nothing more to run


@pytest.mark.parametrize("argv", [["run"], ["run", "--dry-run"], ["submit", "--dry-run"]])
def test_run_out_naming_a_folder_is_named_as_the_config_gave_it(tmp_path, capsys, argv):
    from l2l.cli import main

    (tmp_path / "dir.h5").mkdir()
    config = _toml(tmp_path / "c.toml", _sphere(run={"name": "s", "generations": 1, "out": "dir.h5"}))
    assert main([argv[0], config, *argv[1:]]) == 2
    err = capsys.readouterr().err
    prefix = "l2l submit: " if argv[0] == "submit" else ""  # before: 'give --out a file name', or (submit) '... exists
    # and cannot be resumed (... is a folder, not an l2l trajectory); choose another --out'
    assert err == (f'l2l: error: {prefix}run.out = "dir.h5" in the config names a folder ({tmp_path / "dir.h5"}); '
                   f'give run.out a file name, e.g. "dir.h5/run.h5", or give --out FILE\n'), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "dir.h5"]


def test_run_out_naming_a_folder_is_named_by_l2l_run_and_out_given_is_named_as_out(tmp_path):
    (tmp_path / "dir.h5").mkdir()
    config = l2l.from_mapping(_sphere(run={"name": "s", "generations": 1, "out": "dir.h5"}), base_dir=tmp_path)
    with pytest.raises(l2l.TrajectoryError, match=r'^run\.out = "dir\.h5" in the config names a folder .*, or give '
                                                  r'out=FILE$'):
        l2l.run(config)
    with pytest.raises(l2l.TrajectoryError, match=r"dir\.h5 is a folder; give out= a file name"):
        l2l.run(config, tmp_path / "dir.h5")


def test_slurm_array_python_path_is_made_absolute_beside_the_config(tmp_path, capsys, monkeypatch):
    from l2l.cli import main

    (tmp_path / "project" / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    config = _toml(tmp_path / "project" / "c.toml", _sphere(backend={"name": "slurm-array",
                                                                    "python": "venv/bin/python"}))
    assert main(["run", config, "--dry-run"]) == 0
    script = capsys.readouterr().out  # before: 'venv/bin/python -m l2l.jobs.array_task', looked for in the batch's
    # folder where each task starts: 'No such file or directory', every evaluation failed
    assert f"\n{tmp_path / 'project' / 'venv' / 'bin' / 'python'} -m l2l.jobs.array_task " in script, script
    assert l2l.load_config(config).backend.options["python"] == str(tmp_path / "project" / "venv" / "bin" / "python")
    bare = _toml(tmp_path / "project" / "bare.toml", _sphere(backend={"name": "slurm-array", "python": "python3"}))
    assert main(["run", bare, "--dry-run"]) == 0
    assert "\npython3 -m l2l.jobs.array_task " in capsys.readouterr().out  # a bare name: the job's PATH's
    folder = _toml(tmp_path / "project" / "f.toml", _sphere(backend={"name": "slurm-array", "python": "./venv"}))
    assert main(["run", folder, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err == ("l2l: error: backend 'slurm-array': python = './venv' is a folder; give the interpreter in it, "
                   "e.g. ./venv/bin/python\n"), err


@pytest.mark.parametrize("options, said", [
    ({"address": " "}, "backend 'dask': address = ' ' is blank; give a value, or leave it out"),
    ({"address": " ", "scheduler_file": "s.json"}, "backend 'dask': address = ' ' is blank"),
    ({"scheduler_file": " "}, "backend 'dask': scheduler_file = ' ' is blank"),
    ({"scheduler_file": "SCHED"}, "backend 'dask': scheduler_file 'TMP/SCHED' is a folder; give the file 'dask "
                                  "scheduler --scheduler-file FILE' writes, e.g. 'TMP/SCHED/scheduler.json'"),
    ({"scheduler_file": "SCHED/"}, "backend 'dask': scheduler_file 'TMP/SCHED' is a folder")])  # beside the config
@pytest.mark.parametrize("dry_run", [["--dry-run"], []])
def test_a_dask_backends_blank_address_or_folder_scheduler_file_is_refused_as_the_config_is_read(
        tmp_path, capsys, monkeypatch, options, said, dry_run):
    from l2l.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "SCHED").mkdir()
    config = _toml(tmp_path / "c.toml", _sphere(backend={"name": "dask", "timeout": 2, **options}))
    assert main(["run", config, "--out", "run.h5", *dry_run]) == 2  # before: 0 (dry run); refused after the run
    # started ('missing port number', a wait of timeout for a file ' ', 'Is a directory')
    err = capsys.readouterr().err
    assert err.startswith(f"l2l: error: {said.replace('TMP/', f'{tmp_path}/')}") and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SCHED", "c.toml"]


@pytest.mark.parametrize("backend, said", [
    ({"name": "dask", "address": "abc"}, "backend 'dask': address 'abc' is not a Dask scheduler's (missing port"),
    ({"name": "dask", "address": "http://127.0.0.1:8787"}, "backend 'dask': address 'http://127.0.0.1:8787' is not "
                                                           "a Dask scheduler's"),
    ({"name": "slurm-array", "poll_max": 1e30}, "backend 'slurm-array': poll_max must be <= 3600, got 1e+30"),
    ({"name": "slurm-array", "result_grace": 1e30}, "backend 'slurm-array': result_grace must be <= 86400"),
    ({"name": "slurm", "log_directory": "c.toml"}, "backend 'slurm': log_directory 'TMP/c.toml' is not a folder; give "
                                                   "the folder of the worker jobs' logs")])
def test_a_backend_option_no_run_can_use_is_refused_by_the_dry_run(tmp_path, capsys, monkeypatch, backend, said):
    """Before: each passed --dry-run; the dask address was refused only as the run started, the log_directory a file
    ended the run in a FileExistsError traceback (exit 1, the run's file left), and poll_max = 1e30 let the pauses
    between squeue calls grow without end (result_grace: a lost task never counted as lost)."""
    from l2l.cli import main

    monkeypatch.chdir(tmp_path)
    config = _toml(tmp_path / "c.toml", _sphere(backend=backend))
    assert main(["run", config, "--out", "run.h5", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"l2l: error: {said.replace('TMP/', f'{tmp_path}/')}") and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


@pytest.mark.parametrize("argv, extra, said", [
    (["run", "--dry-run"], {"name": "slurm-array", "job_extra_directives": ["--qos=normal", "--time=1"]},
     "backend 'slurm-array': extra directive '--time=1' sets the time limit, which l2l writes from walltime"),
    (["run", "--dry-run"], {"name": "slurm", "job_extra_directives": ["-t 5"]},
     "backend 'slurm': extra directive '-t 5' sets the time limit, which l2l writes from walltime"),
    (["submit", "--dry-run", "--sbatch=-t1"], {"name": "serial"},
     "l2l submit: --sbatch: extra directive '-t1' sets the time limit, which l2l writes from --time")])
def test_an_extra_time_limit_directive_is_refused_naming_the_option_that_sets_it(tmp_path, capsys, monkeypatch, argv,
                                                                                  extra, said):
    """Before: written after l2l's own --time line, which sbatch let it override (checked on the real SLURM:
    walltime 00:30:00 with --time=1 gave jobs of one minute, killed while l2l counted on 30)."""
    from l2l.cli import main

    monkeypatch.chdir(tmp_path)
    config = _toml(tmp_path / "c.toml", _sphere(backend=extra))
    assert main([argv[0], config, *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"l2l: error: {said}") and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]

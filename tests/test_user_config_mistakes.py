"""A new user's own config mistakes that used to slip through validation: each is now refused in one line,
exit status 2, before an output file exists.

* a categorical default written as another type than its choice (1.0 for the choice 1): accepted, then the
  run died after creating its file, and the corrected config was refused because that file existed;
* a ``command`` placeholder such as ``{workdir}`` that is also a parameter's name: the program received the
  working directory instead of the parameter's value;
* a ``python`` simulator's ``path`` naming a folder that does not exist: skipped, and a module of the same name
  imported from wherever Python found one (here the working directory).
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from l2l.cli import main
from l2l.errors import ConfigError
from l2l.space import Space

ROOT = Path(__file__).resolve().parent.parent


def _config(folder, space, simulator):
    path = folder / "c.toml"
    path.write_text(textwrap.dedent("""
        [run]
        name = "r"
        generations = 1
        [space]
        {space}
        [optimizer]
        name = "{optimizer}"
        population_size = 4
        [simulator]
        {simulator}
        [[objectives]]
        name = "loss"
        [backend]
        name = "serial"
        """).format(space=space, simulator=simulator, optimizer="cmaes" if "default" in space else "random"))
    return path


def _error_line(capsys):
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("choices, default, message", [
    ("[1, 2]", "1.0", "got 1.0 (float 1.0 is not the int choice 1"),
    ("[0, 1]", "false", "got False (bool False is not the int choice 0"),
    ('["a", "b"]', '"c"', "got 'c'"),
])
def test_a_categorical_default_that_is_no_choice_is_refused_before_the_run_file_exists(tmp_path, capsys, choices,
                                                                                       default, message):
    (tmp_path / "model.py").write_text("def f(params, seed):\n    return params['x']\n")
    space = f'a = {{ type = "categorical", choices = {choices}, default = {default} }}\n' \
            f'x = {{ type = "float", low = 0.0, high = 1.0 }}'
    config = _config(tmp_path, space, 'name = "python"\nfunction = "model:f"')
    assert main(["run", str(config), "--no-progress"]) == 2
    line = _error_line(capsys)
    assert line.startswith("l2l: error: parameter 'a': default must be one of ") and message in line
    assert not (tmp_path / "r.h5").exists()
    # written as the choice is written, it runs
    config.write_text(config.read_text().replace(f"default = {default}", "default = " + choices[1:].split(",")[0]))
    assert main(["run", str(config), "--no-progress"]) == 0


def test_a_categorical_default_matches_a_choice_of_its_own_type():
    space = Space.from_json({"a": {"type": "categorical", "choices": [1, 1.0], "default": 1.0}})
    assert space.decode(space.default()) == {"a": 1.0} and isinstance(space.decode(space.default())["a"], float)
    with pytest.raises(ConfigError, match="is not the bool choice True"):
        Space.from_json({"a": {"type": "categorical", "choices": [True, False], "default": 1}})


@pytest.mark.parametrize("name, placeholder, fidelity", [
    ("workdir", "{workdir}", ""),
    ("config_dir", "--dir={config_dir}", ""),
    ("budget", "{budget}", 'multi_fidelity = { name = "epochs", minimum = 1, maximum = 3 }'),
])
def test_a_command_placeholder_that_is_also_a_parameter_name_is_refused(tmp_path, capsys, name, placeholder,
                                                                        fidelity):
    space = f'{name} = {{ type = "float", low = 0.0, high = 1.0 }}'
    simulator = f'name = "command"\nargv = ["{sys.executable}", "prog.py", "{placeholder}"]\n{fidelity}'
    config = _config(tmp_path, space, simulator)
    assert main(["run", str(config), "--no-progress"]) == 2
    assert _error_line(capsys) == (f"l2l: error: simulator 'command': placeholder {{{name}}} in {placeholder!r} "
                                   f"is l2l's " + {"workdir": "working directory of the evaluation",
                                                   "config_dir": "folder of the config file",
                                                   "budget": "budget of the segment (multi_fidelity)"}[name]
                                   + f", so it cannot pass parameter {name!r}; rename the parameter")
    assert not (tmp_path / "r.h5").exists()


def test_a_parameter_named_like_a_placeholder_is_fine_when_the_template_does_not_use_it(tmp_path):
    (tmp_path / "prog.py").write_text(textwrap.dedent("""
        import json, sys
        params = json.load(open("params.json"))["params"]
        print(json.dumps({"loss": params["workdir"] + float(sys.argv[1])}))
        """))
    config = _config(tmp_path, 'workdir = { type = "float", low = 0.0, high = 1.0 }',
                     f'name = "command"\nargv = ["{sys.executable}", "{{config_dir}}/prog.py", "0"]')
    assert main(["run", str(config), "--no-progress"]) == 0
    import l2l
    frame = l2l.load(tmp_path / "r.h5")
    assert list(frame["loss"]) == list(frame["workdir"])


def test_a_python_path_that_is_no_folder_is_refused_not_skipped(tmp_path, capsys, monkeypatch):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "model.py").write_text("def f(params, seed):\n    return 1.0\n")
    elsewhere = tmp_path / "elsewhere"  # a model.py of the same name where Python finds it (the working directory)
    elsewhere.mkdir()
    (elsewhere / "model.py").write_text("def f(params, seed):\n    return 99.0\n")
    monkeypatch.syspath_prepend(str(elsewhere))
    project = tmp_path / "project"
    project.mkdir()
    config = _config(project, 'x = { type = "float", low = 0.0, high = 1.0 }',
                     'name = "python"\nfunction = "model:f"\npath = "../modles"')
    assert main(["run", str(config), "--no-progress"]) == 2
    assert _error_line(capsys) == (f"l2l: error: simulator 'python': path '../modles' is not a folder "
                                   f"({tmp_path.resolve()}/modles); it names the folder that holds the module of "
                                   f"'function' (default: the config's folder)")
    assert not (project / "r.h5").exists()
    config.write_text(config.read_text().replace("../modles", "../models"))
    assert main(["run", str(config), "--no-progress"]) == 0
    import l2l
    assert set(l2l.load(project / "r.h5")["loss"]) == {1.0}


def test_a_module_in_a_folder_that_is_gone_is_not_imported_from_elsewhere(tmp_path, monkeypatch):
    """A stored run's folder moved away: a module of the same name where Python finds it is another model."""
    from l2l.simulators.python_import import load_function

    gone = tmp_path / "moved_away"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "l2l_gone_model.py").write_text("def f(params, seed):\n    return 99.0\n")
    monkeypatch.syspath_prepend(str(elsewhere))
    with pytest.raises(ConfigError, match=r"the folder " + str(gone).replace("/", r"\/") + r" that held module "
                                          r"'l2l_gone_model' is gone \(moved or deleted\?\)"):
        load_function("l2l_gone_model:f", str(gone))


def test_resuming_a_moved_project_is_refused_in_one_line_not_run_with_another_model(tmp_path):
    """Run in A, move A to B, resume B/r.h5 from a folder that has a mymodel.py of its own: exit 2, one line,
    the file untouched (it went on with the working directory's model)."""
    import hashlib
    import shutil
    import subprocess
    import sys

    project = tmp_path / "A"
    project.mkdir()
    (project / "mymodel.py").write_text("def f(params, seed):\n    return float(params['x'])\n")
    config = _config(project, 'x = { type = "float", low = 0.0, high = 1.0 }',
                     'name = "python"\nfunction = "mymodel:f"')
    assert main(["run", str(config), "--no-progress"]) == 0
    moved = tmp_path / "B"
    shutil.move(str(project), str(moved))
    here = tmp_path / "here"
    here.mkdir()
    (here / "mymodel.py").write_text("def f(params, seed):\n    return 99.0\n")
    run = moved / "r.h5"
    before = hashlib.sha256(run.read_bytes()).hexdigest()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "l2l", "resume", str(run), "--generations", "3", "--no-progress"],
                          cwd=here, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "that held module 'mymodel' is gone" in lines[0], done.stderr
    assert hashlib.sha256(run.read_bytes()).hexdigest() == before

@pytest.mark.parametrize("placeholder", ["{x:.3f}", "{x!r}", "--x={x:>8}"])
def test_a_command_placeholder_with_a_format_is_refused_in_one_line(tmp_path, capsys, placeholder):
    """'{x:.3f}' passed the checks and failed every evaluation ('Unknown format code'); '{x!r}' passed the
    value in quotes."""
    config = _config(tmp_path, 'x = { type = "float", low = 0.0, high = 1.0 }',
                     f'name = "command"\nargv = ["python", "prog.py", "{placeholder}"]')
    assert main(["run", str(config), "--no-progress"]) == 2
    line = _error_line(capsys)
    assert line.startswith("l2l: error: simulator 'command': placeholder {x") and "has a format; write {x}" in line
    assert not (tmp_path / "r.h5").exists()


def test_a_relative_command_workdir_is_beside_the_config_not_where_l2l_was_started(tmp_path, monkeypatch):
    """workdir = "runs" run from another folder wrote the working directories there, unlike path."""
    project = tmp_path / "project"
    project.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config = _config(project, 'x = { type = "float", low = 0.0, high = 1.0 }',
                     f'name = "command"\nargv = ["{sys.executable}", "-c", "print({{x}})"]\n'
                     f'workdir = "runs"\nkeep_workdirs = true')
    monkeypatch.chdir(elsewhere)
    assert main(["run", str(config), "--no-progress"]) == 0
    assert len(list((project / "runs").glob("g*/i*"))) == 4  # one per evaluation, kept
    assert not (elsewhere / "runs").exists()

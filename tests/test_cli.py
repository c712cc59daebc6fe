"""The command line: clear refusals, no file left behind, useful summaries."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import l2l
from l2l.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

GOOD = """
[run]
name = "cli"
seed = 2
generations = 3
[space]
x = { type = "float", low = -1.0, high = 1.0, shape = [2] }
[optimizer]
name = "ga"
population_size = 6
[simulator]
name = "sphere"
[backend]
name = "serial"
"""


def _write(tmp_path, text, name="config.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("change, message", [
    (("population_size = 6", "population_size = 0"), "optimizer 'ga': population_size must be >= 2, got 0"),
    (("population_size = 6", "populaton_size = 6"),
     "optimizer 'ga': unknown option 'populaton_size' (did you mean 'population_size'?); allowed:"),
    (("seed = 2", "seed = -1"), "run.seed must be an integer >= 0, got -1"),
    (("generations = 3", "generatons = 3"), "unknown key run.'generatons'"),
    (('name = "sphere"', 'name = "spheer"'), "unknown simulator 'spheer' (did you mean 'sphere'?); available:"),
    (('name = "sphere"', 'name = "Sphere"'), "unknown simulator 'Sphere' (did you mean 'sphere'?); available:"),
    (('name = "ga"', 'name = "G_A"'), "unknown optimizer 'G_A' (did you mean 'ga'?); available:"),
    (('low = -1.0, high = 1.0', 'low = 1.0, high = -1.0'), "low < high must hold"),
    (('name = "serial"', 'name = "cloud"'), "unknown backend 'cloud'"),
    (("[backend]", "[backends]"), "unknown section 'backends'"),
])
def test_a_bad_config_is_refused_with_one_line_and_no_output_file(tmp_path, capsys, change, message):
    config = _write(tmp_path, GOOD.replace(*change))
    assert main(["run", str(config), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.glob("*.h5"))


def test_a_single_objective_optimizer_refuses_two_objectives(tmp_path, capsys):
    text = GOOD.replace('name = "sphere"', 'name = "zdt1"').replace("low = -1.0", "low = 0.0")
    assert main(["run", str(_write(tmp_path, text)), "--no-progress"]) == 2
    assert "single-objective but the run has 2 objectives ['f1', 'f2']" in capsys.readouterr().err


def test_run_show_validate_and_an_existing_output_is_never_overwritten(tmp_path, capsys):
    config = _write(tmp_path, GOOD)
    assert main(["run", str(config), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "3 generations, 18 evaluations (0 failed)" in out and "best 5 by value" in out
    path = tmp_path / "cli.h5"
    before = path.read_bytes()
    assert main(["run", str(config), "--no-progress"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "3 of 3 generations, 18 evaluations (0 failed), status: finished" in shown
    assert main(["validate", str(path)]) == 0
    (tmp_path / "junk.h5").write_bytes(b"junk")
    assert main(["validate", str(path), str(tmp_path / "junk.h5")]) == 1
    assert main(["resume", str(path), "--generations", "5", "--no-progress"]) == 0
    assert len(l2l.load(path)) == 30


def test_command_line_overrides_change_the_run(tmp_path):
    config = _write(tmp_path, GOOD)
    assert main(["run", str(config), "--out", str(tmp_path / "o.h5"), "--seed", "9", "--generations", "2",
                 "--no-progress"]) == 0
    with l2l.Trajectory(tmp_path / "o.h5") as trajectory:
        assert trajectory.run["seed"] == 9 and trajectory.n_generations == 2


def test_list_shows_every_optimizer_simulator_and_backend_with_options(capsys):
    from l2l.jobs import BACKENDS
    from l2l.optimizers import OPTIMIZERS
    from l2l.simulators import SIMULATORS
    assert main(["list", "-v"]) == 0
    out = capsys.readouterr().out
    for registry in (OPTIMIZERS, SIMULATORS, BACKENDS):
        for name in registry.names():
            assert f"  {name} " in out, name
    assert "unavailable" not in out
    assert "population_size = 20" in out and "crossover_probability = 0.7" in out


def _help(capsys, *argv: str) -> str:
    """What ``l2l ... --help`` prints, in-process (``python -m l2l``: test_python_dash_m_l2l_is_the_l2l_command)."""
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    captured = capsys.readouterr()
    assert exit_.value.code in (0, None) and captured.err == "", (argv, captured.err)
    return captured.out


def test_every_subcommand_has_help(capsys):
    commands = ["run", "resume", "show", "validate", "list", "plot", "compare", "report", "watch",
                "export", "submit", "reevaluate", "prune", "checkpoint"]
    listed = _help(capsys)
    assert set(re.findall(r"^    ([a-z]+)(?:  |$)", listed, flags=re.M)) == set(commands)  # none missing here or there
    for command in commands:
        assert _help(capsys, command).startswith(f"usage: l2l {command}"), command


def test_every_example_config_is_valid():
    from l2l.config import load_config
    from l2l.loop import build
    configs = sorted(EXAMPLES.rglob("*.toml"))
    assert len(configs) >= 20
    for path in configs:
        build(load_config(path))


#: The examples cut short: a tenth of the asha sweep's compute, one generation of the others.
SHORTER = {"sphere_ga": ["--generations", "1"], "mixed_space_random": ["--generations", "1"],
           "command_rastrigin": ["--generations", "1"], "sphere_asha": ["--compute", "405"]}


@pytest.mark.parametrize("name", list(SHORTER))
def test_the_quick_example_configs_run_into_valid_trajectories(tmp_path, name):
    """Each example as shipped (its paths, simulator and options), on the serial backend and cut short."""
    out = tmp_path / f"{name}.h5"
    assert main(["run", str(EXAMPLES / f"{name}.toml"), "--out", str(out), "--no-progress",
                 "--backend", "serial", *SHORTER[name]]) == 0
    assert l2l.validate(out) == []
    frame = l2l.load(out)
    assert (frame["status"] == "ok").all() and len(frame) > 0


def test_python_dash_m_l2l_is_the_l2l_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "l2l", "--version"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == f"l2l {l2l.__version__}", result.stderr
    result = subprocess.run([sys.executable, "-m", "l2l", "show", str(tmp_path / "missing.h5")], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("l2l: error: ") and "Traceback" not in result.stderr


def test_the_package_ships_its_license_and_its_type_information():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == {"text": "MIT"}
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License") and "Copyright (c) the l2l developers" in license_text
    assert (ROOT / "l2l" / "py.typed").exists()
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["l2l"]


def test_a_run_whose_every_evaluation_failed_exits_1_and_says_why(tmp_path, capsys):
    (tmp_path / "diverges.py").write_text("def f(params, seed):\n"
                                          "    raise RuntimeError(f\"diverged at x={params['x']:.3f}\")\n")
    config = tmp_path / "c.toml"
    config.write_text('[run]\ngenerations = 2\n[space]\nx = { low = -1.0, high = 1.0 }\n[optimizer]\n'
                      'name = "random"\npopulation_size = 4\n[simulator]\nname = "python"\nfunction = "diverges:f"\n'
                      '[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "d.h5"), "--no-progress"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("l2l: every evaluation failed; the last: generation 1, individual 3: RuntimeError: "
                          "diverged at x=") and "l2l.load(" in err
    assert l2l.validate(tmp_path / "d.h5") == [] and len(l2l.load(tmp_path / "d.h5")) == 8  # all kept
    assert main(["resume", str(tmp_path / "d.h5"), "--generations", "3", "--no-progress"]) == 1


def test_an_option_the_subcommand_does_not_know_is_refused_naming_that_subcommands_help(tmp_path, capsys):
    for argv, option in ((["show", "--generations", "3", "x.h5"], "--generations"),
                         (["resume", "x.h5", "--seed", "3"], "--seed")):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        err = capsys.readouterr().err
        assert exit_.value.code == 2, err
        assert err == f"l2l: error: unknown option '{option}' (see 'l2l {argv[0]} --help')\n", err


def test_resume_with_an_unknown_backend_is_refused_even_when_the_run_has_finished(tmp_path, capsys):
    """Before, a finished run said 'nothing to resume' and exited 0 without a word about the typo."""
    config = _write(tmp_path, GOOD)
    assert main(["run", str(config), "--no-progress"]) == 0
    path = tmp_path / "cli.h5"
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["resume", str(path), "--backend", "slurmm", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("l2l: error: unknown backend 'slurmm' (did you mean 'slurm'?); "
                                               "available: dask, local, serial, slurm"), err
    assert path.read_bytes() == before

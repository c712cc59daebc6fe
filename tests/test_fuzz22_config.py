"""Config mistakes found by a fuzz of every example config (session 22): each is refused in one line, exit 2, no file.

Cases are values that earlier went through silently or failed later than the config's check.
"""

from __future__ import annotations

import pytest

from l2l.cli import main


def _write(tmp_path, simulator: str, space: str = 'x = { type = "float", low = -1.0, high = 1.0 }') -> str:
    (tmp_path / "model.py").write_text("def f(params, seed):\n    return float(params['x'] ** 2)\n")
    path = tmp_path / "c.toml"
    path.write_text(f"""[run]
name = "fz"
generations = 1
[space]
{space}
[optimizer]
name = "random"
population_size = 2
[simulator]
{simulator}
[backend]
name = "serial"
""")
    return str(path)


@pytest.mark.parametrize("simulator, words", [
    # a falsy value of another type was taken for 'not given' and replaced by the config's folder
    ('name = "python"\nfunction = "model:f"\npath = []', ["option 'path' must be a string, got []"]),
    ('name = "python"\nfunction = "model:f"\npath = false', ["option 'path' must be a string, got false"]),
    ('name = "brian2"\nfunction = "model:f"\npath = {}', ["simulator 'brian2'", "option 'path' must be a string"]),
    ('name = "command"\nargv = ["echo", "1"]\nconfig_dir = []', ["option 'config_dir' must be a string, got []"]),
    ('name = "command"\nargv = ["echo", "1"]\nconfig_dir = 0', ["option 'config_dir' must be a string, got 0"]),
])
def test_refused(tmp_path, capsys, simulator, words):
    config = _write(tmp_path, simulator)
    assert main(["run", config, "--out", str(tmp_path / "o.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: ") and err.count("\n") == 1, err
    assert all(word in err for word in words), err
    assert not list(tmp_path.glob("*.h5*"))


@pytest.mark.parametrize("log", ['"no"', '""', "[]", "1", "nan"])
def test_int_log_not_a_boolean_refused(tmp_path, capsys, log):
    """An int parameter's log was not checked: "no" (truthy) put it on a log scale, "" and [] left it linear."""
    space = f'x = {{ type = "float", low = -1.0, high = 1.0 }}\nk = {{ type = "int", low = 1, high = 8, log = {log} }}'
    config = _write(tmp_path, 'name = "python"\nfunction = "model:f"', space)
    assert main(["run", config, "--out", str(tmp_path / "o.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: parameter 'k': log must be true or false, got ") and err.count("\n") == 1, err
    assert not list(tmp_path.glob("*.h5*"))


@pytest.mark.parametrize("simulator", ["sphere", "noisy-sgd"])
def test_enkf_with_a_simulator_without_outputs_refused_before_the_file(tmp_path, capsys, simulator):
    """enkf updates from output vectors: with a simulator that never returns any, the file was made and a generation
    ran before 'the optimizer needs output vectors' (exit 2 after the work)."""
    space = ('learning_rate = { type = "float", low = 0.01, high = 1.0 }' if simulator == "noisy-sgd"
             else 'x = { type = "float", low = -1.0, high = 1.0 }')
    path = tmp_path / "c.toml"
    _write(tmp_path, f'name = "{simulator}"', space)
    path.write_text(path.read_text().replace('"random"', '"enkf"').replace("population_size = 2", "ensemble_size = 4"))
    assert main(["run", str(path), "--out", str(tmp_path / "o.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"l2l: error: optimizer 'enkf' updates from the simulator's output vectors, and simulator "
                          f"'{simulator}' returns none") and err.count("\n") == 1, err
    assert not list(tmp_path.glob("*.h5*"))


def test_a_negative_chip_seed_refused_before_the_file(tmp_path, capsys):
    """emulated-hardware's chip_seed seeds numpy with (chip_seed, chip, name): a negative one was accepted and every
    evaluation failed with 'ValueError: expected non-negative integer' (exit 1)."""
    path = tmp_path / "c.toml"
    path.write_text("""[run]
name = "hw"
generations = 1
[space]
weights = { type = "float", low = -1.0, high = 1.0, shape = [4, 12] }
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "emulated-hardware"
simulator = "analog-classifier"
chip_seed = -1
[backend]
name = "serial"
""")
    assert main(["run", str(path), "--out", str(tmp_path / "o.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == "l2l: error: simulator 'emulated-hardware': chip_seed must be >= 0, got -1\n", err
    assert not list(tmp_path.glob("*.h5*"))


@pytest.mark.parametrize("run, message", [
    # a key left out was reported as 'got None', a value no TOML file can hold
    ("reevaluate = { top = 2 }", "run.reevaluate is missing seeds: it is {top = k, seeds = n} (the k best candidates "
                                 "on n fresh seeds each), got {top = 2}"),
    ("reevaluate = {}", "run.reevaluate is missing top: it is {top = k, seeds = n} (the k best candidates on n fresh "
                        "seeds each), got {}"),
    # booleans as the config spells them, not Python's True
    ("reevaluate = { top = true, seeds = 2 }", "run.reevaluate.top must be an integer >= 1, got true"),
    ("seed = true", "run.seed must be an integer >= 0, got true"),
    ("generations = false", "run.generations must be an integer >= 1, got false"),
])
def test_run_values_named_as_the_config_spells_them(tmp_path, capsys, run, message):
    path = tmp_path / "c.toml"
    _write(tmp_path, 'name = "sphere"')
    path.write_text(path.read_text().replace("generations = 1\n", "").replace("[run]\n", f"[run]\n{run}\n"))
    assert main(["run", str(path), "--out", str(tmp_path / "o.h5"), "--no-progress"]) == 2
    assert capsys.readouterr().err == f"l2l: error: {message}\n"
    assert not list(tmp_path.glob("*.h5*"))


def test_a_cmaes_quadratic_sigma_below_cmaes_min_sigma_refused_before_the_file(tmp_path, capsys):
    """cmaes-quadratic builds its CMA-ES when the first generation is asked: a sigma below CMA-ES's min_sigma (1e-12)
    was refused only then, after the file was made, as "optimizer 'cmaes': min_sigma must be <= sigma"."""
    path = tmp_path / "c.toml"
    _write(tmp_path, 'name = "sphere"')
    path.write_text(path.read_text().replace('name = "random"\npopulation_size = 2',
                                             'name = "cmaes-quadratic"\nsigma = 1e-308'))
    assert main(["run", str(path), "--out", str(tmp_path / "o.h5"), "--no-progress"]) == 2
    assert capsys.readouterr().err == "l2l: error: optimizer 'cmaes-quadratic': sigma must be >= 1e-12, got 1e-308\n"
    assert not list(tmp_path.glob("*.h5*"))

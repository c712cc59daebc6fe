"""A user of the original L2L framework ports a run (docs/coming_from_l2l.md) and writes what they knew there:
GeneticAlgorithmParameters' popsize, CXPB, NGEN, mutpar; CrossEntropyParameters' rho and temp_decay; JUBE_params' ppn,
mail_mode, submit_cmd in [backend]; n_iteration in [run]; a fitness weight; a dotted individual name;
simulate(traj). Each ends in
one line, exit status 2, that names what l2l calls it, before anything is computed. These were refused with l2l's
list of options alone (``unknown option 'CXPB'; allowed: ...``), the dotted name and ``simulate(traj)`` without
saying what to write instead (helper-336's port, session 40)."""

from __future__ import annotations

import pytest

from l2l.cli import main

RUN = '[run]\nname = "port"\nseed = 0\ngenerations = 2\n{run}\n'
SPACE = '[space]\n{name} = {{ type = "float", low = -5.0, high = 5.0, shape = [2] }}\n'
OPTIMIZER = '[optimizer]\nname = "{optimizer}"\npopulation_size = 4\n{optimizer_extra}\n'
SIMULATOR = '[simulator]\nname = "python"\nfunction = "port_fn:{function}"\n'
BACKEND = '[backend]\nname = "{backend}"\n{backend_extra}\n'
FUNCTIONS = '''
def simulate(params, seed):
    return (float(sum(params[next(iter(params))])),)


def traj_simulate(traj):
    return (float(sum(traj.individual.coords)),)
'''


def refusal(tmp_path, capsys, *, run="", name="coords", optimizer="ga", optimizer_extra="", function="simulate",
            backend="serial", backend_extra="", objectives=""):
    """Run the config ``l2l run`` would read; return its one line of refusal (exit status 2, no file written)."""
    (tmp_path / "port_fn.py").write_text(FUNCTIONS)
    config = tmp_path / "port.toml"
    config.write_text(RUN.format(run=run) + SPACE.format(name=name)
                      + OPTIMIZER.format(optimizer=optimizer, optimizer_extra=optimizer_extra)
                      + SIMULATOR.format(function=function)
                      + BACKEND.format(backend=backend, backend_extra=backend_extra) + objectives)
    capsys.readouterr()
    assert main(["run", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert not (tmp_path / "port.h5").exists() and not list(tmp_path.glob("*.h5"))
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("optimizer, key, meant", [
    ("ga", "popsize", "L2L's pop_size is population_size here"),
    ("ga", "pop_size", "L2L's pop_size is population_size here"),
    ("ga", "CXPB", "L2L's CXPB is crossover_probability here"),
    ("ga", "mut_prob", "L2L's MUTPB is mutation_probability here"),
    ("ga", "indpb", "L2L's indpb is gene_mutation_probability here"),
    ("ga", "tournsize", "L2L's tournsize is tournament_size here"),
    ("ga", "matepar", "L2L's matepar is blend_alpha here"),
    ("ga", "mutpar", "mutation_sigma here (a fraction of each parameter's range"),
    ("ga", "NGEN", "L2L's NGEN and n_iteration are [run] generations"),
    ("cross-entropy", "n_iteration", "[run] generations"),
    ("cross-entropy", "rho", "L2L's rho is elite_fraction here"),
    ("cross-entropy", "temp_decay", "temp_decay = 0 is temperature = 1e6 with temperature_decay = 1"),
    ("simulated-annealing", "temp_decay", "L2L's temp_decay is cooling_rate here"),
    ("cross-entropy", "stop_criterion", "[run] target"),
    ("es", "noise_std", "L2L's noise_std is sigma here"),
    ("nes", "mu", "L2L's mu (where NES starts) is the [space] parameters' default values here"),
    ("simulated-annealing", "n_parallel_runs", "population_size here (chains)"),
])
def test_an_l2l_optimizer_parameter_is_refused_naming_l2ls_option(tmp_path, capsys, optimizer, key, meant):
    err = refusal(tmp_path, capsys, optimizer=optimizer, optimizer_extra=f"{key} = 1")
    assert f"unknown option {key!r}" in err and meant in err, err


@pytest.mark.parametrize("key, value, meant", [
    ("ppn", "4", "JUBE's ppn is ntasks here"),
    ("cpu_pp", "2", "JUBE's cpu_pp is cpus_per_task here"),
    ("mail_mode", '"ALL"', 'job_extra_directives = ["--mail-type=ALL"'),
    ("submit_cmd", '"sbatch"', "l2l writes the job script itself (l2l run CONFIG --dry-run prints it)"),
    ("scheduler", '"Slurm"', "JUBE's scheduler"),
])
def test_a_jube_parameter_in_backend_is_refused_naming_what_replaces_it(tmp_path, capsys, key, value, meant):
    err = refusal(tmp_path, capsys, backend="slurm-array",
                  backend_extra=f'walltime = "00:10:00"\n{key} = {value}')
    assert f"unknown option {key!r}" in err and meant in err, err


def test_n_iteration_in_run_names_generations(tmp_path, capsys):
    err = refusal(tmp_path, capsys, run="n_iteration = 10")
    assert "unknown key run.'n_iteration'" in err and "[run] generations" in err, err


def test_a_dotted_parameter_name_is_refused_naming_the_identifier(tmp_path, capsys):
    err = refusal(tmp_path, capsys, name='"layer.weights"')
    assert "got 'layer.weights': write 'layer_weights'" in err, err


def test_simulate_taking_traj_is_refused_naming_params_and_seed(tmp_path, capsys):
    err = refusal(tmp_path, capsys, function="traj_simulate")
    assert "cannot be called as function(params, seed, **kwargs)" in err, err
    assert "simulate(self, traj) is simulate(params, seed) here" in err, err


@pytest.mark.parametrize("where", ["objectives", "run"])
def test_a_fitness_weight_is_refused_naming_direction(tmp_path, capsys, where):
    if where == "objectives":
        err = refusal(tmp_path, capsys, objectives='[[objectives]]\nname = "value"\nweight = -1.0\n')
    else:
        err = refusal(tmp_path, capsys, run="optimizee_fitness_weights = [-1.0]")
    assert "L2L's optimizee_fitness_weights are direction = \"maximize\" (a positive weight)" in err, err


def test_multiprocessing_in_backend_names_serial(tmp_path, capsys):
    err = refusal(tmp_path, capsys, backend="local", backend_extra="multiprocessing = false")
    assert "Environment(multiprocessing=False) is [backend] name = \"serial\"" in err, err


def test_simulate_taking_traj_and_seed_fails_saying_what_traj_is_here(tmp_path, capsys):
    """``simulate(traj, seed)`` can be called, so it is not refused: each evaluation fails on ``traj.individual``.
    Its error now says what the first argument is here (was: ``'dict' object has no attribute 'individual'``)."""
    import l2l

    (tmp_path / "port_fn.py").write_text("def simulate(traj, seed):\n    return (float(traj.individual.x),)\n")
    (tmp_path / "port.toml").write_text(
        RUN.format(run="") + '[space]\nx = { low = -1.0, high = 1.0 }\n' + OPTIMIZER.format(
            optimizer="random", optimizer_extra="") + SIMULATOR.format(function="simulate")
        + BACKEND.format(backend="serial", backend_extra=""))
    assert main(["run", str(tmp_path / "port.toml"), "--no-progress"]) == 1  # nothing succeeded
    errors = set(l2l.load(tmp_path / "port.h5")["error"])
    assert len(errors) == 1, errors
    assert "'dict' object has no attribute 'individual'; the original L2L's simulate(self, traj) is " \
           "simulate(params, seed) here: traj.individual.x is params[\"x\"]" in errors.pop()

"""Component options that had no upper bound and broke a run at an absurd value are refused as the config loads.

A hunt over every numeric option of the optimizers, simulators, policies and backends without an upper bound
tried 1e308 (or 10**18 for an integer) on a tiny serial run. The options below ended in a traceback
(cmaes-quadratic fit_size: 'OverflowError: cannot convert float infinity to integer'), printed numpy's
'RuntimeWarning: overflow encountered ...' with a source line in the middle of the run, hung, or filled the
memory. Each is now refused at load in l2l's one line naming the option and its bound, exit status 2, nothing
created; ``--dry-run`` keeps every case to the config check (the old code ran through it with status 0).
"""

from __future__ import annotations

import pytest
from test_config_fuzz import time_limit  # a hang becomes a failure

from l2l.cli import main

CONFIG = """
[run]
name = "upper"
seed = 1
{run}
[space]
{space}
[optimizer]
{optimizer}
[simulator]
{simulator}
[backend]
{backend}
{policy}
"""

X = 'x = { type = "float", low = -5.0, high = 5.0, shape = [2] }'
SPHERE = 'name = "sphere"'
SERIAL = 'name = "serial"'
MULTI = 'name = "sphere"\nmulti_fidelity = true'

#: case -> (config sections, words of the error line)
CASES = {
    "cmaes-quadratic fit_size": (
        {"optimizer": 'name = "cmaes-quadratic"\nfit_size = 1e308'},
        ["optimizer 'cmaes-quadratic': fit_size must be <= 1000, got 1e+308"]),
    "gradient-descent learning_rate": (
        {"optimizer": 'name = "gradient-descent"\nlearning_rate = 1e308'},
        ["optimizer 'gradient-descent': learning_rate must be <= 1000000, got 1e+308"]),
    "nes sigma_learning_rate": (
        {"optimizer": 'name = "nes"\nsigma_learning_rate = 1e308'},
        ["optimizer 'nes': sigma_learning_rate must be in (0, 10], got 1e+308"]),
    "parallel-tempering max_temperature": (
        {"optimizer": 'name = "parallel-tempering"\nmax_temperature = 1e308'},
        ["optimizer 'parallel-tempering': max_temperature must be <= 1000000, got 1e+308"]),
    "enkf gamma": (
        {"optimizer": 'name = "enkf"\ngamma = 1e308'},
        ["optimizer 'enkf': gamma must be <= 1000000, got 1e+308"]),
    "model-based candidates": (
        {"policy": 'name = "model-based"\ncandidates = 1000000000000000000', "simulator": MULTI},
        ["policy 'model-based': candidates must be <= 10000, got 1000000000000000000"]),
    "model-based samples": (
        {"policy": 'name = "model-based"\nmodel = "kde"\nsamples = 1000000000000000000', "simulator": MULTI},
        ["policy 'model-based': samples must be <= 10000, got 1000000000000000000"]),
    "local workers": (
        {"backend": 'name = "local"\nworkers = 1000000000000000000'},
        ["backend 'local': workers must be <= 1024, got 1000000000000000000"]),
    "slurm cores": (
        {"backend": 'name = "slurm"\ncores = 1000000000000000000'},
        ["backend 'slurm': cores must be <= 1024, got 1000000000000000000"]),
    "slurm-array nodes": (
        {"backend": 'name = "slurm-array"\nnodes = 1000000000000000000'},
        ["backend 'slurm-array': nodes must be <= 100000, got 1000000000000000000"]),
    "slurm-array ntasks": (
        {"backend": 'name = "slurm-array"\nntasks = 1000000000000000000'},
        ["backend 'slurm-array': ntasks must be <= 1000000, got 1000000000000000000"]),
    "slurm-array cpus_per_task": (
        {"backend": 'name = "slurm-array"\ncpus_per_task = 1000000000000000000'},
        ["backend 'slurm-array': cpus_per_task must be <= 1024, got 1000000000000000000"]),
}

#: simulator, option, the absurd value, its bound as the error names it. Each ended every evaluation in a numpy
#: MemoryError or 'array is too big' (sizes), an OverflowError (lsm n_exc, sleep median, command
#: checkpoint_limit_mb) or numpy's 'lam value too large' (analog-classifier rate), or ran on past its time limit
#: ignoring SIGTERM (noisy-sgd max_budget, lsnn training_steps, lsm tasks).
SIMULATOR_BOUNDS = [
    ("egru", "units", 10 ** 18, "<= 4096"), ("egru", "trials", 10 ** 18, "<= 1000000"),
    ("egru", "test_trials", 10 ** 18, "<= 1000000"), ("egru", "length", 10 ** 18, "<= 100000"),
    ("egru", "symbols", 10 ** 18, "<= 1000"), ("egru", "copy_length", 10 ** 18, "<= 10000"),
    ("egru", "delay", 10 ** 18, "<= 100000"),
    ("lsnn", "n_lif", 10 ** 18, "<= 10000"), ("lsnn", "n_alif", 10 ** 18, "<= 10000"),
    ("lsnn", "delay", 10 ** 18, "<= 10000"), ("lsnn", "input_group", 10 ** 18, "<= 10000"),
    ("lsnn", "training_steps", 10 ** 18, "<= 1000000"), ("lsnn", "batch_size", 10 ** 18, "<= 100000"),
    ("lsnn", "test_trials", 10 ** 18, "<= 100000"),
    ("lsm", "n_exc", 10 ** 18, "<= 100000"), ("lsm", "n_inh", 10 ** 18, "<= 100000"),
    ("lsm", "max_delay", 10 ** 18, "<= 1000"), ("lsm", "steps", 10 ** 18, "<= 100000"),
    ("lsm", "tasks", 10 ** 18, "<= 10000"), ("lsm", "train_examples", 10 ** 18, "<= 100000"),
    ("lsm", "test_examples", 10 ** 18, "<= 100000"), ("lsm", "n_inputs", 10 ** 18, "<= 10000"),
    ("analog-classifier", "samples", 10 ** 18, "<= 1000000"), ("analog-classifier", "rate", 1e308, "<= 1000000"),
    ("spore", "n_inputs", 10 ** 18, "<= 10000"),
    ("spore", "n_motor", 10 ** 18, "<= 10000"),
    ("spore-arm", "n_place", 10 ** 18, "<= 10000"),
    ("spore-arm", "n_motor", 10 ** 18, "<= 10000"),
    ("noisy-sgd", "max_budget", 10 ** 18, "<= 10000000"),
    ("sleep", "median", 1e308, "<= 1000000000"),
    ("command", "checkpoint_limit_mb", 1e308, "<= 1048576"),
]
for _simulator, _option, _value, _bound in SIMULATOR_BOUNDS:
    CASES[f"{_simulator} {_option}"] = (
        {"simulator": f'name = "{_simulator}"\n{_option} = {_value}'},
        [f"simulator '{_simulator}': {_option} must be {_bound}, got {_value}"])


def config(tmp_path, sections: dict[str, str]) -> str:
    parts = {"space": X, "optimizer": 'name = "random"\npopulation_size = 2', "simulator": SPHERE,
             "backend": SERIAL, **sections}
    if "policy" in sections:  # a policy run is bounded by its compute, not generations
        parts["policy"] = "[policy]\n" + sections["policy"]
        parts["run"] = "compute = 400"
    else:
        parts["policy"], parts["run"] = "", "generations = 2"
    path = tmp_path / "upper.toml"
    path.write_text(CONFIG.format(**parts))
    return str(path)


@pytest.mark.parametrize("case", list(CASES))
def test_an_option_past_its_upper_bound_is_refused_as_the_config_loads(tmp_path, capsys, case):
    sections, words = CASES[case]
    with time_limit(30):
        status = main(["run", config(tmp_path, sections), "--out", str(tmp_path / "x.h5"), "--no-progress",
                       "--dry-run"])
    out, err = capsys.readouterr()
    assert status == 2, (status, err)
    assert err.startswith("l2l: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert all(word in err for word in words), err
    assert [p.name for p in tmp_path.iterdir()] == ["upper.toml"]  # nothing created

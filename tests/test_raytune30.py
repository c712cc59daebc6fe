"""A user coming from Ray Tune (docs/coming_from_ray_tune.md): Ray Tune's names of schedulers, searchers, their
options, TuneConfig's and RunConfig's keys and param_space's values are refused in one line that says what l2l
calls them, and what that line names is accepted where it says (before: l2l's list alone for metric, mode,
time_attr, max_concurrent_trials, synch, hyperparam_mutations, PB2, tune_config, a constant in the space;
median-stopping's grace_period was called min_budget and PBT's num_samples max_candidates, which pbt has not);
examples/from_ray_tune.py runs both ported tuners."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import l2l
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS
from l2l.policies import POLICIES
from module_files import module_from_file

ROOT = Path(__file__).resolve().parent.parent


def _train(params, seed, budget, checkpoint=None):
    return l2l.SimulationResult(objectives={"loss": float(params["x"] ** 2 + 1.0 / budget)},
                                checkpoint={"budget": float(budget)})


def _config(**tables) -> dict:
    config = {"run": {"seed": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "optimizer": {"name": "random"}, "policy": {"name": "asha", "max_candidates": 4},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    for table, value in tables.items():
        config[table] = value
    return config


REFUSED = [
    ({"policy": {"name": "asha", "grace_period": 1}}, "grace_period is min_budget here (a floor: the rungs count "
                                                      "down from max_budget; l2l run --dry-run lists them)"),
    ({"policy": {"name": "median-stopping", "grace_period": 3}}, "MedianStoppingRule grace_period is grace here"),
    ({"policy": {"name": "median-stopping", "min_samples_required": 3}}, "min_samples_required is min_trials here"),
    ({"policy": {"name": "hyperband", "reduction_factor": 3}}, "reduction_factor is eta here (Ray Tune's too)"),
    ({"policy": {"name": "pbt", "num_samples": 8}}, "; Ray Tune's num_samples is population here"),
    ({"policy": {"name": "asha", "metric": "loss"}}, 'metric and mode are [[objectives]] name = "loss", '
                                                     'direction = "minimize"'),
    ({"policy": {"name": "asha", "mode": "min"}}, 'direction = "minimize" (or "maximize")'),
    ({"policy": {"name": "asha", "time_attr": "training_iteration"}}, "time_attr is the budget your function is "
                                                                      "given: [simulator] multi_fidelity = "),
    ({"policy": {"name": "pbt", "synch": True}}, "synch is synchronous here (true by default here, False in Ray"),
    ({"policy": {"name": "pbt", "hyperparam_mutations": {"x": [0.1]}}}, "hyperparam_mutations are the [space]"),
    ({"policy": {"name": "pbt", "hyperparam_bounds": {"x": [0, 1]}}}, 'explore = "pb2"'),
    ({"policy": {"name": "PB2"}}, "unknown policy 'PB2' (Ray Tune's PB2 is 'pbt' here with explore = \"pb2\")"),
    ({"policy": {"name": "PopulationBasedTrainingReplay"}}, "l2l.lineage(path) gives a learner's schedule"),
    ({"optimizer": {"name": "NevergradSearch"}}, "(Ray Tune's NevergradSearch is 'nevergrad' here)"),
    ({"optimizer": {"name": "TuneBOHB"}}, '[policy] name = "model-based"'),
    ({"optimizer": {"name": "random", "points_to_evaluate": [{"x": 0.5}]}}, "is run.initial_points = "),
    ({"backend": {"name": "local", "max_concurrent_trials": 2}}, "; Ray Tune's max_concurrent_trials is workers here"),
    ({"backend": {"name": "local", "num_gpus": 1}}, "l2l asks for no CPUs or GPUs per trial"),
    ({"run": {"num_samples": 64}}, "; Ray Tune's num_samples is [policy] max_candidates ([policy] population "
                                   "under pbt); without a [policy], run.evaluations"),
    ({"run": {"metric": "loss"}}, "; Ray Tune's metric and mode are [[objectives]]"),
    ({"run": {"mode": "min"}}, "got 'min'; Ray Tune's mode = 'min' is [[objectives]] name = \"loss\", direction"),
    ({"run": {"max_concurrent_trials": 2}}, "; Ray Tune's max_concurrent_trials is [backend] workers"),
    ({"run": {"stop": {"training_iteration": 20}}}, "is the fidelity's maximum: [simulator] multi_fidelity"),
    ({"run": {"time_budget_s": 60}}, "; Ray Tune's time_budget_s is run.max_time"),
    ({"run": {"max_failures": 2}}, "; Ray Tune's max_failures is run.retries"),
    ({"run": {"storage_path": "/tmp/ray"}}, "; the run's file is its storage: run.out"),
    ({"run": {"num_to_keep": 2}}, "l2l prune FILE deletes all but each trial's latest"),
    ({"tune_config": {"metric": "loss"}}, "(Ray Tune's TuneConfig is spread here: metric and mode are"),
    ({"run_config": {"name": "x"}}, "(Ray Tune's RunConfig is [run]: "),
    ({"resources": {"cpu": 1}}, "unknown section 'resources' (l2l asks for no CPUs or GPUs per trial"),
    ({"objectives": [{"metric": "loss", "mode": "min"}]}, "unknown key 'metric'; allowed: 'name', 'direction' "
                                                          "(Ray Tune's metric is name here)"),
    ({"objectives": [{"name": "loss", "mode": "min"}]}, "(Ray Tune's mode is direction here"),
    ({"space": {"x": {"low": -1.0, "high": 1.0}, "epochs": 20}}, "got 20; a constant is no parameter: give it to "
                                                                 "your function (functools.partial("),
    ({"space": {"x": [16, 32]}}, "got [16, 32]; a list of values is a categorical parameter"),
    ({"space": {"x": "tune.loguniform(1e-4, 1e-1)"}}, "; Ray Tune's calls are tables here: tune.loguniform("),
    ({"space": {"x": {"type": "randn", "mean": 0.0, "sd": 1.0}}}, "l2l has no normal distribution"),
    ({"space": {"x": {"type": "sample_from"}}}, "l2l has no sample_from"),
]


@pytest.mark.parametrize("tables, said", REFUSED, ids=[str(t)[:60] for t, _ in REFUSED])
def test_ray_tunes_names_are_refused_in_one_line_that_names_l2ls(tmp_path, tables, said):
    config = _config()
    for table, value in tables.items():
        config[table] = {**config[table], **value} if table == "run" else value
    if "policy" in tables and tables["policy"]["name"] == "pbt":
        config["run"]["compute"] = 100
    with pytest.raises(ConfigError) as error:
        l2l.run(config, tmp_path / "run.h5", simulator=_train, progress=False)
    assert said in str(error.value), error.value
    assert "\n" not in str(error.value)
    assert not (tmp_path / "run.h5").exists()


@pytest.mark.parametrize("registry, name, ray, value, ours", [
    (POLICIES, "median-stopping", "grace_period", 3, "grace"),      # no stop before it (not the rungs' floor)
    (POLICIES, "median-stopping", "min_samples_required", 3, "min_trials"),
    (POLICIES, "pbt", "synch", False, "synchronous"),
    (BACKENDS, "local", "max_concurrent_trials", 2, "workers"),
    (BACKENDS, "slurm-array", "max_concurrent_trials", 2, "max_running"),
    (BACKENDS, "slurm-array", "num_cpus", 4, "cpus_per_task"),
])
def test_the_option_a_refusal_names_is_l2ls_twin_and_takes_the_ray_tune_value(registry, name, ray, value, ours):
    with pytest.raises(ConfigError) as error:
        registry.create(name, {ray: value})
    assert re.search(rf"Ray Tune's (MedianStoppingRule )?{ray}( per trial)? is {ours} here", str(error.value)), \
        error.value
    assert getattr(registry.create(name, {ours: value}), ours) == value


@pytest.mark.parametrize("ray, value, ours", [("time_budget_s", 60, "max_time"), ("max_failures", 2, "retries"),
                                              ("stop", {"loss": 0.1}, "target")])
def test_the_run_key_a_refusal_names_takes_the_ray_tune_value(ray, value, ours):
    with pytest.raises(ConfigError, match=rf"Ray Tune's {ray} .*run\.{ours}"):
        l2l.from_mapping(_config(run={"seed": 1, ray: value}))
    assert getattr(l2l.from_mapping(_config(run={"seed": 1, ours: value})), ours) == value


def test_pbts_population_is_ray_tunes_num_samples(tmp_path):
    with pytest.raises(ConfigError, match="Ray Tune's num_samples is population here"):
        l2l.run(_config(policy={"name": "pbt", "num_samples": 4}), tmp_path / "pbt.h5", simulator=_train,
                progress=False)
    l2l.run(_config(policy={"name": "pbt", "population": 4, "interval": 3}), tmp_path / "pbt.h5", simulator=_train,
            progress=False)
    first = l2l.load(tmp_path / "pbt.h5", segments=True).query("from_budget == 0")
    assert len(first) == 4                                        # num_samples = 4 learners from scratch


def test_without_a_scheduler_ray_tunes_num_samples_is_run_evaluations(tmp_path):
    sweep = {**_config(), "run": {"seed": 1, "num_samples": 6}, "simulator": "python"}
    del sweep["policy"], sweep["objectives"]
    with pytest.raises(ConfigError, match=r"without a \[policy\], run\.evaluations"):
        l2l.from_mapping(sweep)
    sweep["run"] = {"seed": 1, "evaluations": 6}
    l2l.run(sweep, tmp_path / "sweep.h5", simulator=lambda params, seed: float(params["x"] ** 2), progress=False)
    assert len(l2l.load(tmp_path / "sweep.h5")) == 6              # num_samples = 6 without a scheduler


def _example():
    return module_from_file("from_ray_tune", ROOT / "examples" / "from_ray_tune.py")


def test_the_example_runs_both_ported_tuners_and_reads_them_again(tmp_path, capsys):
    example = _example()
    arguments = ["--backend", "serial", "--samples", "6", "--population", "4", "--epochs", "9",
                 "--out-dir", str(tmp_path)]
    assert example.main(arguments) == 0
    first = capsys.readouterr().out
    assert "== asha" in first and "== pbt" in first and first.count("best config:  {'lr': ") == 2
    assert "schedule:     0-3: lr " in first
    assert len(l2l.load(tmp_path / "asha.h5")) == 6                  # num_samples = 6 is max_candidates = 6
    assert l2l.load(tmp_path / "asha.h5")["lr"].iloc[0] == 0.1       # points_to_evaluate first
    assert (l2l.load(tmp_path / "pbt.h5", segments=True)["from_budget"] == 0).sum() == 4
    assert example.main(arguments) == 0                              # Tuner.restore: a finished run is only read
    again = capsys.readouterr().out
    assert [line for line in first.splitlines() if line.startswith("best ")] == \
        [line for line in again.splitlines() if line.startswith("best ")]
    assert example.main(["--show-ray"]) == 0
    assert "ASHAScheduler(max_t=27, grace_period=1, reduction_factor=3)" in capsys.readouterr().out

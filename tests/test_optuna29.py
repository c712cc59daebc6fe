"""A user coming from Optuna (docs/coming_from_optuna.md): examples/from_optuna.py runs the study it replaces and
prints what study.best_params, best_value and trials_dataframe() printed; Optuna's names of samplers, pruners,
their options and distributions are refused in one line that says what l2l calls them (before: l2l's list alone,
'TPESampler' and 'MedianPruner' close to no name, 'FloatDistribution' and scale = "log" with no hint)."""

from __future__ import annotations

from pathlib import Path

import pytest

import l2l
from l2l.cli import main
from l2l.errors import ConfigError
from l2l.space import Space
from module_files import module_from_file

ROOT = Path(__file__).resolve().parent.parent


def _bowl(params, seed):
    return float(params["x"] ** 2)


def _train(params, seed, budget, checkpoint=None):
    return float(params["x"] ** 2 / budget)


def _config(**tables) -> dict:
    config = {"run": {"seed": 1, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": "python", "optimizer": {"name": "random", "population_size": 2},
              "backend": {"name": "serial"}}
    for table, value in tables.items():
        config[table] = value
    return config


def _example():
    return module_from_file("from_optuna", ROOT / "examples" / "from_optuna.py")


def test_the_example_prints_the_summary_of_an_optuna_study_and_reads_its_file_again(tmp_path, capsys):
    example = _example()
    arguments = ["--backend", "serial", "--no-figures", "--out-dir", str(tmp_path)]
    assert example.main(arguments) == 0
    first = capsys.readouterr().out
    assert "best params: {'lr': " in first and "best value:  0." in first
    assert "states: {'stopped': " in first and "compute " in first
    frame = l2l.load(tmp_path / "study-seed1.h5")
    assert len(frame) == 40                              # n_trials = 40 is max_candidates = 40
    assert set(frame["optimizer"]) <= {"sgd", "momentum"} and frame["batch"].between(8, 128).all()
    # run again: the finished study is only read (Optuna's load_if_exists=True), with the same best
    assert example.main(arguments) == 0
    again = capsys.readouterr().out
    assert [line for line in first.splitlines() if line.startswith("best ")] == \
        [line for line in again.splitlines() if line.startswith("best ")]
    assert len(l2l.load(tmp_path / "study-seed1.h5")) == 40


@pytest.mark.parametrize("table, value, said", [
    ("optimizer", {"name": "TPESampler"}, "unknown optimizer 'TPESampler' (Optuna's TPESampler is 'tpe' here)"),
    ("optimizer", {"name": "CmaEsSampler"}, "(Optuna's CmaEsSampler is 'cmaes' here)"),
    ("policy", {"name": "MedianPruner"}, "unknown policy 'MedianPruner' (Optuna's MedianPruner is "
                                         "'median-stopping' here)"),
    ("policy", {"name": "SuccessiveHalvingPruner"}, "(Optuna's SuccessiveHalvingPruner (asynchronous) is 'asha'"),
    ("policy", {"name": "NopPruner"}, "(Optuna's NopPruner is no [policy] table at all)"),
    ("policy", {"name": "hyperband", "reduction_factor": 3}, "unknown option 'reduction_factor'; allowed: "),
    ("policy", {"name": "hyperband", "reduction_factor": 3}, "; Optuna's reduction_factor is eta here"),
    ("policy", {"name": "asha", "max_resource": 27}, "; Optuna's max_resource is max_budget here"),
    ("policy", {"name": "median-stopping", "n_warmup_steps": 3}, "; Optuna's n_warmup_steps is grace here"),
    ("policy", {"name": "hyperband", "n_trials": 40}, "; Optuna's n_trials is max_candidates here"),
    ("optimizer", {"name": "tpe", "seed": 3}, "; the run's seed is [run] seed"),
    ("optimizer", {"name": "tpe", "n_trials": 40}, "; Optuna's n_trials is [policy] max_candidates"),
    ("backend", {"name": "local", "n_jobs": 2}, "; Optuna's n_jobs is workers here"),
])
def test_optunas_names_of_samplers_pruners_and_options_are_said_in_l2ls_words(tmp_path, table, value, said):
    config = _config(**{table: value})
    if table == "policy":
        config["simulator"] = {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 27}}
    with pytest.raises(ConfigError) as error:
        l2l.run(config, tmp_path / "run.h5", simulator=_train if table == "policy" else _bowl, progress=False)
    assert said in str(error.value), error.value
    assert "\n" not in str(error.value)
    assert not (tmp_path / "run.h5").exists()


def test_an_optuna_sampler_in_a_toml_file_is_refused_with_exit_2_naming_the_l2l_name(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text('[space]\nx = { low = -1.0, high = 1.0 }\n[optimizer]\nname = "RandomSampler"\n'
                      '[simulator]\nname = "sphere"\n[run]\ngenerations = 1\n[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--no-progress"]) == 2
    assert "(Optuna's RandomSampler is 'random' here)" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.h5"))


@pytest.mark.parametrize("spec, said", [
    ({"type": "FloatDistribution", "low": 1e-4, "high": 1.0}, 'got \'FloatDistribution\'; write type = "float"'),
    ({"type": "IntDistribution", "low": 8, "high": 128}, 'got \'IntDistribution\'; write type = "int"'),
    ({"type": "CategoricalDistribution", "choices": [1, 2]},
     'got \'CategoricalDistribution\'; write type = "categorical"'),
    ({"type": "IntLogUniformDistribution", "low": 8, "high": 128}, 'write type = "int" with log = true'),
    ({"low": 1e-4, "high": 1.0, "scale": "log"}, "scale must be a number, got 'log' (a log scale is log = true;"),
    ({"low": 1e-4, "high": 1.0, "log_scale": True}, "unknown key 'log_scale' for type 'float'; allowed: default, "
                                                   "high, log, low, scale, shape, type (a log scale is log = true)"),
    ({"type": "int", "low": 8, "high": 128, "distribution": "log"}, "(a log scale is log = true)"),
])
def test_optunas_distributions_and_log_scale_words_say_what_to_write(spec, said):
    with pytest.raises(ConfigError) as error:
        Space.from_json({"p": spec})
    assert said in str(error.value), error.value


def test_optunas_log_int_is_a_log_int_here():
    space = Space.from_json({"batch": {"type": "int", "low": 8, "high": 128, "log": True}})
    assert space.parameters[0].log is True


@pytest.mark.parametrize("direction, meant", [("minimise", "minimize"), ("MINIMIZE", "minimize"), ("min", "minimize"),
                                              ("StudyDirection.MAXIMIZE", "maximize")])
def test_another_spelling_of_a_direction_is_answered_with_l2ls_word(direction, meant):
    with pytest.raises(ConfigError) as error:
        l2l.from_mapping(_config(objectives=[{"name": "loss", "direction": direction}]))
    assert str(error.value) == (f"objective 'loss': direction must be one of ('minimize', 'maximize'), got "
                                f"{direction!r} (did you mean {meant!r}?)")


@pytest.mark.parametrize("edit, said", [
    ({"run": {"n_trials": 40}}, "unknown key run.'n_trials'; allowed: "),
    ({"run": {"n_trials": 40}}, "; Optuna's n_trials is [policy] max_candidates"),
    ({"run": {"n_jobs": 2}}, "; Optuna's n_jobs is [backend] workers"),
    ({"run": {"direction": "minimize"}}, '; a direction goes in [[objectives]]: direction = "minimize"'),
    ({"run": {"storage": "sqlite:///study.db"}}, "; the run's file is its storage"),
    ({"run": {"load_if_exists": True}}, "l2l resume FILE (l2l.resume(path)) continues it"),
    ({"sampler": {"name": "tpe"}}, "unknown section 'sampler' (a sampler's table is [optimizer] here); allowed: "),
    ({"pruner": {"name": "hyperband"}}, "unknown section 'pruner' (a pruner's table is [policy] here)"),
    ({"study": {"direction": "minimize"}}, "unknown section 'study' (a study's table is [run] here)"),
])
def test_optunas_study_keys_and_tables_say_where_l2l_has_them(edit, said):
    config = _config()
    for table, value in edit.items():
        config[table] = {**config.get(table, {}), **value}
    with pytest.raises(ConfigError) as error:
        l2l.from_mapping(config)
    assert said in str(error.value), error.value

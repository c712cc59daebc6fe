"""Defects the fuzzers (scripts/fuzz_*.py) found on session 32's code, with session 33's seeds and cases.

* ``l2l.agreement(path, objective=...)`` (session 32's sweeps) refused an objective the run lacks in a bare
  ValueError, and an array in numpy's 'truth value of an array ... is ambiguous'; now l2l's own errors in one
  line (ConfigError, a ValueError still; ArgumentError for a value of the wrong type), as ``l2l.reevaluate``
  and ``l2l.plot`` do (scripts/fuzz_python_api.py new33, 31 values: 29 defects before).
* ``l2l.run(config, out, simulator=f)`` whose ``[simulator]`` gave ``multi_fidelity`` or ``kwargs`` other than a
  table ended in Python's "'int' object is not iterable" or "dictionary update sequence element #0 ...": the
  options were read by ``dict(...)`` unchecked where a function is passed (``l2l run`` of the same config says
  "option 'multi_fidelity' must be a table"); now that line (fuzz_python_api new33: 26 + 26 defects before).
* ``[backend] log_directory`` of ``slurm`` inside a file (a config in a folder of its own naming
  ``../base.h5/logs``): ``l2l run --dry-run`` said the config was valid, the run then ended as the cluster started
  ('cannot create the folder of the worker jobs' logs ...: Not a directory'), its run file left behind; refused as
  the config is read now, as a log_directory that is itself a file was (fuzz_cli30's 'config in sub/' cases).
"""
from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.errors import ArgumentError, ConfigError
from l2l.simulators import SimulationResult


def _curve_model(params, seed, budget, checkpoint=None):
    x = float(params["x"])
    curve = [[epoch, (1 - x) + 27 * x / epoch ** 2] for epoch in range(1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve})


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    config = {"run": {"name": "sweep", "seed": 1, "generations": 1},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 6},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    return l2l.run(config, tmp_path_factory.mktemp("sweep") / "sweep.h5", simulator=_curve_model)


@pytest.mark.parametrize("objective", [np.array(["loss", "loss"]), 3, ["loss"], b"loss"])
def test_agreement_refuses_an_objective_of_the_wrong_type_in_one_line(sweep, objective):
    with pytest.raises(ArgumentError, match="^objective must be an objective's name \\(or None\\), got "):
        l2l.agreement(sweep, objective=objective)


def test_agreement_refuses_an_objective_the_run_lacks_naming_those_it_has(sweep):
    with pytest.raises(ConfigError, match="^no objective 'accuracy' in .*sweep.h5; it has loss$"):
        l2l.agreement(sweep, objective="accuracy")
    assert len(l2l.agreement(sweep, objective=np.str_("loss"))) > 0  # numpy's text is a name


def _plain(params, seed):
    return float(params["x"]) ** 2


@pytest.mark.parametrize("key", ["multi_fidelity", "kwargs"])
@pytest.mark.parametrize("value", [3, "epochs", ["epochs"], 1.5])
def test_a_function_run_refuses_simulator_options_that_are_no_table_in_one_line(tmp_path, key, value):
    config = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": {"name": "python", key: value},
              "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
              "backend": {"name": "serial"}}
    with pytest.raises(ConfigError, match=f"^simulator 'python': option '{key}' must be a table, got "):
        l2l.run(config, tmp_path / "out.h5", simulator=_plain)
    assert not (tmp_path / "out.h5").exists()


@pytest.mark.parametrize("below", ["logs", "logs/deeper"])
def test_a_slurm_log_directory_inside_a_file_is_refused_as_the_config_is_read(tmp_path, below):
    from l2l.jobs import BACKENDS

    (tmp_path / "run.h5").write_bytes(b"a file")
    with pytest.raises(ConfigError, match="log_directory '.*run.h5/logs.*' is inside '.*run.h5', which is not a "
                                          "folder; give the folder of the worker jobs' logs"):
        BACKENDS.create("slurm", {"log_directory": str(tmp_path / "run.h5" / below)})
    BACKENDS.create("slurm", {"log_directory": str(tmp_path / "new" / below)})  # made as the run starts


def _group(params, seed):
    if params["x"] == 0.0:
        return 0.0
    raise ExceptionGroup("two failed", [ValueError("lr must be positive"), KeyError("w")])


def _long(params, seed):
    if params["x"] == 0.0:
        return 0.0
    raise ValueError("w" * 200_000 + " the end")


def _multiline(params, seed):
    if params["x"] == 0.0:
        return 0.0
    raise ValueError("bad shape\n  at layer 3\nexpected 4 got 5")


def _missing(params, seed):
    if params["x"] == 0.0:
        return 0.0
    return params["nope"]


def _reasons(tmp_path, function, **run):
    from l2l.summary.failures import error_message

    config = {"space": {"x": {"low": 0.0, "high": 1.0}}, "simulator": "python",
              "optimizer": {"name": "random", "population_size": 3},
              "run": {"generations": 1, "seed": 1, "initial_points": [{"x": 0.0}], **run},
              "backend": {"name": "serial"}}
    frame = l2l.load(l2l.run(config, tmp_path / "run.h5", simulator=function))
    return {error_message(str(e)) for e in frame.loc[frame["status"] != "ok", "error"]}


@pytest.mark.parametrize("timeout", [0, 60])
def test_an_exception_group_is_named_by_its_message_and_its_exceptions(tmp_path, timeout):
    """Its traceback ends in the border of a box: l2l show's reason was '+------------------------------------'
    (fuzz_sim31 raise-group, seed 3303)."""
    assert _reasons(tmp_path, _group, timeout=timeout) == {
        "ExceptionGroup: two failed (2 sub-exceptions): ValueError: lr must be positive; KeyError: 'w'"}


@pytest.mark.parametrize("timeout", [0, 60])
def test_a_message_of_200000_characters_keeps_its_type_in_the_failures_line(tmp_path, timeout):
    """The row keeps its error's last 4,000 characters: the reason read 'wwww...' (and 'RuntimeError: wwww...'
    under run.timeout), not which exception (fuzz_sim31 raise-long, seed 3303)."""
    (reason,) = _reasons(tmp_path, _long, timeout=timeout)
    assert reason.startswith("ValueError: www") and reason.endswith("w the end") and len(reason) < 1000, reason


def test_under_run_timeout_a_failure_is_named_as_without_it(tmp_path):
    """run.timeout evaluates in a forked process, whose traceback came back as text: a multi-line message was
    named by its last line ('expected 4 got 5') and a parameter the space lacks without the hint (seed 3306)."""
    assert _reasons(tmp_path / "a", _multiline, timeout=60) == {"ValueError: bad shape at layer 3 expected 4 got 5"}
    assert _reasons(tmp_path / "b", _missing, timeout=60) == {
        "KeyError: 'nope' (the run's space has no parameter 'nope'; it has x)"}


MODEL = '''class ConvergenceError(Exception):
    pass


def f(params, seed):
    if params["x"] == 0.0:
        return 0.0
    raise ConvergenceError("diverged at epoch 3")
'''


@pytest.mark.parametrize("timeout", [0, 60])
def test_an_exception_class_of_the_models_module_is_named_by_that_module(tmp_path, timeout):
    """The python simulator loads a config's model under a name of its own: l2l show said
    '3 x "_l2l_user_22f8037ff1e2_model.ConvergenceError: diverged at epoch 3"' (fuzz_sim31 raise-custom)."""
    from l2l.summary.failures import error_message

    (tmp_path / "model.py").write_text(MODEL)
    config = {"space": {"x": {"low": 0.0, "high": 1.0}},
              "simulator": {"name": "python", "function": "model:f", "path": str(tmp_path)},
              "optimizer": {"name": "random", "population_size": 3},
              "run": {"generations": 1, "seed": 1, "initial_points": [{"x": 0.0}], "timeout": timeout},
              "backend": {"name": "serial"}}
    frame = l2l.load(l2l.run(config, tmp_path / "run.h5"))
    errors = frame.loc[frame["status"] != "ok", "error"]
    assert {error_message(str(e)) for e in errors} == {"model.ConvergenceError: diverged at epoch 3"}
    assert not any("_l2l_user_" in str(e) for e in errors)


def _flat(params, seed, budget, checkpoint=None):
    return SimulationResult(objectives={"loss": 1.0}, curve={"loss": [[e, 1.0] for e in range(1, int(budget) + 1)]})


def test_show_of_a_sweep_whose_results_all_tie_says_why_it_gives_no_rank_correlation(tmp_path):
    """Every candidate's curve alike: the early-stop line read '... (rank correlation of all with 9: ); ...'
    (fuzz_cli30's sweep cases, a flat curve)."""
    from l2l.results_schema.reader import Trajectory
    from l2l.summary.text import show_text

    config = {"run": {"name": "sweep", "seed": 1, "generations": 1},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 6},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    with Trajectory(l2l.run(config, tmp_path / "sweep.h5", simulator=_flat)) as trajectory:
        (line,) = [line for line in show_text(trajectory).splitlines() if line.startswith("early stop ")]
    assert "(rank correlation of all with 9: undefined, the results tie)" in line, line

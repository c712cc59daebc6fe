"""A neuroscientist's typos and noise: a NEST model's name typo ends the run after its first generation (exit status
2, the rows kept), NEST's banner stays out of l2l's output, and a failed Brian2 evaluation keeps the hint for a
parameter the space names otherwise without Brian2's warnings of the objects it never ran."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import l2l
from l2l.errors import ConfigError
from l2l.jobs.base import FAILED, OK, Outcome
from l2l.outcomes import refuse_nest_name_errors

ROOT = Path(__file__).resolve().parent.parent

PYTHON_TRACEBACK = '''Traceback (most recent call last):
  File "/home/me/model.py", line 5, in model
    n = nest.Create("iaf_psc_alfa", 10)
  File "nestkernel_api.pyx", line 347, in nestkernel_api.llapi_create
NESTErrors.UnknownModelName: iaf_psc_alfa is not a known model name.
'''
COMMAND_ERROR = ('EvaluationError: command exited with status 1: NESTErrors.UnknownSynapseType: Synapse with name '
                 'stdp_synpase does not exist.\n--- stdout (tail) ---\n\n--- stderr (tail) ---\nTraceback ...\n')
UNTAKEN = ("Traceback (most recent call last):\nNESTErrors.UnaccessedDictionaryEntry: Unaccessed elements in params, "
           "in function NodeManager::set_status:  tau_mem\n")


class Writer:
    path = Path("run.h5")


def failed(error: str, individual: int = 0) -> Outcome:
    return Outcome(0, individual, individual, FAILED, error=error)


@pytest.mark.parametrize("error, said, named", [
    (PYTHON_TRACEBACK, 'NEST\'s "UnknownModelName: iaf_psc_alfa is not a known model name."', "nest.node_models"),
    (COMMAND_ERROR, 'NEST\'s "UnknownSynapseType: Synapse with name stdp_synpase does not exist."',
     "nest.synapse_models"),
    (UNTAKEN, "set_status: tau_mem\": the model names a parameter", "'tau_mem' is a parameter of the run's space"),
], ids=["python", "command", "space"])
def test_a_first_generation_failing_alike_with_a_nest_name_error_is_refused_naming_it(error, said, named):
    with pytest.raises(ConfigError) as refused:
        refuse_nest_name_errors([failed(error, i) for i in range(3)], Writer(), names=["tau_mem", "g"])
    message = str(refused.value)
    assert message.startswith("every evaluation (3) of the first generation failed with NEST's")
    assert said in message and named in message and message.endswith("the failed evaluations are in run.h5")
    assert "\n" not in message
    # nothing of the run succeeded and a resume would keep these rows as the first generation's: run it anew
    assert "run the config again into a new file (l2l run CONFIG --out NEW.h5" in message


def test_failures_alike_after_a_resume_say_to_resume_again_after_the_fix():
    with pytest.raises(ConfigError, match="committed since the resume .* fix the model, then continue the run with "
                                          "l2l resume; the failed evaluations are in run.h5$"):
        refuse_nest_name_errors([failed(PYTHON_TRACEBACK, i) for i in range(3)], Writer(), resumed=True)


def test_a_first_generation_with_a_success_or_other_reasons_goes_on():
    ok = Outcome(0, 1, 1, OK, objectives={"value": 1.0})
    refuse_nest_name_errors([failed(PYTHON_TRACEBACK), ok], Writer())  # a region of the space that fails
    refuse_nest_name_errors([failed(PYTHON_TRACEBACK), failed(COMMAND_ERROR, 1)], Writer())  # two reasons
    refuse_nest_name_errors([failed("Traceback ...\nValueError: x must be positive\n", i) for i in range(3)],
                            Writer())  # no NEST name: run.stop_after_failures decides, as before


NEST_MODEL = '''
import json
import nest


def model(params, seed):
    nest.ResetKernel()
    nest.Create("iaf_psc_alfa", 2)
    return 1.0


def engine_model(nest_module, params, seed):
    nest_module.Create("iaf_psc_alfa", 2)
    return 1.0


if __name__ == "__main__":  # the command simulator's program
    json.load(open("params.json"))
    nest.Create("iaf_psc_alfa", 2)
    print(1.0)
'''

SIMULATORS = {
    "python": 'name = "python"\nfunction = "typo:model"',
    "nest": 'name = "nest"\nfunction = "typo:engine_model"',
    "command": 'name = "command"\nargv = ["{python}", "{{config_dir}}/typo.py"]',
}


def write_config(folder: Path, simulator: str, population: int, generations: int = 4,
                 space: str = 'x = { low = -1.0, high = 1.0 }') -> Path:
    """The config of a random search on ``serial`` over ``space``, in ``folder``."""
    (folder / "c.toml").write_text(
        f'[run]\ngenerations = {generations}\nseed = 2\n[space]\n{space}\n[optimizer]\nname = "random"\n'
        f'population_size = {population}\n[simulator]\n{simulator}\n[[objectives]]\nname = "value"\n'
        '[backend]\nname = "serial"\n')
    return folder / "c.toml"


def run_cli(folder: Path, simulator: str, population: int) -> subprocess.CompletedProcess:
    """``l2l run`` of :func:`write_config`'s search in a new process, in ``folder`` (its file run.h5)."""
    write_config(folder, simulator, population)
    return subprocess.run([sys.executable, "-m", "l2l", "run", str(folder / "c.toml"), "--no-progress",
                           "--out", str(folder / "run.h5")], capture_output=True, text=True, timeout=300,
                          cwd=folder, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("simulator", ["python", "nest", "command"])
def test_a_nest_model_name_typo_ends_the_run_after_its_first_generation_with_exit_status_2(tmp_path, simulator):
    pytest.importorskip("nest")
    (tmp_path / "typo.py").write_text(NEST_MODEL)
    population = 2 if simulator == "command" else 3  # a NEST import per evaluation there
    result = run_cli(tmp_path, SIMULATORS[simulator].format(python=sys.executable), population)
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"l2l: error: every evaluation ({population}) of the first generation failed with "
                           f"NEST's \"UnknownModelName: iaf_psc_alfa is not a known model name.\"")
    rows = l2l.load(tmp_path / "run.h5")  # the first generation kept, none after it
    assert len(rows) == population and (rows["status"] == "failed").all()
    # NEST's banner: never among l2l's lines on stdout; with the nest simulator (quiet), nowhere
    assert "N E S T" not in result.stdout
    if simulator == "nest":
        assert "N E S T" not in result.stderr


BRIAN2_MODEL = '''
def network(brian2, params, seed):
    group = brian2.NeuronGroup(4, "dv/dt = -v / tau : 1", namespace={"tau": 10 * brian2.ms})
    group.v = params["v_init"]
    brian2.run(1 * brian2.ms)
    return float(group.v[0])
'''


def test_a_failed_brian2_evaluation_keeps_the_parameter_hint_without_brian2s_unused_object_warnings(
        tmp_path, monkeypatch, capsys):
    # l2l run in this process: Brian2 imported once (in the suite by an earlier file), not by a new l2l each time
    brian2 = pytest.importorskip("brian2")
    from l2l.cli import main

    (tmp_path / "net.py").write_text(BRIAN2_MODEL)
    config = write_config(tmp_path, 'name = "brian2"\nfunction = "net:network"\ntarget = "numpy"', 2,
                          generations=1, space='v_int = { low = 0.0, high = 1.0 }')
    console = io.StringIO()  # what Brian2's console handler prints (to the stderr it found when imported)
    monkeypatch.setattr(brian2.BrianLogger.console_handler, "stream", console)
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(config), "--no-progress", "--out", str(tmp_path / "run.h5")]) == 1
    stderr = capsys.readouterr().err + console.getvalue()
    errors = l2l.load(tmp_path / "run.h5")["error"]
    assert len(errors) == 2
    for error in errors:  # as the python simulator says it (before: a bare KeyError: 'v_init')
        assert error.strip().splitlines()[-1] == ("KeyError: 'v_init' (the run's space has no parameter 'v_init'; "
                                                  "did you mean 'v_int'? it has v_int)")
    # before: 4 lines a failed evaluation, "The object 'neurongroup' is getting deleted, but was never included in
    # a network. This probably means that you did not store the object reference ..."
    assert "getting deleted" not in stderr and "unused_brian_object" not in stderr


class BrianObjectException(Exception):
    """As Brian2 names the error that wraps one of an object's (only the name is read)."""


def test_an_identifier_brian2_cannot_resolve_close_to_a_space_parameter_is_said_to_be_one():
    from l2l.simulators.brian2_sim import original_error

    try:
        try:
            raise KeyError('The identifier "tau_m" could not be resolved.')
        except KeyError as unresolved:
            raise BrianObjectException("Error encountered with object named 'neurongroup'.") from unresolved
    except BrianObjectException as exc:
        error = exc
    # a model giving params as a namespace: NeuronGroup(..., namespace=params), the space's name a typo
    assert original_error(error, {"tau_mem": 10.0, "g": 4.0}) == (
        "simulator 'brian2': KeyError: 'The identifier \"tau_m\" could not be resolved.' (the run's space has no "
        "parameter 'tau_m'; did you mean 'tau_mem'?)")
    # nothing close among the space's names: an identifier of the model's own, no hint
    assert original_error(error, {"g": 4.0}) == \
        "simulator 'brian2': KeyError: 'The identifier \"tau_m\" could not be resolved.'"

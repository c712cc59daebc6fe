"""A user of the original L2L framework ports an EnKF optimizee, whose simulate returned the model's outputs as its
fitness tuple. Under 'enkf' every evaluation failed (a tuple where an objective's number goes) and the run ended
with 'no evaluation of this generation returned outputs', naming neither the failure nor how to return outputs
(helper-383, session 46). The generation's evaluations are still not kept (committing them before the optimizer was
told made a later resume run nothing)."""

from __future__ import annotations

from l2l.cli import main

CONFIG = '''[run]
name = "enkf-port"
seed = 0
generations = 2
[space]
w = {{ type = "float", low = -2.0, high = 2.0, shape = [2] }}
[optimizer]
name = "enkf"
ensemble_size = 4
target = [1.0, 2.0, 3.0]
[simulator]
name = "python"
function = "enkf_fn:{function}"
[backend]
name = "serial"
'''
FUNCTIONS = '''
def as_l2l_did(params, seed):
    w = params["w"]
    return (float(w[0]), float(w[1]), float(w[0] + w[1]))


def a_number(params, seed):
    return float(sum(params["w"]))
'''


def refusal(tmp_path, capsys, function):
    (tmp_path / "enkf_fn.py").write_text(FUNCTIONS)
    config = tmp_path / "enkf.toml"
    config.write_text(CONFIG.format(function=function))
    capsys.readouterr()
    assert main(["run", str(config), "--no-progress"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: error")]
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_outputs_returned_as_a_tuple_name_the_failure_and_the_fix(tmp_path, capsys):
    err = refusal(tmp_path, capsys, "as_l2l_did")
    assert "tuple of 3 values" in err and "SimulationResult(objectives={...}, outputs=vector)" in err, err


def test_a_number_without_outputs_names_the_fix(tmp_path, capsys):
    err = refusal(tmp_path, capsys, "a_number")
    assert "SimulationResult(objectives={...}, outputs=vector)" in err, err

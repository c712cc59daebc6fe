"""A neuroscientist tuning a small E/I network of their own (NEST, Brian2; session 32, helper-252): frictions fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.results_schema.reader import Trajectory
from l2l.summary.text import show_text
from l2l.summary.failures import error_message


def reads_delay(params, seed):
    return {"loss": float(params["w"]) * float(params["delay"])}


def reads_tau(params, seed):
    return {"loss": float(params["tau"])}


def typo_run(space_names):
    return {"run": {"name": "typo", "seed": 1, "generations": 1},
            "space": {name: {"type": "float", "low": 0.5, "high": 3.0} for name in space_names},
            "optimizer": {"name": "random", "population_size": 2},
            "simulator": {"name": "python"},
            "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


def test_a_parameter_misspelt_in_the_space_is_named_in_the_failure_line(tmp_path):
    path = l2l.run(typo_run(["w", "dleay"]), tmp_path / "t.h5", simulator=reads_delay)
    errors = l2l.load(path)["error"]
    assert len(errors) == 2
    for text in errors:  # the line l2l show and the end of l2l run give says what to fix
        line = error_message(text)
        assert line.startswith("KeyError: 'delay'"), line
        assert "no parameter 'delay'" in line and "did you mean 'dleay'?" in line, line
        assert "Traceback" in text  # the traceback is still in the row


def test_a_parameter_missing_from_the_space_is_named_with_the_space_s_names(tmp_path):
    path = l2l.run(typo_run(["w", "g"]), tmp_path / "t.h5", simulator=reads_tau)
    line = error_message(l2l.load(path)["error"][0])
    assert "no parameter 'tau'; it has g, w)" in line and "did you mean" not in line, line


def keyerror_of_its_own(params, seed):
    return {"loss": {"a": 1.0}["b"]}


def test_a_key_error_of_a_parameter_the_space_has_gets_no_hint(tmp_path):
    path = l2l.run(typo_run(["b"]), tmp_path / "t.h5", simulator=keyerror_of_its_own)
    assert error_message(l2l.load(path)["error"][0]) == "KeyError: 'b'"


def same_both(params, seed):
    return {"rate_err": float(params["w"]), "cv_err": float(params["w"])}


def test_a_front_of_one_evaluation_is_not_called_1_evaluations(tmp_path):
    config = {**typo_run(["w"]), "objectives": [{"name": "rate_err", "direction": "minimize"},
                                                {"name": "cv_err", "direction": "minimize"}]}
    path = l2l.run(config, tmp_path / "mo.h5", simulator=same_both)
    with Trajectory(path) as trajectory:
        shown = show_text(trajectory)
    assert "Pareto front (1 evaluation):" in shown.splitlines(), shown  # before: '(1 evaluations)'


class EquationError(Exception):
    pass


def misparsed(params, seed):  # as Brian2 reports a typo in a model's equations
    raise EquationError("Parsing failed: \ndv/dt = -v / tau : volt (unless refractory\n                        ^\n"
                        "Expected end of text, found '('  (at char 24), (line:1, col:25)")


def test_an_exception_of_several_lines_is_one_line_with_its_type_and_its_text(tmp_path):
    path = l2l.run(typo_run(["w"]), tmp_path / "t.h5", simulator=misparsed)
    line = error_message(l2l.load(path)["error"][0])
    # before: "Expected end of text, found '('  (at char 24), (line:1, col:25)", its type and the equation lost
    assert line.endswith("EquationError: Parsing failed: dv/dt = -v / tau : volt (unless refractory "
                         "Expected end of text, found '('  (at char 24), (line:1, col:25)"), line
    with Trajectory(path) as trajectory:
        assert "EquationError: Parsing failed" in show_text(trajectory)


def compile_failed(params, seed):
    try:
        {}["x"]
    except KeyError as exc:
        raise RuntimeError("compile failed:\n" + "".join(f"line {i}\n" for i in range(30)) + "error: x +* 2") from exc


def test_a_long_message_keeps_its_first_and_last_line_and_a_chained_one_its_last_exception(tmp_path):
    path = l2l.run(typo_run(["w"]), tmp_path / "t.h5", simulator=compile_failed)
    text = l2l.load(path)["error"][0]
    assert error_message(text) == "RuntimeError: compile failed: … error: x +* 2", text
    assert "KeyError: 'x'" in text and "line 17" in text  # the whole traceback is still in the row


def tiny_brian(brian2, params, seed):
    group = brian2.NeuronGroup(4, "dv/dt = w / (10*ms) : 1", method="euler", namespace={"w": float(params["w"])})
    brian2.run(1 * brian2.ms)
    return {"loss": float(np.mean(np.asarray(group.v)))}


def test_a_cython_compile_error_in_the_model_fails_the_evaluation(tmp_path, monkeypatch):
    pytest.importorskip("brian2")
    from brian2.codegen.runtime.cython_rt import cython_rt
    from brian2.codegen.runtime.cython_rt.extension_manager import CythonExtensionManager, cython_extension_manager

    # what Brian2 2.9.0's extension manager does with code that does not compile (Cython's CompileError): None,
    # and the code object skips that block; here without a compiler's minutes
    monkeypatch.setattr(CythonExtensionManager, "create_extension", lambda self, code, *a, **k: None)
    monkeypatch.setattr(cython_rt.CythonCodeObject, "is_available", classmethod(lambda cls: True))
    config = {**typo_run(["w"]), "simulator": {"name": "brian2", "function": "test_persona32b:tiny_brian",
                                               "path": str(Path(__file__).parent), "target": "cython",
                                               "cache_dir": str(tmp_path / "cache")}}
    path = l2l.run(config, tmp_path / "b.h5")
    frame = l2l.load(path)
    # before: both succeeded with loss 0.0 (v never updated), the compiler's error only on stderr
    assert list(frame["status"]) == ["failed", "failed"], frame[["status", "loss"]]
    assert "Cython could not compile code of the model" in error_message(frame["error"][0])
    assert "create_extension" not in vars(cython_extension_manager)  # put back after each evaluation

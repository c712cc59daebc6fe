"""A training script that prints its result in a log format, ``loss: 0.33``, run as a ``command`` simulator.

Before, every segment failed with "result is not JSON: 'loss: 0.33'; the result is read from the last non-empty
line of stdout: print it last, other output to stderr": it was printed last, and the line did not say what to
print. Now the failure shows the JSON line to print, ``{"loss": 0.33}``.
"""

from __future__ import annotations

import sys

import pytest

import l2l
from l2l.errors import EvaluationError
from l2l.simulators.command_output import parse_result


@pytest.mark.parametrize("line, json_line", [("loss: 0.33", '{"loss": 0.33}'),
                                             ("loss=0.5, acc=0.9", '{"loss": 0.5, "acc": 0.9}'),
                                             ("val_loss = 1e-3", '{"val_loss": 0.001}')])
def test_a_line_of_names_and_numbers_is_answered_with_its_json(line, json_line):
    with pytest.raises(EvaluationError) as caught:
        parse_result(line)
    assert f"; print it as JSON: {json_line} " in str(caught.value), caught.value


def test_other_lines_are_not_taken_for_a_result():
    for line in ("done", "epoch 3 loss 0.2", "Training finished: see log.txt"):
        with pytest.raises(EvaluationError) as caught:
            parse_result(line)
        assert "print it as JSON" not in str(caught.value), caught.value


def test_a_program_printing_loss_colon_is_told_what_to_print(tmp_path):
    config = l2l.from_mapping({
        "run": {"name": "mine", "generations": 1}, "space": {"lr": {"type": "float", "low": 0.001, "high": 0.5}},
        "optimizer": {"name": "random", "population_size": 1}, "backend": {"name": "serial"},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "simulator": {"name": "command", "argv": [sys.executable, "-c", "print('epoch 1'); print('loss: 0.25')"]}})
    try:
        l2l.run(config, tmp_path / "mine.h5")
    except l2l.ConfigError:
        pass  # with the driver's check of the first commit, the run ends here (exit status 2)
    error = l2l.load(tmp_path / "mine.h5")["error"][0]
    assert error.startswith("EvaluationError: result is not JSON: 'loss: 0.25'; print it as JSON: {\"loss\": 0.25}")
    assert "print it last" not in error.split("\n", 1)[0], error  # it was printed last

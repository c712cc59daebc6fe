"""With run.stop_after_failures = 0 (the check off), the line that says every evaluation of the run failed still
gives the most frequent reason: it read 'every evaluation of the run failed (4 of 4); fix the model ...' alone."""

from __future__ import annotations

import l2l
from conftest import make_config


def diverges(params, seed):
    raise ValueError("diverged")


def test_the_all_failed_line_names_the_reason_with_the_check_off(tmp_path, capsys):
    config = make_config(run={"name": "off", "generations": 1, "stop_after_failures": 0},
                         optimizer={"name": "random", "population_size": 4}, simulator={"name": "python"})
    l2l.run(config, tmp_path / "off.h5", simulator=diverges)
    said = [line for line in capsys.readouterr().err.splitlines() if "every evaluation" in line]
    assert len(said) == 1 and 'failed (4 of 4): 4 × "ValueError: diverged"; fix the model' in said[0], said

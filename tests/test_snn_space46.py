"""A [space] the network simulators' evaluations would refuse is refused before the run (session 46).

Before: an explored range reaching past a parameter's valid values (egru's ``density`` up to 1.5, lsm's ``p_EE`` up
to 1.5, lsnn's ``tau_a`` from -5) or a parameter of a shape the model cannot take (lsm's ``gain_out`` of shape [10]
for 150 neurons) passed ``l2l run --dry-run``; the run then failed the candidates drawn there one evaluation at a
time ("1 failed: ConfigError: ... parameter 'density' must be in (0, 1], got 1.43"), or every one (exit 1).
Now: one line naming the parameter and bound, exit status 2, no file. An open edge (``density`` or
``learning_rate`` from 0) is still accepted, and so is every shipped example.
"""

from __future__ import annotations

import pytest

from l2l.cli import main

CONFIG = '''[run]
name = "s"
generations = 1
[space]
{space}
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "{simulator}"
[backend]
name = "serial"
'''


def _dry_run(tmp_path, capsys, simulator: str, space: str) -> tuple[int, str]:
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.format(simulator=simulator, space=space))
    code = main(["run", str(config), "--dry-run"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("simulator, space, words", [
    ("egru", 'density = { type = "float", low = 0.1, high = 1.5 }', "density has high = 1.5"),
    ("egru", 'learning_rate = { type = "float", low = -0.01, high = 0.1 }', "learning_rate has low = -0.01"),
    ("egru", 'density = { type = "categorical", choices = [0.5, 2.0] }', "density has choice = 2.0"),
    ("lsnn", 'tau_a = { type = "float", low = -5.0, high = 50.0 }', "tau_a has low = -5.0"),
    ("lsnn", 'thr = { type = "float", low = 0.5, high = 1.0, shape = [3] }', "'thr' has shape = [3]"),
    ("lsm", 'p_EE = { type = "float", low = 0.0, high = 1.5 }', "p_EE has high = 1.5"),
    ("lsm", 'gain_out = { type = "float", low = -1.0, high = 1.0, shape = [10] }', "give shape = [150]"),
])
def test_a_space_every_evaluation_there_would_refuse_is_refused_before_the_run(tmp_path, capsys, simulator, space,
                                                                               words):
    code, err = _dry_run(tmp_path, capsys, simulator, space)
    assert code == 2, err
    assert err.startswith("l2l: error: ") and err.count("\n") == 1 and words in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


@pytest.mark.parametrize("simulator, space", [
    ("egru", 'density = { type = "float", low = 0.0, high = 1.0 }'),  # an open edge: accepted as before
    ("egru", 'learning_rate = { type = "float", low = 0.0, high = 0.5 }'),
    ("lsnn", 'beta = { type = "float", low = 0.0, high = 100.0 }'),
    ("lsm", 'p_EE = { type = "float", low = 0.0, high = 1.0 }'),
    ("lsm", 'gain_in = { type = "float", low = -1.0, high = 1.0, shape = [150] }'),
])
def test_a_space_inside_the_valid_values_runs(tmp_path, capsys, simulator, space):
    code, err = _dry_run(tmp_path, capsys, simulator, space)
    assert code == 0, err


@pytest.mark.parametrize("name, options, words", [
    ("egru", {"curve_every": 1000}, "'curve_every' = 1000 is above trials = 384"),
    ("lsnn", {"curve_every": 81}, "'curve_every' = 81 is above training_steps = 80")])
def test_a_curve_step_above_the_whole_training_is_refused(name, options, words):
    # before: accepted, and the curve held the budget alone, as with any curve_every of at most the training
    from l2l.errors import ConfigError
    from l2l.simulators import SIMULATORS

    with pytest.raises(ConfigError, match=words):
        SIMULATORS.create(name, options).refuse_ignored(None)
    limit = {"egru": 384, "lsnn": 80}[name]
    SIMULATORS.create(name, {"curve_every": limit}).refuse_ignored(None)

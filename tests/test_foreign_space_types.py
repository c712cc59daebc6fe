"""A parameter type of Ray Tune, Optuna or Hyperopt (``type = "loguniform"``, "randint", "choice", ...) is refused in
one line that says what to write in l2l (before: only the list of l2l's types, which named no way to say "on a log
scale"); their keys for a step or the bounds say what l2l calls them, or that it has no step."""

from __future__ import annotations

import pytest

from l2l.cli import main
from l2l.errors import ConfigError
from l2l.space import Space


@pytest.mark.parametrize("kind, written", [
    ("loguniform", 'write type = "float" with log = true, low and high (the values themselves'),
    ("log-uniform", 'write type = "float" with log = true'),
    ("tune.loguniform", 'write type = "float" with log = true'),
    ("suggest_loguniform", 'write type = "float" with log = true'),
    ("uniform", 'write type = "float" with low and high'),
    ("quniform", 'write type = "float" with low and high (l2l has no step q'),
    ("qloguniform", 'write type = "float" with log = true, low and high (l2l has no step q'),
    ("randint", 'write type = "int" with low and high (high included: randint(0, 10) is low = 0, high = 9)'),
    ("logint", 'write type = "int" with log = true'),
    ("lograndint", 'write type = "int" with log = true'),
    ("choice", 'write type = "categorical" with choices = [...]'),
    ("hp.choice", 'write type = "categorical" with choices = [...]'),
    ("bool", 'write type = "categorical" with choices = [true, false]'),
    ("Float", 'write type = "float"'),
    ("INT", 'write type = "int"'),
])
def test_a_foreign_type_names_what_to_write(kind, written):
    with pytest.raises(ConfigError) as error:
        Space.from_json({"lr": {"type": kind, "low": 1e-4, "high": 1e-1}})
    assert str(error.value).startswith(f"parameter 'lr': type must be one of ['categorical', 'float', 'int'], got "
                                       f"{kind!r}; {written}"), error.value


@pytest.mark.parametrize("spec, hint", [
    ({"low": 0.0, "high": 1.0, "q": 0.1}, "(l2l has no step q"),
    ({"type": "int", "low": 0, "high": 9, "step": 3}, "(l2l has no step q"),
    ({"lower": 0.0, "high": 1.0}, "(the lower bound is low)"),
    ({"low": 0.0, "upper": 1.0}, "(the upper bound is high)"),
    ({"type": "categorical", "values": ["a", "b"]}, "(a categorical parameter's are its choices = [...])"),
])
def test_a_foreign_key_says_what_l2l_calls_it(spec, hint):
    with pytest.raises(ConfigError, match="unknown key") as error:
        Space.from_json({"x": spec})
    assert hint in str(error.value), error.value


def test_an_unknown_type_of_no_library_stays_as_it_was():
    with pytest.raises(ConfigError) as error:
        Space.from_json({"x": {"type": "complex"}})
    assert str(error.value) == "parameter 'x': type must be one of ['categorical', 'float', 'int'], got 'complex'"


def test_the_command_line_refuses_loguniform_in_one_line(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text('[run]\nname = "t"\n[space]\nlr = { type = "loguniform", low = 1e-4, high = 1e-1 }\n'
                      '[simulator]\nname = "sphere"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "o.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: parameter 'lr': type must be one of") and err.count("\n") == 1, err
    assert 'write type = "float" with log = true' in err and not list(tmp_path.glob("*.h5*"))

"""An error l2l raises inside an evaluation (a ConfigError in a simulator's setup on a worker) is shown by its class
name, 'ConfigError: ...', as Python's own are ('ValueError: ...'), not as 'l2l.errors.ConfigError: ...'; an
exception of the user's own module keeps its module."""

from __future__ import annotations

import l2l
from conftest import make_config
from l2l.cli import main
from l2l.errors import ConfigError
from l2l.summary import finished_text


class SetupError(Exception):
    pass


def refused(params, seed):
    if seed % 2:
        raise ConfigError("simulator 'nest': model 'iaf_nope' is not installed")
    raise SetupError("no licence")


def test_l2l_exceptions_are_named_like_builtins_and_user_ones_keep_their_module(tmp_path, capsys):
    config = make_config(run={"name": "refused", "generations": 1},
                         optimizer={"name": "random", "population_size": 4}, simulator={"name": "python"})
    path = l2l.run(config, tmp_path / "r.h5", simulator=refused, progress=False)
    line = finished_text(path, 1.0).splitlines()[1]
    assert "ConfigError: simulator 'nest'" in line and "l2l.errors" not in line, line
    assert f"{__name__}.SetupError: no licence" in line, line
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "ConfigError: simulator 'nest'" in shown and "l2l.errors" not in shown, shown

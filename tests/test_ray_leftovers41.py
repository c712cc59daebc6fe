"""Two things a Ray Tune user met moving a project (helper-338's port): ``l2l run CONFIG -o FILE`` was "unknown
option '-o'" while plot, export and checkpoint take ``-o``; and Ray's ``train_fn(config)`` in a run without a
fidelity said only "too many positional arguments", not that the loop passes the seed second."""

from __future__ import annotations

import l2l
from inprocess_cli import l2l_main

CONFIG = """
[run]
name = "c"
generations = 1
[space]
x = { low = 0.0, high = 1.0 }
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "python"
function = "ray_style:%s"
[[objectives]]
name = "loss"
direction = "minimize"
[backend]
name = "serial"
"""

MODULE = '''
def train_fn(config):
    return {"loss": config["x"]}


def simulate(params, seed):
    return {"loss": params["x"]}
'''


def _write(tmp_path, function):
    (tmp_path / "ray_style.py").write_text(MODULE)
    (tmp_path / "c.toml").write_text(CONFIG % function)
    return tmp_path / "c.toml"


def test_run_writes_where_dash_o_says(tmp_path):
    config = _write(tmp_path, "simulate")
    out = tmp_path / "elsewhere" / "mine.h5"
    out.parent.mkdir()
    done = l2l_main("run", config, "-o", out, "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(l2l.load(out)) == 2 and not (tmp_path / "c.h5").exists()


def test_a_function_of_config_alone_is_told_the_seed_comes_second(tmp_path):
    config = _write(tmp_path, "train_fn")
    done = l2l_main("run", config, "--no-progress", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == ("l2l: error: simulator 'python': ray_style:train_fn cannot be called as "
                         "function(params, seed, **kwargs): too many positional arguments; the loop passes the "
                         "candidate's seed second, but it takes only 'config'"), lines
    assert not (tmp_path / "c.h5").exists()


def test_the_colour_bar_of_a_single_value_stays_near_it():
    from l2l.objectives import Objective
    from l2l.plot.panels import fitness_colours

    for value in (0.94, 3e-6, -250.0):
        _, norm = fitness_colours([value, value], Objective("acc", "maximize"))
        assert norm.vmin < value < norm.vmax and norm.vmax - norm.vmin <= 0.1 * abs(value) + 1e-12
    _, norm = fitness_colours([0.0], Objective("loss", "minimize"))
    assert (norm.vmin, norm.vmax) == (-0.5, 0.5)

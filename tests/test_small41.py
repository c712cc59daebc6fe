"""Small things the persona helpers of session 41 met, each a message or a refusal:

* a python simulator's module that cannot be found names where it was looked for (a reviewer given a file
  without its module read only "No module named 'spiking'");
* a ``command`` program printing a JSON array for several objectives ends the run after its first generation (it
  failed every evaluation until run.stop_after_failures, exit status 1);
* what a Ray Tune user met: ``l2l run CONFIG -o FILE`` was "unknown option '-o'" while plot, export and checkpoint
  take ``-o``; ``train_fn(config)`` in a run without a fidelity said only "too many positional arguments"; an
  objective given as a list of report dicts read numpy's "not 'dict'"; a colour bar of one value spanned 1 unit.
"""

from __future__ import annotations

import pytest

import l2l
from inprocess_cli import l2l_main

ONE = '[[objectives]]\nname = "loss"\ndirection = "minimize"'
TWO = ONE + '\n[[objectives]]\nname = "spikes"\ndirection = "minimize"'

MODULE = '''
def train_fn(config):
    return {"loss": config["x"]}


def simulate(params, seed):
    return {"loss": params["x"]}
'''


def _config(tmp_path, simulator: str, objectives: str = ONE, optimizer: str = "random", generations: int = 1):
    """``c.toml`` in ``tmp_path`` (and the module ``ray_style.py`` beside it): 2 candidates a generation (4 for
    nsga2) of x in [0, 1] on the serial backend, with the ``[simulator]`` table's lines ``simulator``."""
    (tmp_path / "ray_style.py").write_text(MODULE)
    path = tmp_path / "c.toml"
    path.write_text(f'[run]\nname = "c"\ngenerations = {generations}\n[space]\nx = {{ low = 0.0, high = 1.0 }}\n'
                    f'[optimizer]\nname = "{optimizer}"\npopulation_size = {4 if optimizer == "nsga2" else 2}\n'
                    f'[simulator]\n{simulator}\n{objectives}\n[backend]\nname = "serial"\n')
    return path


def _python(function: str) -> str:
    return f'name = "python"\nfunction = "{function}"'


def _last_error(done) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_a_module_not_found_names_the_folder_searched(tmp_path):
    config = _config(tmp_path, _python("spiking_model_not_here:simulate"))
    assert _last_error(l2l_main("run", config, "--no-progress", cwd=tmp_path)) == (
        "l2l: error: simulator 'python': cannot import module 'spiking_model_not_here': No module named "
        f"'spiking_model_not_here' (looked in {tmp_path}, then on Python's path; [simulator] path = \"FOLDER\" "
        "names the folder that holds it)")


def test_a_module_whose_own_import_is_missing_names_that_one_alone(tmp_path):
    (tmp_path / "needs_more.py").write_text("import brian3_not_installed\n\ndef simulate(params, seed):\n"
                                            "    return {'loss': 0.0}\n")
    config = _config(tmp_path, _python("needs_more:simulate"))
    assert _last_error(l2l_main("run", config, "--no-progress", cwd=tmp_path)) == (
        "l2l: error: simulator 'python': cannot import module 'needs_more': No module named 'brian3_not_installed'")


def _printing(text: str) -> str:
    return f'name = "command"\nargv = ["python3", "-c", "print(\'{text}\')"]'


def test_a_program_printing_a_json_array_for_several_objectives_ends_after_its_first_generation(tmp_path):
    config = _config(tmp_path, _printing("[1.0, 2.0]"), TWO, "nsga2", generations=3)
    last = _last_error(l2l_main("run", config, "--no-progress", cwd=tmp_path))
    assert "(printed a JSON array of 2 values, not a JSON object naming the run's 2 objectives ['loss', 'spikes']; " \
           'print a JSON object naming them ({"loss": ..., "spikes": ...}))' in last, last
    assert len(l2l.load(tmp_path / "c.h5")) == 4  # the first generation, kept


def test_a_program_printing_one_number_in_an_array_gives_the_objective_of_a_run_of_one(tmp_path):
    config = _config(tmp_path, _printing("[0.25]"), generations=3)
    done = l2l_main("run", config, "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (l2l.load(tmp_path / "c.h5")["loss"] == 0.25).all()


def test_run_writes_where_dash_o_says(tmp_path):
    config = _config(tmp_path, _python("ray_style:simulate"))
    out = tmp_path / "elsewhere" / "mine.h5"
    out.parent.mkdir()
    done = l2l_main("run", config, "-o", out, "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(l2l.load(out)) == 2 and not (tmp_path / "c.h5").exists()


def test_a_function_of_config_alone_is_told_the_seed_comes_second(tmp_path):
    config = _config(tmp_path, _python("ray_style:train_fn"))
    assert _last_error(l2l_main("run", config, "--no-progress", cwd=tmp_path)) == (
        "l2l: error: simulator 'python': ray_style:train_fn cannot be called as function(params, seed, **kwargs): "
        "too many positional arguments; the loop passes the candidate's seed second, but it takes only 'config'")
    assert not (tmp_path / "c.h5").exists()


def test_an_objective_given_as_a_list_of_reports_says_so():
    from l2l.jobs.base import Settings, normalize

    for reports, said in (([{"acc": 0.9}], "a list of 1 dict"), ([{"acc": 0.9}] * 3, "a list of 3 dicts")):
        with pytest.raises(ValueError, match=f"objective 'acc': the simulator returned {said}, not a number; return"):
            normalize({"acc": reports}, Settings(objectives=("acc",)))


def test_the_colour_bar_of_a_single_value_stays_near_it():
    from l2l.objectives import Objective
    from l2l.plot.panels import fitness_colours

    for value in (0.94, 3e-6, -250.0):
        _, norm = fitness_colours([value, value], Objective("acc", "maximize"))
        assert norm.vmin < value < norm.vmax and norm.vmax - norm.vmin <= 0.1 * abs(value) + 1e-12
    _, norm = fitness_colours([0.0], Objective("loss", "minimize"))
    assert (norm.vmin, norm.vmax) == (-0.5, 0.5)

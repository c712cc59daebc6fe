"""Small things the persona helpers of session 41 met: a python simulator's module that cannot be found names where
it was looked for (a reviewer given a file without its module read only "No module named 'spiking'")."""

from __future__ import annotations

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
function = "%s:simulate"
[[objectives]]
name = "loss"
direction = "minimize"
[backend]
name = "serial"
"""


def test_a_module_not_found_names_the_folder_searched(tmp_path):
    (tmp_path / "c.toml").write_text(CONFIG % "spiking_model_not_here")
    done = l2l_main("run", tmp_path / "c.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "l2l: error: simulator 'python': cannot import module 'spiking_model_not_here': No module named "
        f"'spiking_model_not_here' (looked in {tmp_path}, then on Python's path; [simulator] path = \"FOLDER\" "
        "names the folder that holds it)")


def test_a_module_whose_own_import_is_missing_names_that_one_alone(tmp_path):
    (tmp_path / "needs_more.py").write_text("import brian3_not_installed\n\ndef simulate(params, seed):\n"
                                            "    return {'loss': 0.0}\n")
    (tmp_path / "c.toml").write_text(CONFIG % "needs_more")
    done = l2l_main("run", tmp_path / "c.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last == ("l2l: error: simulator 'python': cannot import module 'needs_more': No module named "
                    "'brian3_not_installed'"), last


COMMAND = """
[run]
name = "cmd"
generations = 3
[space]
x = { low = 0.0, high = 1.0 }
[optimizer]
name = "%s"
population_size = 4
[simulator]
name = "command"
argv = ["python3", "-c", "print('%s')"]
%s
[backend]
name = "serial"
"""
TWO = '[[objectives]]\nname = "a"\ndirection = "minimize"\n[[objectives]]\nname = "b"\ndirection = "minimize"'
ONE = '[[objectives]]\nname = "a"\ndirection = "minimize"'


def test_a_program_printing_a_json_array_for_several_objectives_ends_after_its_first_generation(tmp_path):
    # it failed every evaluation ("result must be a number or a JSON object") until run.stop_after_failures, exit 1
    import l2l

    (tmp_path / "cmd.toml").write_text(COMMAND % ("nsga2", "[1.0, 2.0]", TWO))
    done = l2l_main("run", tmp_path / "cmd.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert "(printed a JSON array of 2 values, not a JSON object naming the run's 2 objectives ['a', 'b']; print a " \
           'JSON object naming them ({"a": ..., "b": ...}))' in last, last
    assert len(l2l.load(tmp_path / "cmd.h5")) == 4  # the first generation, kept


def test_a_program_printing_one_number_in_an_array_gives_the_objective_of_a_run_of_one(tmp_path):
    import l2l

    (tmp_path / "cmd.toml").write_text(COMMAND % ("random", "[0.25]", ONE))
    done = l2l_main("run", tmp_path / "cmd.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (l2l.load(tmp_path / "cmd.h5")["a"] == 0.25).all()


def test_an_objective_given_as_a_list_of_reports_says_so():
    # Ray Tune's reports kept as a list: one of them read "float() argument must be ... not 'dict'"
    import pytest

    from l2l.jobs.base import Settings, normalize

    for reports, said in (([{"acc": 0.9}], "a list of 1 dict"), ([{"acc": 0.9}] * 3, "a list of 3 dicts")):
        with pytest.raises(ValueError, match=f"objective 'acc': the simulator returned {said}, not a number; return"):
            normalize({"acc": reports}, Settings(objectives=("acc",)))

"""A run whose simulator was a Python function passed to l2l.run needs the function again to go on: the
message names the call of the command asked (l2l.resume, l2l.reevaluate.reevaluate) and, said to the command
line, that it cannot pass a function. ``l2l reevaluate`` told users to call l2l.resume."""

import pytest

import l2l
from l2l.cli import main
from l2l.errors import ConfigError

WHAT = "this run's simulator was the Python function {} passed to l2l.run"


def bowl(params, seed):
    return float(params["x"] ** 2)


@pytest.fixture
def run_file(tmp_path):
    config = l2l.from_mapping({"run": {"generations": 2, "seed": 2},
                               "space": {"x": {"low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 4},
                               "simulator": {"name": "python"}, "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path / "bowl.h5", simulator=bowl)


def _name(path):
    with l2l.Trajectory(path) as trajectory:
        return trajectory.run["simulator"]["function"]


def test_l2l_reevaluate_says_it_cannot_pass_the_function_and_names_the_python_call(run_file, capsys):
    before = sorted(p.name for p in run_file.parent.iterdir())
    capsys.readouterr()
    assert main(["reevaluate", str(run_file), "--top", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"l2l: error: l2l reevaluate cannot pass a function, and {WHAT.format(_name(run_file))}; "
                            f"re-evaluate it from Python: import l2l.reevaluate; "
                            f'l2l.reevaluate.reevaluate("{run_file}", simulator=bowl)\n')
    assert captured.out == ""
    assert sorted(p.name for p in run_file.parent.iterdir()) == before
    assert len(l2l.load(run_file, reevaluations=True)) == 0


def test_the_python_reevaluate_asks_for_its_own_call_and_works_with_the_function(run_file):
    import l2l.reevaluate

    with pytest.raises(ConfigError) as err:
        l2l.reevaluate.reevaluate(run_file, top=2, seeds=2)
    assert str(err.value) == (f"{WHAT.format(_name(run_file))}; pass it again: "
                              f'l2l.reevaluate.reevaluate("{run_file}", simulator=bowl)')
    table = l2l.reevaluate.reevaluate(run_file, top=2, seeds=2, simulator=bowl)
    assert len(table) == 2 and len(l2l.load(run_file, reevaluations=True)) == 4


def test_l2l_resume_says_it_is_done_from_python(run_file, capsys):
    capsys.readouterr()
    assert main(["resume", str(run_file), "--generations", "3", "--no-progress"]) == 2
    assert capsys.readouterr().err == (f"l2l: error: l2l resume cannot pass a function, and "
                                       f"{WHAT.format(_name(run_file))}; resume it from Python: "
                                       f'l2l.resume("{run_file}", simulator=bowl)\n')
    assert len(l2l.load(run_file)) == 8
    l2l.resume(run_file, generations=3, simulator=bowl)
    assert len(l2l.load(run_file)) == 12


def test_l2l_reevaluate_is_there_after_a_plain_import_l2l():
    """The README's l2l.reevaluate.ranking(path) after 'import l2l' raised AttributeError."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import l2l; print(l2l.reevaluate.ranking.__name__, "
                                                 "l2l.reevaluate.reevaluate.__name__)"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["ranking", "reevaluate"], done.stderr

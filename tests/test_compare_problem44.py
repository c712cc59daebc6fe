"""l2l compare's warning of runs of different problems: a python port of a command's training script beside the
command run (the comparison docs/multifidelity_simulators.md prepares, one unit for both) is one problem, and runs
of one name are told apart in the listing as the table tells them. Before, the two drew the warning, and four runs
named 'cmd' read 'cmd: python, l2, lr; cmd: python, l2, lr; cmd: python, l2, lr; cmd: command, l2, lr'."""

from types import SimpleNamespace

from l2l.plot.compare import same_problem


def run(name, simulator, parameters, path, proposer="tpe + asha"):
    return SimpleNamespace(name=name, run={"simulator": {"name": simulator}}, parameters=parameters, path=path,
                           proposer=proposer)


def test_python_and_command_versions_of_one_model_are_one_problem():
    runs = [run("cmd", "python", ["lr", "l2"], "a/py.h5"), run("cmd", "command", ["lr", "l2"], "a/cmd.h5")]
    assert same_problem(runs) is None


def test_runs_of_one_name_are_told_apart_in_the_warning():
    runs = [run("cmd", "python", ["lr", "l2"], "a/py.h5"), run("cmd", "command", ["lr"], "a/cmd.h5"),
            run("sphere", "sphere", ["x[0]", "x[1]"], "b.h5", proposer=None)]
    said = same_problem(runs)
    assert said.endswith(": cmd (tpe + asha) [py.h5]: python, l2, lr; cmd (tpe + asha) [cmd.h5]: command, lr; "
                         "sphere: sphere, x[0..1]"), said

"""A run of several objectives whose function returns its values without their names (a tuple, a list, one number)
(docs/multiobjective.md, 'Declaring them'): every evaluation fails the same way whatever its parameters, so the
run ends after its first generation in one line, exit status 2, the failed rows kept, as for an objective name the
function does not return. Before session 41 it ran on to run.stop_after_failures (max(20, 2 x the population)
evaluations) and ended with exit status 1, and a tuple of as many values as objectives was said to be
'a tuple of 3 values but the run has 3 objectives'."""
import pytest

import l2l

MODEL = '''
def as_tuple(params, seed):
    return (params["x"] ** 2, abs(params["x"]), 1.0 - params["x"])

def as_number(params, seed):
    return params["x"] ** 2
'''


@pytest.mark.parametrize("function, said", [
    ("as_tuple", "returned a tuple of 3 values, not a dict naming the run's 3 objectives ['err', 'spikes', 'acc']"),
    ("as_number", "returned 1 value but the run has 3 objectives ['err', 'spikes', 'acc']"),
], ids=["tuple", "number"])
def test_a_front_of_unnamed_values_ends_after_the_first_generation_with_exit_status_2(tmp_path, capsys, function,
                                                                                      said):
    from l2l.cli import main

    (tmp_path / "frontmodel.py").write_text(MODEL)
    config = tmp_path / "c.toml"
    config.write_text('[run]\ngenerations = 10\n[space]\nx = { low = -1.0, high = 1.0 }\n'
                      '[optimizer]\nname = "nsga2"\npopulation_size = 4\n'
                      f'[simulator]\nname = "python"\nfunction = "frontmodel:{function}"\npath = "{tmp_path}"\n'
                      '[[objectives]]\nname = "err"\n[[objectives]]\nname = "spikes"\n'
                      '[[objectives]]\nname = "acc"\ndirection = "maximize"\n[backend]\nname = "serial"\n')
    capsys.readouterr()
    assert main(["run", str(config), "--no-progress"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("l2l: error: no evaluation of the first generation returned the run's objectives")
    assert said in error
    assert "{'err': ..., 'spikes': ..., 'acc': ...}" in error  # every name, not the first two
    assert "fix what the simulator returns" in error
    frame = l2l.load(tmp_path / "run.h5")  # what was computed is kept: the first generation, no more
    assert len(frame) == 4 and (frame["status"] == "failed").all()


def test_compare_says_which_objectives_a_runs_hypervolume_leaves_out():
    # a run of err, spikes, acc beside one of err, acc is compared over err and acc: its front without spikes,
    # which the note under l2l compare's table did not say
    import numpy as np
    import pandas as pd

    from l2l.objectives import Objective
    from l2l.plot.compare import common_objectives, hypervolume_note
    from l2l.plot.data import RunData

    err, spikes, acc = Objective("err"), Objective("spikes"), Objective("acc", "maximize")
    rng = np.random.default_rng(1)

    def run(name, objectives):
        frame = pd.DataFrame({"generation": np.repeat([0, 1], 4), "individual": np.tile(range(4), 2),
                              "x": rng.uniform(size=8), "status": "ok", "duration": 0.1,
                              "started": pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(8), unit="s"),
                              **{o.name: rng.uniform(size=8) for o in objectives}})
        return RunData.from_frame(frame, objectives=objectives, name=name)

    runs = [run("pair", [err, acc]), run("triple", [err, spikes, acc])]
    shared = common_objectives(runs)
    assert shared == [err, acc]
    assert hypervolume_note(runs, shared).endswith("; taken over the objectives every run has (err, acc): "
                                                   "triple's front without spikes")
    assert "taken over" not in hypervolume_note(runs[1:], common_objectives(runs[1:]))  # one run: all its own

"""run.target (--target): what a review found after it was added.

A Lamarckian run whose generations never train a candidate to the simulator's top budget can never count a result
toward its target (only top-budget results count), so it is refused before anything runs rather than ending
'target not reached' with every value below the target; a target given as ``--target`` is refused in the words
the user wrote; the ``finished`` event of a run that reached its target names no candidate as continuable (none
is); a target not reached reads 'not reached yet' while the run may still go on (stopped, still running).
"""

from __future__ import annotations

import json

import pytest

import l2l
from conftest import TESTS, write_toml
from l2l.cli import main
from l2l.control import RunControl
from l2l.errors import ConfigError

LAMARCK = {"run": {"name": "lamarck", "seed": 4, "generations": 3, "inherit": 10, "target": 5.0},
           "space": {"learning_rate": {"type": "float", "low": 0.001, "high": 0.19, "log": True}},
           "optimizer": {"name": "ga", "population_size": 6},
           "simulator": {"name": "noisy-sgd", "max_budget": 40},
           "objectives": [{"name": "loss", "direction": "minimize"}],
           "backend": {"name": "serial"}}

SPHERE = {"run": {"name": "sphere", "seed": 3, "generations": 3},
          "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
          "optimizer": {"name": "ga", "population_size": 4}, "simulator": {"name": "sphere"},
          "backend": {"name": "serial"}}


def lamarck(**run):
    """LAMARCK with ``run`` changed (None: left out)."""
    data = {k: v for k, v in {**LAMARCK["run"], **run}.items() if v is not None}
    return l2l.from_mapping({**LAMARCK, "run": data})


@pytest.mark.parametrize("run, said", [
    ({}, "run.target counts only results at the simulator's top budget (40 training steps), and 3 generations of "
         "run.inherit = 10 training steps train candidates to 30 at most, so the run could never end at its target; "
         "give 4 generations (or a larger run.inherit), or leave the target out"),
    ({"inherit": True, "evaluations": 12}, "run.inherit = true's 2 generations of 13 training steps each (the top "
                                           "budget spread over them, in whole training steps) train candidates to 26 "
                                           "at most (run.evaluations = 12 leaves room for 2 generations of 6), so the "
                                           "run could never end at its target; give run.evaluations = 18 (all 3 "
                                           "generations)"),
    ({"generations": None, "evaluations": 15}, "(run.evaluations = 15 leaves room for 3 generations of 6), so the "
                                               "run could never end at its target; give run.evaluations = 24"),
])
def test_a_lamarckian_target_its_generations_never_reach_is_refused_before_the_run(run, said):
    with pytest.raises(ConfigError) as refused:
        l2l.loop.build(lamarck(**run))
    assert said in str(refused.value)
    l2l.loop.build(lamarck(**run, target=None))  # without a target: as before


def test_a_lamarckian_target_is_refused_in_one_line_naming_the_option_typed(tmp_path, capsys):
    config = write_toml(tmp_path / "l.toml", {**LAMARCK, "run": {k: v for k, v in LAMARCK["run"].items()
                                                                 if k != "target"}})
    assert main(["run", str(config), "--target", "5", "--out", str(tmp_path / "l.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: --target counts only results at the simulator's top budget") \
        and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "l.h5").exists()
    l2l.loop.build(lamarck(generations=4))  # 4 generations of 10 reach the top budget 40: the target can count


def test_a_target_naming_no_objective_of_the_simulator_names_the_option_typed(tmp_path, capsys):
    config = write_toml(tmp_path / "s.toml", SPHERE)  # objectives from the simulator: 'value'
    assert main(["run", str(config), "--target", "loss=1", "--out", str(tmp_path / "s.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: --target names 'loss', which is no objective of the run") \
        and "run.target" not in err
    written = write_toml(tmp_path / "t.toml", {**SPHERE, "run": {**SPHERE["run"], "target": {"loss": 1.0}}})
    assert main(["run", str(written), "--out", str(tmp_path / "t.h5"), "--no-progress"]) == 2
    assert capsys.readouterr().err.startswith("l2l: error: run.target names 'loss'")  # the config's own: as before


def test_the_finished_event_of_a_run_that_reached_its_target_names_nothing_continuable(tmp_path):
    config = l2l.from_mapping({
        "run": {"seed": 2, "compute": 300, "target": 1e9}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "python", "function": "models_compute_limit:curve",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}}, base_dir=TESTS)
    path = l2l.run(config, tmp_path / "a.h5", progress=False)  # the first top-budget result reaches 1e9
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    detail = json.loads(events["detail"].iloc[-1])
    assert events["kind"].iloc[-1] == "finished" and isinstance(detail["target"], dict)
    assert "continuable" not in detail
    states = l2l.load(path)["state"]
    assert set(states) == {"completed", "stopped"} and l2l.validate(path) == []  # none paused, as before


def test_a_target_not_reached_reads_not_reached_yet_while_the_run_may_go_on(tmp_path, capsys):
    from l2l.summary import finished_text

    config = l2l.from_mapping({**SPHERE, "run": {**SPHERE["run"], "target": -1.0}})  # a sphere value is never < 0
    control, seen = RunControl(), []

    def on_generation(info):
        if not seen:  # the run is still going: its writer holds the file
            seen.append(main(["show", str(tmp_path / "s.h5")]))
            seen.append(capsys.readouterr().out)
        control.request_stop("test")

    path = l2l.run(config, tmp_path / "s.h5", progress=False, control=control, on_generation=on_generation)
    assert seen[0] == 0 and "status: running" in seen[1] and "target     -1 not reached yet" in seen[1]
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.events()["kind"].iloc[-1] == "stopped"
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "target     -1 not reached yet" in out and "status: stopped" in out
    assert "target -1 not reached yet" in finished_text(path, 1.0)
    assert main(["resume", str(path), "--no-progress"]) == 0  # to the end: now it did not reach it
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "target     -1 not reached\n" in out and "status: finished" in out

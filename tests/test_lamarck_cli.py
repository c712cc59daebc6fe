"""A Lamarckian run (run.inherit) seen from the command line: summaries, and generations it cannot train."""

from __future__ import annotations

import pytest

import l2l
from l2l.cli import main
from l2l.errors import ConfigError

LAMARCK = {"run": {"name": "lamarck", "seed": 4, "generations": 4, "inherit": True},
           "space": {"learning_rate": {"type": "float", "low": 0.001, "high": 0.19, "log": True}},
           "optimizer": {"name": "ga", "population_size": 6},
           "simulator": {"name": "noisy-sgd", "max_budget": 40},
           "objectives": [{"name": "loss", "direction": "minimize"}],
           "backend": {"name": "serial"}}


@pytest.fixture(scope="module")
def lamarck_run(tmp_path_factory):
    """One run of LAMARCK for the tests here (each only reads it, or is refused before writing to it)."""
    return l2l.run(l2l.from_mapping(LAMARCK), tmp_path_factory.mktemp("lamarck") / "l.h5")


def test_show_report_and_the_closing_summary_of_a_lamarckian_run_speak_of_generations_and_compute(
        tmp_path, capsys, lamarck_run):
    path = lamarck_run
    from l2l.summary import finished_text  # what l2l run prints when it returns (it raised on this run)
    assert "4 of 4 generations, 24 segments (0 failed), compute 240 training steps" in finished_text(path, 1.0)
    assert main(["show", str(path)]) == 0
    assert "progress   4 of 4 generations, 24 segments (0 failed), compute 240 training steps, status: finished" \
        in capsys.readouterr().out
    # every figure at the lowest resolution: the text is what is read here
    assert main(["report", str(path), "-o", str(tmp_path / "r.html"), "--dpi", "20"]) == 0
    assert "compute 240 training steps" in (tmp_path / "r.html").read_text()


def test_generations_past_the_top_budget_are_refused_before_the_run_and_on_resume(tmp_path, capsys, lamarck_run):
    data = {**LAMARCK, "run": {**LAMARCK["run"], "inherit": 10, "generations": 5}}
    with pytest.raises(ConfigError, match="5 generations of 10 training steps each go past the simulator's top "
                                          "budget 40 .* use at most 4 generations"):
        l2l.loop.build(l2l.from_mapping(data))
    path = l2l.run(l2l.from_mapping({**data, "run": {**data["run"], "generations": 4}}), tmp_path / "n.h5")
    assert main(["resume", str(path), "--generations", "5", "--no-progress"]) == 2
    assert "use at most 4 generations" in capsys.readouterr().err
    spread = lamarck_run  # inherit = true: 10 steps per generation
    assert main(["resume", str(spread), "--generations", "5", "--no-progress"]) == 2
    assert "spread the top budget over the run's 4 generations" in capsys.readouterr().err
    for file in (path, spread):  # nothing was written to them: they stay valid and finished
        assert l2l.validate(file) == [] and len(l2l.load(file, segments=True)) == 24


def test_reevaluation_is_refused_for_learners_trained_on_others_checkpoints(tmp_path, capsys, lamarck_run,
                                                                           monkeypatch):
    from test_pbt import pbt_config

    path = l2l.run(pbt_config(seed=1), tmp_path / "p.h5")
    assert main(["reevaluate", str(path), "--top", "2", "--seeds", "2"]) == 2
    assert "does not apply to population-based training or run.inherit" in capsys.readouterr().err
    assert l2l.validate(path) == []
    assert main(["reevaluate", str(lamarck_run)]) == 2
    with pytest.raises(ConfigError, match="run.reevaluate does not apply"):
        l2l.from_mapping({**LAMARCK, "run": {**LAMARCK["run"], "reevaluate": {"top": 2, "seeds": 2}}})
    from l2l.plot import figures

    # the report's words, not its figures (a PBT run's lineage and schedules are drawn in test_pbt.py)
    monkeypatch.setattr(figures, "KINDS", ())
    assert main(["report", str(path), "-o", str(tmp_path / "r.html")]) == 0
    assert "Replay a learner's schedule" in (tmp_path / "r.html").read_text()


def test_resume_compute_extends_a_finished_multi_fidelity_run_and_show_states_the_new_budget(tmp_path, capsys):
    from test_multifidelity import comparable_segments, mf_config

    path = l2l.run(mf_config("asha", compute=300, seed=2), tmp_path / "a.h5")
    before = l2l.load(path, segments=True)
    assert main(["resume", str(path), "--compute", "700", "--no-progress"]) == 0
    after = l2l.load(path, segments=True)
    spent = float((after["budget"] - after["from_budget"]).sum())
    assert 700 <= spent < 700 + 81 and len(after) > len(before)
    old, new = (comparable_segments(f).set_index(["trial", "budget"]).sort_index() for f in (before, after))
    assert new.loc[old.index].equals(old)  # what ran before is kept as it was
    assert main(["show", str(path)]) == 0
    assert f"compute {spent:g} of 700 " in capsys.readouterr().out
    capsys.readouterr()
    assert main(["resume", str(path), "--compute", "-1"]) == 2
    assert "--compute must be a number of fidelity units >= 0, got -1" in capsys.readouterr().err
    plain = l2l.run(l2l.from_mapping({"run": {"seed": 1, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
                                      "optimizer": {"name": "random", "population_size": 2},
                                      "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}),
                    tmp_path / "p.h5")
    assert main(["resume", str(plain), "--compute", "100"]) == 2
    assert "--compute applies to a run with a [policy]" in capsys.readouterr().err

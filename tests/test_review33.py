"""Review of session 33's commits: what they broke nearby, each case failing on the commit it names."""

from __future__ import annotations

from pathlib import Path

import l2l

from l2l.jobs.base import FAILED, Outcome
from l2l.outcomes import refuse_nest_name_errors


class Writer:
    path = Path("run.h5")


def test_a_nest_model_name_that_is_one_of_a_categorical_choices_fails_that_choice_only_and_is_not_refused():
    # d229976: a space choosing the neuron model (nest.Create(params["neuron"])), one choice a model this NEST lacks
    # (a NESTML model not installed here): under asha with evaluations over a second the first commit is ONE
    # evaluation, and the run was refused after it ('fails every evaluation whatever its parameters'; exit 2)
    # though the other choices run
    error = ("Traceback (most recent call last):\nNESTErrors.UnknownModelName: my_ext_model is not a known model "
             "name.\n")
    synapse = "Traceback ...\nNESTErrors.UnknownSynapseType: Synapse with name my_stdp does not exist.\n"
    choices = ("iaf_psc_alpha", "my_ext_model", "static_synapse", "my_stdp", 3, True)
    refuse_nest_name_errors([Outcome(0, 0, 0, FAILED, error=error, budget=1.0, trial=0)], Writer(),
                            names=["neuron", "synapse", "x"], choices=choices)
    refuse_nest_name_errors([Outcome(0, i, i, FAILED, error=synapse) for i in range(2)], Writer(),
                            names=["neuron", "synapse", "x"], choices=choices)


class UnknownModelName(Exception):
    """As PyNEST's exception is named (``NESTErrors.UnknownModelName``)."""


UnknownModelName.__module__ = "NESTErrors"


def neuron_model(params, seed):
    if params["neuron"] == "my_ext_model":
        raise UnknownModelName("my_ext_model is not a known model name.")
    return float(params["x"] ** 2)


def test_a_run_whose_first_generation_all_chose_a_model_nest_lacks_goes_on_with_the_other_choices(tmp_path):
    for seed in (1, 8):  # seeds whose first generation (2) both chose my_ext_model: refused before, exit status 2
        config = {"run": {"seed": seed, "generations": 3},
                  "space": {"x": {"low": -1.0, "high": 1.0},
                            "neuron": {"type": "categorical", "choices": ["iaf_psc_alpha", "my_ext_model"]}},
                  "optimizer": {"name": "random", "population_size": 2}, "objectives": [{"name": "value"}],
                  "simulator": {"name": "python"}, "backend": {"name": "serial"}}
        rows = l2l.load(l2l.run(config, tmp_path / f"run{seed}.h5", simulator=neuron_model))
        first = rows[rows["generation"] == 0]
        assert (first["neuron"] == "my_ext_model").all() and (first["status"] == "failed").all()
        assert len(rows) == 6 and (rows["status"] == "ok").any()


def test_pbt_does_not_blame_an_explored_integer_for_a_continued_member_failing_for_another_reason(tmp_path, capsys):
    # b22d8a3: in a space with an integer parameter (which PBT explores in every exploit), the first failure of a
    # continued member of any kind (a RuntimeError, a timeout) was said to be the integer's: 'a parameter that sets
    # the shape of the checkpoint's arrays ... give [policy] keep = ["hidden"]'
    from test_docsrun33 import always_fails_when_continued, pbt_run

    for seed in (1, 2, 3):
        path = l2l.run(pbt_run(seed), tmp_path / f"p{seed}.h5", simulator=always_fails_when_continued)
        segments = l2l.load(path, segments=True)
        assert ((segments["status"] != "ok") & (segments["parent"] >= 0)).any()
    assert [line for line in capsys.readouterr().err.splitlines() if "l2l: warning: pbt" in line] == []


def test_show_of_a_pbt_run_in_a_file_named_with_a_space_gives_a_plot_command_that_pastes(tmp_path, capsys):
    # 1810ef0: 'drawn by l2l plot /tmp/my runs/p.h5 --kind schedules' ran l2l plot on '/tmp/my' and 'runs/p.h5'
    import shlex

    from l2l.cli import main

    folder = tmp_path / "my runs"
    folder.mkdir()
    config = {"run": {"name": "p", "seed": 3, "generations": 1},
              "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 4},
              "simulator": {"name": "sphere", "multi_fidelity": True, "min_budget": 1, "max_budget": 40},
              "policy": {"name": "pbt", "interval": 20}, "backend": {"name": "serial"}}
    path = l2l.run(config, folder / "p.h5")
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    line, = [line for line in capsys.readouterr().out.splitlines() if line.startswith("schedules")]
    assert f"l2l.lineage({str(path)!r})" in line
    assert shlex.split(line.split("drawn by ", 1)[1]) == ["l2l", "plot", str(path), "--kind", "schedules"]

"""A Ray Tune user moving a PBT + ASHA study to l2l on SLURM (helper-274, session 34; docs/coming_from_ray_tune.md).

Ray Tune's ``time_attr = "time_total_s"`` (ASHA's ``max_t`` and PBT's ``perturbation_interval`` in seconds) was
answered with a fidelity of epochs only, and in ``[run]`` not at all; ASHAScheduler's ``brackets`` and
``stop_last_trials`` and PBT's ``log_config`` were refused with l2l's list alone. Each is now one line naming what
l2l has, and the fidelity of seconds it names runs. Asynchronous PBT (Ray Tune's ``synch = False``) let a bottom member
that finished an interval before the top members go on untouched: it now waits for one of them and copies it.
"""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError


def _train(params, seed, budget, checkpoint=None):
    """Trains ``budget`` seconds in all (the seconds counted as a function that times itself would, but exact)."""
    done = 0.0 if checkpoint is None else float(checkpoint["seconds"])
    curve = [[min(t, float(budget)), float(params["x"] ** 2 + 1.0 / t)]
             for t in (done + 0.25 * (k + 1) for k in range(int(round((float(budget) - done) / 0.25))))]
    value = curve[-1][1] if curve else float(params["x"] ** 2 + 1.0 / budget)
    return l2l.SimulationResult(objectives={"loss": value}, curve={"loss": curve},
                                checkpoint={"seconds": float(budget)})


def _config(policy: dict, run: dict | None = None, fidelity: dict | None = None) -> dict:
    return {"run": {"seed": 1, **(run or {})}, "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
            "simulator": {"name": "python", "multi_fidelity": fidelity or {"name": "epochs", "minimum": 1,
                                                                           "maximum": 9}},
            "optimizer": {"name": "random"}, "policy": policy,
            "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


SECONDS = 'name = "seconds", minimum = 10, maximum = 600, integer = false'


@pytest.mark.parametrize("where", ["policy", "run"])
def test_time_attr_in_seconds_is_answered_with_a_fidelity_of_seconds_in_policy_and_run(tmp_path, where):
    config = _config({"name": "asha", "max_candidates": 4, **({"time_attr": "time_total_s"}
                                                              if where == "policy" else {})},
                     run={"time_attr": "time_total_s"} if where == "run" else None)
    with pytest.raises(ConfigError) as error:
        l2l.run(config, tmp_path / "run.h5", simulator=_train, progress=False)
    said = str(error.value)
    assert "Ray Tune's time_attr is the budget your function is given" in said, said
    assert SECONDS in said and "\n" not in said, said
    assert not (tmp_path / "run.h5").exists()


def test_the_fidelity_of_seconds_the_time_attr_line_names_runs_asha_and_pbt(tmp_path):
    """A guard (passes on the old code too): what the line names is accepted, the rungs in seconds."""
    seconds = {"name": "seconds", "minimum": 0.25, "maximum": 2.25, "integer": False}
    asha = l2l.run(_config({"name": "asha", "eta": 3, "min_budget": 0.25, "max_candidates": 3}, fidelity=seconds),
                   tmp_path / "asha.h5", simulator=_train, progress=False)
    assert sorted(set(l2l.load(asha, segments=True)["budget"])) == [0.25, 0.75, 2.25]
    pbt = l2l.run(_config({"name": "pbt", "population": 2, "interval": 0.75}, fidelity=seconds),
                  tmp_path / "pbt.h5", simulator=_train, progress=False)
    assert (l2l.load(pbt)["state"] == "completed").sum() == 2
    assert float(l2l.checkpoint(pbt)["seconds"]) == 2.25


@pytest.mark.parametrize("policy, said", [
    ({"name": "asha", "brackets": 1}, "Ray Tune's ASHAScheduler brackets: asha is one bracket (Ray Tune's default); "
                                      "for several, [policy] name = \"hyperband\" (brackets = N)"),
    ({"name": "asha", "stop_last_trials": False}, "Ray Tune's stop_last_trials: a candidate always stops at "
                                                  "max_budget here"),
    ({"name": "pbt", "log_config": True}, "Ray Tune's log_config: every exploit is in the run's file: "
                                          "l2l.lineage(path), l2l plot FILE --kind lineage"),
])
def test_ray_tunes_asha_and_pbt_options_without_a_twin_are_refused_saying_what_l2l_has(tmp_path, policy, said):
    with pytest.raises(ConfigError) as error:
        l2l.run(_config({**policy, **({"max_candidates": 4} if policy["name"] == "asha" else {})},
                        run={"compute": 100} if policy["name"] == "pbt" else None),
                tmp_path / "run.h5", simulator=_train, progress=False)
    assert str(error.value).endswith(said) and "\n" not in str(error.value), error.value
    assert not (tmp_path / "run.h5").exists()


def test_hyperband_named_for_several_brackets_takes_them_and_median_stopping_is_not_sent_to_it():
    from l2l.policies import POLICIES

    assert POLICIES.create("hyperband", {"brackets": 2}).brackets == 2
    with pytest.raises(ConfigError) as error:
        POLICIES.create("median-stopping", {"brackets": 1})
    assert "hyperband" not in str(error.value), error.value


def _learner(params, seed, budget, checkpoint=None):
    """A learner whose loss at every step is its parameter ``x`` plus a falling curve: the order never changes."""
    step = 0 if checkpoint is None else int(checkpoint["step"])
    curve = [[s, params["x"] + 1.0 / s] for s in range(step + 1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                                checkpoint={"step": int(budget)})


def test_asynchronous_pbt_replaces_the_worst_member_even_where_it_finishes_every_interval_first(tmp_path):
    """Ray Tune's PBT (synch = False) pauses a trial that ran ahead until the others catch up. l2l's asynchronous
    PBT judged a member that finished an interval first at the budget before, but where no member of the top was
    at its budget yet it went on untouched: trained in turn (one worker), trial 0 finishes every interval first,
    and as the worst member it trained to the end (loss 0.9 beside members at 0.1 to 0.3). Now it waits for a top
    member to reach its budget and copies it."""
    config = _config({"name": "pbt", "population": 4, "interval": 10, "synchronous": False},
                     run={"name": "async", "seed": 0,
                          "initial_points": [{"x": 0.9}, {"x": 0.1}, {"x": 0.2}, {"x": 0.3}]},
                     fidelity={"name": "steps", "minimum": 1, "maximum": 40})
    config["space"] = {"x": {"type": "float", "low": 0.0, "high": 1.0}}
    path = l2l.run(config, tmp_path / "async.h5", simulator=_learner, progress=False)
    segments = l2l.load(path, segments=True)
    final = segments[segments["budget"] == 40]
    assert final["trial"].nunique() == 4  # the population kept its size, every member at the top
    assert 0 not in set(final["trial"]), segments[["trial", "from_budget", "budget", "parent", "loss"]]
    assert segments.loc[segments["trial"] == 0, "budget"].max() <= 20  # replaced at its first chance or next
    assert final["loss"].max() < 0.6
    assert l2l.load(path)["compute"].sum() <= 4 * 40  # no slot trained a range twice

"""Defects the session-35 fuzzing (helper-298, fuzz35) found in surfaces session 34 added."""
from __future__ import annotations

import l2l


def bowl(params, seed):
    return float(params["x"]) ** 2


def test_on_evaluation_info_of_a_run_without_fidelity_holds_trial_and_budget_as_none(tmp_path):
    # docs/python_api.md: "trial and budget are None in a run without a fidelity, such as the bowl run"; a logger
    # written for an asha run (info["trial"], info["budget"]) raised KeyError in a generational run
    seen = []
    config = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
              "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
              "backend": {"name": "serial"}}
    l2l.run(config, tmp_path / "bowl.h5", simulator=bowl, on_evaluation=seen.append)
    assert len(seen) == 2
    for info in seen:
        assert (info["trial"], info["budget"], info["from_budget"]) == (None, None, None)
        assert info["status"] == "ok" and info["objectives"]["value"] == bowl(info["params"], 0)

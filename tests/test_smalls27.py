"""Four small things a user of a multi-objective or resumed run read wrong (session 27).

* The progress bar said ``best err=0.0006 spikes=17.9``: per-objective bests of different candidates, read as one
  candidate; it now says ``best of each: err=... spikes=...``.
* A policy refused several objectives ("ranks candidates by one objective") without saying what to do instead.
* Versions were recorded only when the file was created: a session resumed on another machine, or with another
  l2l or numpy, recorded nothing. Its ``resumed`` event now records those that differ, and ``l2l show`` says so.
* ``l2l compare`` of a re-evaluated run labelled "re-evaluated spikes" the best spikes mean among candidates that
  ``l2l reevaluate`` picked by err: the column now says so.
"""

from __future__ import annotations

import json

import pytest

import l2l
import l2l.provenance
from l2l.config import from_mapping
from l2l.errors import ConfigError
from l2l.loop import build
from l2l.plot.compare import table
from l2l.progress import progress_text
from l2l.reevaluate import reevaluate
from l2l.results_schema.reader import Trajectory
from l2l.summary.text import show_text


def trade_off(params, seed):
    """Two objectives that fight over x: the best err (x = 0) has the worst spikes."""
    x = params["x"]
    return {"err": x, "spikes": 10.0 * (1.0 - x)}


def trained(params, seed, budget):
    """``trade_off`` with a fidelity (for a policy)."""
    return trade_off(params, seed)


def _config(generations: int = 1, population: int = 8, policy: dict | None = None):
    mapping = {"run": {"name": "mo", "seed": 5, "generations": generations},
               "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
               "optimizer": {"name": "random", "population_size": population},
               "simulator": "python",
               "objectives": [{"name": "err"}, {"name": "spikes"}],
               "backend": {"name": "serial"}}
    if policy is not None:
        mapping.pop("simulator")
        mapping["run"] = {"name": "mo", "seed": 5, "compute": 50}
        mapping["simulator"] = {"name": "python",
                                "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}}
        mapping["policy"] = policy
    return from_mapping(mapping)


def test_the_bar_of_several_objectives_says_each_best_is_its_own():
    text = progress_text(3, {"err": 0.0006, "spikes": 17.9, "acc": 0.9994}, 0)
    assert text == "gen 3 best of each: err=0.0006 spikes=17.9 acc=0.9994"
    assert progress_text(3, {"loss": 0.125}, 2) == "gen 3 best loss=0.125 failed 2"  # one objective: as before


@pytest.mark.parametrize("policy", ["asha", "hyperband", "median-stopping"])
def test_a_policy_refusing_several_objectives_says_what_to_do(policy):
    with pytest.raises(ConfigError) as refused:
        build(_config(policy={"name": policy}), trained)
    message = str(refused.value)
    assert "\n" not in message
    assert "ranks candidates by one objective; the run has 2: ['err', 'spikes']" in message
    assert "keep only the one to rank by in [[objectives]]" in message and "'err'" in message
    assert "stored as metrics" in message and "remove the [policy] table" in message and "nsga2" in message


def _resumed_versions(path) -> list[dict | None]:
    with Trajectory(path) as trajectory:
        events = trajectory.events()
    return [json.loads(detail).get("versions") for kind, detail in zip(events["kind"], events["detail"])
            if kind == "resumed"]


def test_a_session_resumed_with_other_versions_records_them_and_show_says_so(tmp_path, monkeypatch):
    path = l2l.run(_config(generations=1, population=4), tmp_path / "mo.h5", simulator=trade_off, progress=False)
    with Trajectory(path) as trajectory:
        numpy = trajectory.run["versions"]["numpy"]
    l2l.resume(path, generations=2, simulator=trade_off, progress=False)  # the same machine and l2l
    assert _resumed_versions(path) == [None]
    same = versions_line(path)
    assert "resumed" not in same

    here = l2l.provenance.versions
    monkeypatch.setattr(l2l.provenance, "versions", lambda: {**here(), "numpy": "9.9.9", "l2l": "7.0"})
    l2l.resume(path, generations=3, simulator=trade_off, progress=False)  # as on another machine
    assert _resumed_versions(path) == [None, {"l2l": "7.0", "numpy": "9.9.9"}]
    line = versions_line(path)
    assert line.startswith(same + "; ")  # the file's versions first, as before
    assert line.endswith(f"session 3 (resumed): l2l {l2l.__version__} -> 7.0, numpy {numpy} -> 9.9.9")


def versions_line(path) -> str:
    with Trajectory(path) as trajectory:
        text = show_text(trajectory)
    return next(line for line in text.splitlines() if line.startswith("versions "))


def test_compare_says_another_objectives_fresh_mean_is_among_those_picked_by_the_first(tmp_path):
    path = l2l.run(_config(generations=1, population=12), tmp_path / "mo.h5", simulator=trade_off, progress=False)
    reevaluate(path, top=3, seeds=2, simulator=trade_off, objective="err")  # the 3 best by err: the 3 worst by spikes
    columns = list(table([path]).columns)
    assert "re-evaluated err" in columns
    assert "re-evaluated spikes" not in columns
    assert "re-evaluated spikes (among the re-evaluated, picked by err)" in columns

    reevaluate(path, top=3, seeds=2, simulator=trade_off, objective="spikes")  # now the 3 best of each: 6
    columns = list(table([path]).columns)
    assert "re-evaluated spikes (among the re-evaluated)" in columns and "re-evaluated err (among the " \
        "re-evaluated)" in columns

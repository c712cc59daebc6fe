"""Several objectives, the leftovers of session 27.

* ``l2l compare`` of runs whose Pareto front was re-evaluated (``l2l reevaluate`` without ``--objective``) says so
  in its columns (``re-evaluated spikes (among the re-evaluated, picked: the Pareto front)``; it said ``picked by
  err`` or nothing) and compares the fronts on the fresh seeds by their hypervolume (``re-evaluated hypervolume``),
  not by one objective's best alone.
* ``l2l reevaluate`` asked again for less of the front says what is stored and what was asked (``4 candidates of
  the Pareto front ... the request (2 candidates of the Pareto front ...)``; it said ``2 best candidates``).
* The overview's title says of which candidates the re-evaluated mean is the best (``best spikes of the 4 of the
  Pareto front re-evaluated``; it said ``best of 4``).
* A metric named in the objectives is an objective: ``lsnn``'s and ``lsm``'s firing rates (error against energy),
  and a function's metric; an unknown name is still refused in one line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_mo27b import _run, trade_off

import l2l
from l2l.cli import main
from l2l.objectives import Objective, hypervolume_2d, scores_from_values
from l2l.reevaluate import reevaluate

TESTS = Path(__file__).resolve().parent
ERR_SPIKES = [Objective("err"), Objective("spikes")]


def _front_reevaluated(folder: Path, seed: int, top: int = 4) -> str:
    """A run of err and spikes whose front (longer than ``top``) was re-evaluated, not its best by err."""
    path = _run(folder, seed)
    reevaluate(path, top=top, seeds=2, simulator=trade_off)
    rows = l2l.load(path).sort_values("err", kind="stable")
    best_by_err = set(list(zip(rows["generation"], rows["individual"]))[:top])
    fresh = l2l.load(path, reevaluations=True)
    assert set(zip(fresh["generation"], fresh["individual"])) != best_by_err  # the front: not the best by err
    return path


def test_compare_labels_a_front_re_evaluation_as_the_front_and_gives_its_fresh_hypervolume(tmp_path):
    from l2l.plot.compare import table

    path = _front_reevaluated(tmp_path, 4)
    frame = table([path])
    for name in ("err", "spikes"):
        assert f"re-evaluated {name} (among the re-evaluated, picked: the Pareto front)" in frame.columns
    # the front on the fresh seeds, from the corner of the hypervolume column (the worst result of each objective)
    corner = scores_from_values(l2l.load(path)[["err", "spikes"]].to_numpy(), ERR_SPIKES).min(axis=0)
    fresh = l2l.load(path, reevaluations=True).groupby(["generation", "individual"])[["err", "spikes"]].mean()
    assert len(fresh) == 4
    expected = hypervolume_2d(scores_from_values(fresh.to_numpy(), ERR_SPIKES), corner)
    assert expected > 0 and frame["re-evaluated hypervolume"].iloc[0] == pytest.approx(expected)


def test_reevaluate_asked_again_for_less_of_the_front_says_the_front(tmp_path, capsys):
    path = _run(tmp_path)
    assert main(["reevaluate", path, "--top", "4", "--seeds", "3"]) == 0
    capsys.readouterr()
    assert main(["reevaluate", path, "--top", "2", "--seeds", "2"]) == 0  # both ends: among the 4 spread before
    err = capsys.readouterr().err
    assert err.splitlines() == ["l2l: note: nothing new to evaluate: the stored re-evaluation (4 candidates of the "
                                "Pareto front, up to 3 seeds each) already covers the request (2 candidates of the "
                                "Pareto front on 2 seeds each); its ranking follows"], err
    assert main(["reevaluate", path, "--top", "1", "--seeds", "2", "--objective", "err"]) == 0
    err = capsys.readouterr().err
    assert "covers the request (1 best by err on 2 seeds)" in err, err


def test_the_overview_title_says_the_re_evaluated_mean_is_the_best_of_the_front(tmp_path):
    from l2l.numbers import number
    from l2l.plot import overview
    from l2l.reevaluate import ranking

    path = _front_reevaluated(tmp_path, 4)
    title = overview(path)._suptitle.get_text()
    mean = ranking(path)["mean"].iloc[0]
    assert (f"re-evaluated on 2 fresh seeds, best err of the 4 of the Pareto front re-evaluated: {number(mean)}"
            in title), title


def rate_as_metric(params, seed):
    """err as the objective, rate as a metric: what lsnn and lsm return."""
    return l2l.SimulationResult(objectives={"err": params["x"]}, metrics={"rate": (1.0 - params["x"]) * 10.0,
                                                                         "other": 1.0})


def test_a_metric_named_in_the_objectives_is_an_objective(tmp_path):
    config = {"run": {"name": "m", "seed": 1, "generations": 1},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 6},
              "simulator": {"name": "python", "function": "test_mo28:rate_as_metric", "path": str(TESTS)},
              "objectives": ["err", "rate"], "backend": {"name": "serial"}}
    path = l2l.run(l2l.from_mapping(config), tmp_path / "m.h5", progress=False)
    rows = l2l.load(path)
    assert (rows["status"] == "ok").all()
    assert [o["name"] for o in rows.attrs["objectives"]] == ["err", "rate"]
    assert np.allclose(rows["rate"], (1.0 - rows["x"]) * 10.0) and (rows["other"] == 1.0).all()
    assert len(l2l.front(path)) == 6  # err and rate fight over x: every point is on the front


LSNN_TINY = {"training_steps": 2, "batch_size": 4, "test_trials": 8, "delay": 40, "n_lif": 2, "n_alif": 4}
LSM_TINY = {"n_exc": 16, "n_inh": 4, "n_inputs": 8, "train_examples": 4, "test_examples": 4, "tasks": 1,
            "kinds": ["pattern"]}


@pytest.mark.parametrize("simulator, options, error, rate, metric", [
    ("lsnn", LSNN_TINY, "recall_error", "firing_rate", "firing_rate_alif"),
    ("lsm", LSM_TINY, "test_error", "firing_rate_exc", "firing_rate"),
])
def test_a_spiking_networks_firing_rate_can_be_a_second_objective(tmp_path, capsys, simulator, options, error, rate,
                                                                  metric):
    space = {"thr": {"type": "float", "low": 0.5, "high": 2.0}} if simulator == "lsnn" else \
        {"input_gain": {"type": "float", "low": 1.0, "high": 20.0}}
    config = {"run": {"name": "energy", "seed": 1, "generations": 2}, "space": space,
              "optimizer": {"name": "nsga2", "population_size": 4},
              "simulator": {"name": simulator, **options}, "objectives": [error, rate],
              "backend": {"name": "serial"}}
    path = l2l.run(l2l.from_mapping(config), tmp_path / "energy.h5", progress=False)
    rows = l2l.load(path)
    assert (rows["status"] == "ok").all() and (rows[rate] >= 0).all()
    assert [o["name"] for o in rows.attrs["objectives"]] == [error, rate]
    front = l2l.front(path)
    assert front and all(set(c.objectives) == {error, rate} for c in front)
    assert metric in rows.columns  # the other rates stay metrics

    config["objectives"] = [error, "rate"]  # an unknown name: one line, exit status 2, nothing made
    toml = tmp_path / "bad.toml"
    toml.write_text(_toml(config))
    assert main(["run", str(toml), "--out", str(tmp_path / "bad.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"l2l: error: objective 'rate' is not produced by simulator {simulator!r}; it produces ")
    assert f"{rate!r}" in err and "\n" not in err and not (tmp_path / "bad.h5").exists()


def test_lsnn_curves_include_the_rates_a_policy_would_rank_by():
    from l2l.simulators.lsnn import LSNN

    result = LSNN(**LSNN_TINY).run_to({}, 3, 2, None)
    assert result.curve["firing_rate"] == [[2, result.metrics["firing_rate"]]]


def _toml(config: dict) -> str:
    import json

    lines = [f"objectives = {json.dumps(config['objectives'])}"]
    for section in ("run", "simulator", "optimizer", "backend"):
        lines.append(f"[{section}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in config[section].items()]
    lines.append("[space]")
    for name, spec in config["space"].items():
        lines.append(f"{name} = {{ {', '.join(f'{k} = {json.dumps(v)}' for k, v in spec.items())} }}")
    return "\n".join(lines) + "\n"

"""l2l.best and l2l.front: the best candidate (the Pareto front) as ``l2l show`` lists it, from Python. Before, no
public call gave it: the minimum of ``l2l.load(path)`` picks the single luckiest result, not the candidate with the
best mean over its repeats that show, the report and the plots name."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.cli import main
from l2l.errors import TrajectoryError

MODEL = '''
import numpy as np

import l2l

BASE = {"steady": 0.0, "lucky": 0.5, "poor": 1.0}
SPREAD = {"steady": 0.01, "lucky": 2.0, "poor": 0.01}


def noisy(params, seed):
    """'lucky' has the best single results (its seeds spread it widely), 'steady' the best mean."""
    value = BASE[params["arm"]] + SPREAD[params["arm"]] * np.random.default_rng(seed).normal()
    return {"loss": value, "cost": {"steady": 3.0, "lucky": 1.0, "poor": 0.5}[params["arm"]]}


def epochs(params, seed, budget, checkpoint=None):
    done = int(checkpoint["epochs"]) if checkpoint else 0
    curve = [[e, params["k"] / e] for e in range(done + 1, int(budget) + 1)]
    return l2l.SimulationResult({"loss": params["k"] / budget}, curve={"loss": curve},
                                checkpoint={"epochs": float(budget)})
'''


def _run(folder, name, objectives, simulator, **extra):
    config = l2l.from_mapping({
        "run": {"name": name, "seed": 1, **extra.pop("run", {})},
        "space": extra.pop("space"),
        "simulator": {"name": "python", "path": str(folder), **simulator},
        "objectives": [{"name": o, "direction": "minimize"} for o in objectives],
        "backend": {"name": "serial"}, **extra})
    return l2l.run(config, folder / f"{name}.h5", progress=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("best_api")
    (folder / "best_api_model.py").write_text(MODEL)
    arms = {"arm": {"type": "categorical", "choices": ["steady", "lucky", "poor"]}}
    one = _run(folder, "one", ["loss"], {"function": "best_api_model:noisy"}, space=arms,
               run={"generations": 8}, optimizer={"name": "random", "population_size": 6})
    two = _run(folder, "two", ["loss", "cost"], {"function": "best_api_model:noisy"}, space=arms,
               run={"generations": 8}, optimizer={"name": "random", "population_size": 6})
    mf = _run(folder, "mf", ["loss"], {"function": "best_api_model:epochs",
                                       "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1,
                                                          "maximum": 9}},
              space={"k": {"type": "int", "low": 1, "high": 50},
                     "w": {"type": "float", "low": 0.0, "high": 1.0, "shape": [2]}}, run={"compute": 60},
              policy={"name": "successive-halving", "eta": 3})
    return {"one": one, "two": two, "mf": mf}


def _shown(path, capsys) -> list[list[str]]:
    assert main(["show", str(path), "--top", "3"]) == 0
    out = capsys.readouterr().out
    table = out[out.index("\nbest ") + 1:] if "\nbest " in out else out[out.index("\nPareto front") + 1:]
    return [line.split() for line in table.splitlines()[2:] if line.strip()]


def test_best_is_the_candidate_show_names_by_its_mean_not_the_luckiest_result(runs, capsys):
    frame = l2l.load(runs["one"])
    ok = frame[frame["status"] == "ok"]
    assert ok.loc[ok["loss"].idxmin(), "arm"] == "lucky"  # the minimum of l2l.load: one lucky seed
    best = l2l.best(runs["one"])
    steady = ok[ok["arm"] == "steady"]
    assert best.params["arm"] == "steady" and best.n == len(steady) > 1
    assert best.value == pytest.approx(steady["loss"].mean()) and best.sd["loss"] == pytest.approx(steady["loss"].std())
    first = _shown(runs["one"], capsys)[0]  # generation individual loss n sd arm
    assert [int(first[0]), int(first[1]), first[5]] == [best.generation, best.individual, "steady"]
    assert float(first[2]) == pytest.approx(best.value, abs=1e-6) and int(first[3]) == best.n
    assert l2l.front(runs["one"]) == [best]
    later = frame[frame["generation"] >= 4]  # a frame, filtered: its rows only
    assert l2l.best(later).n == int((later["status"] == "ok").to_numpy()[later["arm"] == "steady"].sum())


def test_front_lists_the_candidates_show_lists(runs, capsys):
    with pytest.raises(ValueError, match=r"2 objectives \(loss, cost\): no single best; l2l.front"):
        l2l.best(runs["two"])
    front = l2l.front(runs["two"])
    shown = _shown(runs["two"], capsys)  # generation individual loss cost n arm
    assert [(c.generation, c.individual, c.n) for c in front] == [(int(r[0]), int(r[1]), int(r[4])) for r in shown]
    assert {c.params["arm"] for c in front} == {"steady", "lucky", "poor"}  # each arm's mean: none dominates
    with pytest.raises(ValueError, match="2 objectives"):
        front[0].value


def test_a_multi_fidelity_best_is_at_the_top_budget(runs, capsys):
    best = l2l.best(runs["mf"])
    assert best.budget == 9.0 and best.trial is not None and isinstance(best.params["k"], int)
    assert isinstance(best.params["w"], np.ndarray) and best.params["w"].shape == (2,)
    top = l2l.load(runs["mf"])
    top = top[top["budget"] == 9.0]
    assert best.value == pytest.approx(top["loss"].min()) and best.params["k"] == int(top["k"].min())
    first = _shown(runs["mf"], capsys)[0]  # trial budget state loss k w[0] w[1]
    assert int(first[0]) == best.trial


def test_a_frame_without_its_objectives_is_refused(runs):
    frame = l2l.load(runs["one"])
    frame.attrs.clear()
    with pytest.raises(TrajectoryError, match="does not say its objectives"):
        l2l.best(frame)

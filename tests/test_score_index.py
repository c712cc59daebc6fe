"""The driver's score index answers the model-based policy's questions as the trials' dicts do, bit for bit.

A model-based run of tens of thousands of cheap candidates spent most of its time ranking every candidate in
Python at every proposal; the index (l2l.policies.base.ScoreIndex) keeps the scores as arrays. Its decisions
must not differ from the dicts' anywhere: these runs play the policy with and without it (noisy results that
start repeats and the endgame, NaN results, ties, budgets that are not whole numbers) and compare every
segment and the final state, then a real run of the loop against the same run with the index switched off.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import l2l
from l2l.config import from_mapping
from l2l.policies import POLICIES, TrialTable
from l2l.policies.base import ScoreIndex
from l2l.policies.model_based import ModelBased
from l2l.testing.policies import play


def _noisy(seed: int, nan_share: float = 0.0, ties: bool = False):
    rng = np.random.default_rng(seed)

    def value(code: np.ndarray, budget: float) -> float:
        base = -float(np.sum((np.asarray(code) - 0.3) ** 2))
        if ties:
            base = round(base, 1)  # many equal scores: the order of ties decides
        if nan_share and budget < 81 and rng.random() < nan_share:
            return float("nan")
        return base * (1 + 1.0 / budget) + float(rng.normal(0, 0.02 if not ties else 0.0))

    return value


_rows, _arrays = ModelBased._pooled_rows, ModelBased._pooled


CASES = {
    "defaults, noisy": ({}, {}),
    "no pooled ranks": ({"pooled_ranks": False, "screening": False}, {}),
    "nan at low budgets": ({}, {"nan_share": 0.1}),
    "ties": ({}, {"ties": True}),
    "early race": ({"early_race": True, "repeats": 3}, {}),
}


@pytest.mark.parametrize("case,seed", [(case, 3 + 8 * i) for i, case in enumerate(sorted(CASES))])
def test_policy_decides_alike_with_and_without_the_index(case, seed, monkeypatch):
    options, noise = CASES[case]
    runs = []
    for indexed in (False, True):
        # without the index, the pooled order a row at a time in Python, as before the index
        monkeypatch.setattr(ModelBased, "_pooled", _arrays if indexed else _rows)
        policy = POLICIES.create("model-based", {"eta": 3, **options})
        state = policy.init([1.0, 3.0, 9.0, 27.0, 81.0], 3, seed)
        steps, compute = (650, 2600.0) if case == "defaults, noisy" else (450, 2000.0)
        segments, state, running = play(policy, state, {}, steps, capacity=3, seed=seed, dimension=3,
                                        value=_noisy(seed, **noise), indexed=indexed, compute=compute)
        runs.append((segments, json.dumps(state, sort_keys=True), running))
    assert runs[0][0] == runs[1][0]
    assert runs[0][1] == runs[1][1]
    assert runs[0][2] == runs[1][2]
    state = json.loads(runs[1][1])
    assert len({t for t, _, b in runs[1][0] if b == 81.0}) >= 12, "the run reached the model's top results"
    if case == "defaults, noisy":
        assert state["repeats"], "the noisy top budget started repeats"
        assert state["endgame_from"] is not None and state["local"], "the endgame started and took local steps"


def test_index_answers_as_the_dicts():
    rng = np.random.default_rng(5)
    trials = {}
    budgets = [0.5, 1.5, 4.5]  # not whole: keys as repr of the float
    index = ScoreIndex({})
    for trial in rng.permutation(300).tolist():
        reached = float(rng.choice(budgets))
        scores = {repr(b): float(rng.normal()) for b in budgets if b <= reached}
        trials[str(trial)] = {"code": rng.random(2).tolist(), "budget": reached, "scores": scores,
                              "running": False}
        index.update(trial, trials[str(trial)])
    for trial in rng.choice(300, 40, replace=False).tolist():  # a restarted segment rewrites lower scores
        record = trials[str(trial)]
        record["scores"] = {**record["scores"], **{k: float(rng.normal()) for k in record["scores"]}}
        index.update(trial, record)
    plain, fast = TrialTable(trials, None, {}), TrialTable(trials, None, {}, index=index)
    for budget in budgets:
        assert list(plain.scores_at(budget).items()) == list(fast.scores_at(budget).items())
        (a_ids, a_values), (b_ids, b_values) = plain.ranked_at(budget), fast.ranked_at(budget)
        assert a_ids.tolist() == b_ids.tolist() and a_values.tolist() == b_values.tolist()
        expected = sorted(plain.scores_at(budget), key=lambda t: (-plain.score(t, budget), t))
        assert b_ids.tolist() == expected
    assert plain.spent() == fast.spent() == sum(trials[str(t)]["budget"] for t in range(300))
    ids = rng.choice(300, 50).tolist()
    assert np.array_equal(plain.unit_codes(ids, 2), fast.unit_codes(ids, 2))
    index.drop(7)
    del trials["7"]
    assert list(TrialTable(trials, None, {}).scores_at(0.5).items()) == list(fast.scores_at(0.5).items())


def test_a_run_of_the_loop_is_the_same_without_the_index(tmp_path, monkeypatch):
    # compute 4000: some 650 segments and every phase of the policy (its endgame, local steps, repeats and probes
    # started by the end); at 6000 (1,079 segments) the run without the index took 7 s of CPU, at 4000 about 3
    config = {"run": {"name": "mb", "seed": 4, "compute": 4000},
              "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [3]}},
              "optimizer": {"name": "random"}, "policy": {"name": "model-based", "eta": 3},
              "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}
    config = from_mapping(config)
    l2l.run(config, out=tmp_path / "indexed.h5", progress=False)
    from l2l import driver

    monkeypatch.setattr(ModelBased, "_pooled", _rows)
    monkeypatch.setattr(driver, "TrialTable", lambda trials, to_unit, loop, space, compute, index=None,
                        initial_points=0: TrialTable(trials, to_unit, loop, space, compute,
                                                     initial_points=initial_points))  # every answer from the dicts
    l2l.run(config, out=tmp_path / "plain.h5", progress=False)
    a = l2l.load(tmp_path / "indexed.h5", segments=True)
    b = l2l.load(tmp_path / "plain.h5", segments=True)
    columns = ["trial", "budget", "from_budget", "seed", "value", "x[0]", "x[1]", "x[2]"]
    assert len(a) > 500
    assert a[columns].equals(b[columns])

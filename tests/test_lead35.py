"""The lead's fixes of session 35 (6 December), each found by a helper."""

from __future__ import annotations

import pytest

import l2l


@pytest.fixture(scope="module")
def pbt_run(tmp_path_factory):
    config = l2l.from_mapping({
        "run": {"name": "lin", "seed": 3},
        "space": {"learning_rate": {"type": "float", "low": 0.001, "high": 0.19, "log": True},
                  "schedule": {"type": "categorical", "choices": ["fast", "slow"]}},
        "optimizer": {"name": "random"},
        "simulator": {"name": "python", "function": "choice_models:sgd_with_a_choice",
                      "multi_fidelity": {"name": "steps", "unit": "training steps", "minimum": 1, "maximum": 20}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "pbt", "population": 3, "interval": 10},
        "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path_factory.mktemp("lin") / "lin.h5", progress=False)


def test_lineage_of_no_member_has_the_columns_of_any_lineage(pbt_run):
    """fuzz35: members=[] gave 5 columns (no parent, seed, loss, status): df['loss'] raised KeyError."""
    every = l2l.lineage(pbt_run)
    none = l2l.lineage(pbt_run, members=[])
    assert list(none.columns) == list(every.columns) and len(none) == 0
    assert "loss" in none.columns and "seed" in none.columns


def test_lineage_of_a_member_asked_for_twice_gives_its_rows_once(pbt_run):
    """fuzz35: members=[1, 1] gave member 1's rows twice."""
    member = int(l2l.lineage(pbt_run)["member"].iloc[-1])
    once = l2l.lineage(pbt_run, members=[member])
    assert l2l.lineage(pbt_run, members=[member, member]).equals(once)
    assert len(l2l.lineage(pbt_run, members=[member, member], curves=True)) == \
        len(l2l.lineage(pbt_run, members=[member], curves=True))


def test_lineage_curves_of_no_member_is_an_empty_frame(pbt_run):
    curves = l2l.lineage(pbt_run, members=[], curves=True)
    assert len(curves) == 0 and {"member", "step", "value"} <= set(curves.columns)

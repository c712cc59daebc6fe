"""``l2l.load(path, columns=[...])``: the same values as the whole table, reading only what was asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

import l2l
from l2l.errors import TrajectoryError
from l2l.results_schema import reader
from file_corruptions import build_base


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return build_base(tmp_path_factory.mktemp("columns"))  # array, int and categorical parameters, metrics, failures


@pytest.fixture(scope="module")
def hyperband(tmp_path_factory) -> Path:
    config = l2l.from_mapping({"run": {"name": "hb", "seed": 2, "compute": 81 * 8},
                               "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
                               "optimizer": {"name": "random"}, "policy": {"name": "hyperband", "eta": 3},
                               "simulator": {"name": "sphere", "multi_fidelity": True},
                               "backend": {"name": "serial"}})
    return Path(l2l.run(config, tmp_path_factory.mktemp("hb") / "hb.h5", progress=False))


SELECTIONS = [["value"], ["generation", "value"], ["x[1]", "c", "w", "status"], ["error", "individual", "k"],
              ["rate", "metric:k", "started", "duration", "seed", "attempts"]]


@pytest.mark.parametrize("columns", SELECTIONS, ids=lambda c: ",".join(c))
def test_a_selection_of_columns_equals_those_columns_of_the_whole_table(base, columns):
    whole = l2l.load(base)
    assert whole["error"].notna().any() and (whole["status"] != "ok").any()
    assert l2l.load(base, columns=columns).equals(whole[columns])


@pytest.mark.parametrize("segments", [False, True])
def test_a_multi_fidelity_selection_keeps_the_candidate_and_segment_views(hyperband, segments):
    whole = l2l.load(hyperband, segments=segments)
    for columns in (["value"], ["trial", "state", "value"], ["x[0]", "budget", "parent"] +
                    ([] if segments else ["compute"])):
        assert l2l.load(hyperband, segments=segments, columns=columns).equals(whole[columns])
    assert len(whole) > whole["trial"].nunique() if segments else len(whole) == whole["trial"].nunique()


def test_only_the_asked_columns_are_read(base, monkeypatch):
    read = set()
    original_read, original_take = reader.Trajectory._read, reader.Trajectory._take

    def spy_read(trajectory, name, stop, start=0):
        read.add(name)
        return original_read(trajectory, name, stop, start)

    monkeypatch.setattr(reader.Trajectory, "_read", spy_read)
    monkeypatch.setattr(reader.Trajectory, "_take", lambda t, name, rows: read.add(name) or original_take(t, name, rows))
    l2l.load(base, columns=["value"])
    assert read - {"evaluations/committed"} == {"evaluations/generation", "evaluations/individual",
                                                "evaluations/objectives/value"}


def test_an_unknown_column_is_named_with_the_columns_there_are(base):
    with pytest.raises(TrajectoryError, match=r"no column 'vlaue' in the evaluations; there are: generation, "
                                              r"individual, .*value"):
        l2l.load(base, columns=["value", "vlaue"])

"""A plug-in optimizer that breaks its contract: refused by l2l.testing's suites and, in a run, in one line.

Found by a new user writing a (1+lambda)-ES plug-in: an ``ask(n)`` that gave NaN or out-of-bounds candidates and
a ``tell`` that negated the scores it was told in place both passed OptimizerContract and
AsynchronousOptimizerContract; in a run the NaN reached the simulator and failed every evaluation as its
'non-finite objective value', and one candidate more than asked ran past run.evaluations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import l2l
from l2l.errors import ContractError
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.random_search import RandomSearch
from l2l.testing import AsynchronousOptimizerContract, OptimizerContract


@dataclass(frozen=True)
class NaNWhenAskedN(RandomSearch):
    """ask() as random search; ask(n) puts a NaN and an out-of-bounds value in its first candidate."""

    name: ClassVar[str] = "nan-when-asked-n"

    def ask(self, problem, state, n=None):
        candidates, state = super().ask(problem, state, n)
        if n is not None:
            candidates = candidates.copy()
            candidates[0, 0], candidates[-1, -1] = np.nan, 1e9
        return candidates, state


@dataclass(frozen=True)
class NegatesScores(RandomSearch):
    """Negates the scores it is told, in place."""

    name: ClassVar[str] = "negates-scores"

    def tell(self, problem, state, candidates, scores, outputs=None):
        scores *= -1
        return super().tell(problem, state, candidates, scores, outputs)


@dataclass(frozen=True)
class OneTooMany(RandomSearch):
    """ask(n) gives n + 1 candidates."""

    name: ClassVar[str] = "one-too-many"

    def ask(self, problem, state, n=None):
        return super().ask(problem, state, None if n is None else n + 1)


def test_the_suites_refuse_nan_and_out_of_bounds_candidates_of_ask_n() -> None:
    with pytest.raises(AssertionError, match="NaN"):
        OptimizerContract().test_ask_n_gives_n_candidates_and_any_subset_of_them_can_be_told(NaNWhenAskedN())
    with pytest.raises(AssertionError, match="NaN"):
        AsynchronousOptimizerContract().test_asynchronous_optimizers_take_any_subset_of_what_they_asked(
            NaNWhenAskedN())


def test_the_suite_refuses_a_tell_that_changes_the_scores_it_is_told() -> None:
    with pytest.raises(AssertionError, match="tell changed the scores"):
        OptimizerContract().test_tell_leaves_the_candidates_and_scores_it_is_told_untouched(NegatesScores())
    OptimizerContract().test_tell_leaves_the_candidates_and_scores_it_is_told_untouched(RandomSearch())


@pytest.mark.parametrize("kind, mode, message", [
    (NaNWhenAskedN, "async", r"ask\(n=1\) gave a candidate with a NaN"),
    (OneTooMany, "generational", r"ask\(n=2\) gave 3 candidates, more than asked"),
])
def test_a_run_refuses_a_broken_ask_in_one_line_naming_the_optimizer(tmp_path, monkeypatch, kind, mode,
                                                                     message) -> None:
    monkeypatch.setitem(OPTIMIZERS._entries, kind.name, kind)
    config = l2l.from_mapping({"run": {"evaluations": 6, "mode": mode},
                               "space": {"x": {"low": -1.0, "high": 1.0, "shape": [2]}},
                               "simulator": {"name": "sphere"}, "optimizer": {"name": kind.name, "population_size": 4},
                               "backend": {"name": "serial"}})
    with pytest.raises(ContractError, match=f"optimizer {kind.name!r} .*{message}"):
        l2l.run(config, tmp_path / "run.h5")
    frame = l2l.load(tmp_path / "run.h5")
    assert len(frame) <= 6 and not frame["status"].eq("failed").any()   # nothing blamed on the simulator

"""The optimizer contract as pytest classes to subclass (see :mod:`l2l.testing`).

What every optimizer must do (the contract of :mod:`l2l.optimizers.base`):
candidates of the space's dimension within its bounds; a state that survives
encoding to the trajectory file and continues exactly; the same seed gives
the same candidates; ``ask(n)`` gives ``n`` candidates and any subset of
what was asked may be told, in any order (an optimizer that updates once per
generation updates as if the generation had been told whole), finite and
within the bounds as those of ``ask()`` are; ``ask`` and ``tell`` never change
the state they receive, nor ``tell`` the candidates and scores it is told; a ``tell`` of a candidate
never asked raises ``ValueError`` or is taken as a result (no other error);
``check`` refuses what the optimizer cannot handle; every option has a help
text and a default.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Mapping

import numpy as np
import pytest

from l2l.errors import ConfigError
from l2l.optimizers.base import Optimizer, Problem
from l2l.results_schema.codec import decode, encode
from l2l.space import Space
from l2l.testing.problems import drive, evaluate, objectives, problem_for


class _Subject:
    """How a suite gets the optimizer under test: a registered ``name`` or an ``optimizer_class``, with ``options``.

    Override the ``make_optimizer`` fixture (a callable returning a fresh optimizer)
    to test something else, e.g. every optimizer of a registry with ``params=``.
    """

    #: Name of a registered optimizer (used when ``optimizer_class`` is None).
    name: ClassVar[str | None] = None
    #: The optimizer's class (a frozen dataclass subclassing :class:`l2l.optimizers.Optimizer`).
    optimizer_class: ClassVar[type[Optimizer] | None] = None
    #: Options that keep the optimizer quick (small populations).
    options: ClassVar[Mapping[str, Any]] = {}
    #: False for optimizers whose candidates do not depend on the seed (grid search).
    seeded: ClassVar[bool] = True

    @pytest.fixture
    def make_optimizer(self) -> Callable[[], Optimizer]:
        if self.optimizer_class is not None:
            from l2l.registry import Registry

            registry = Registry("optimizer", {"subject": self.optimizer_class})
            return lambda: registry.create("subject", dict(self.options))
        if self.name is None:
            raise TypeError(f"{type(self).__name__}: set optimizer_class or name (or override make_optimizer)")
        from l2l.optimizers import OPTIMIZERS

        return lambda: OPTIMIZERS.create(self.name, dict(self.options))

    @pytest.fixture
    def optimizer(self, make_optimizer: Callable[[], Optimizer]) -> Optimizer:
        return make_optimizer()

    @pytest.fixture
    def seeded_candidates(self) -> bool:
        """Whether another seed must give other candidates."""
        return self.seeded


def _assert_within_bounds(problem: Problem, candidates: np.ndarray, asked: str) -> None:
    """Finite candidates within the space's bounds, each decodable (ask(n) as ask() is checked)."""
    assert np.all(np.isfinite(candidates)), f"{asked} gave a candidate with a NaN or infinite value"
    assert np.all(candidates >= problem.space.lower) and np.all(candidates <= problem.space.upper), (
        f"{asked} gave a candidate outside the space's bounds")
    for row in candidates:
        problem.space.decode(row)


class OptimizerContract(_Subject):
    """The checks every optimizer passes. Subclass as ``TestSomething`` and set ``name`` or ``optimizer_class``."""

    def test_every_option_has_a_help_text_and_a_default(self, optimizer: Optimizer) -> None:
        from l2l.registry import Registry

        description = Registry("optimizer", {"subject": type(optimizer)}).describe("subject")
        assert description["summary"], f"{type(optimizer).__name__} has no docstring (its summary in l2l list)"
        for entry in description["options"]:
            assert entry["help"], f"option {entry['name']!r} has no help text"
            assert entry["default"] != "(required)", f"option {entry['name']!r} has no default"

    def test_ask_gives_candidates_of_the_space_dimension_within_bounds(self, optimizer: Optimizer) -> None:
        problem = problem_for(optimizer)
        optimizer.check(problem)
        record: list = []
        drive(optimizer, problem, optimizer.init(problem, seed=3), generations=3, record=record)
        assert record
        for candidates in record:
            assert candidates.ndim == 2 and candidates.shape[1] == problem.space.dimension
            assert len(candidates) >= 1
            assert np.all(np.isfinite(candidates))
            assert np.all(candidates >= problem.space.lower) and np.all(candidates <= problem.space.upper)
            for row in candidates:
                problem.space.decode(row)

    def test_a_decoded_state_continues_exactly_like_the_original(self, optimizer: Optimizer) -> None:
        problem = problem_for(optimizer)
        state = drive(optimizer, problem, optimizer.init(problem, seed=5), generations=2)
        restored = decode(encode(state))
        original_run: list = []
        resumed_run: list = []
        drive(optimizer, problem, state, generations=2, record=original_run)
        drive(optimizer, problem, restored, generations=2, record=resumed_run)
        assert len(original_run) == len(resumed_run) == 2
        for a, b in zip(original_run, resumed_run):
            np.testing.assert_array_equal(a, b)

    def test_the_same_seed_gives_the_same_candidates_and_another_seed_others(
            self, make_optimizer: Callable[[], Optimizer], seeded_candidates: bool) -> None:
        first: list = []
        second: list = []
        other: list = []
        optimizer = make_optimizer()
        problem = problem_for(optimizer)
        drive(optimizer, problem, optimizer.init(problem, seed=11), generations=2, record=first)
        fresh = make_optimizer()  # a second object with the same options holds no hidden state
        drive(fresh, problem, fresh.init(problem, seed=11), generations=2, record=second)
        drive(optimizer, problem, optimizer.init(problem, seed=12), generations=2, record=other)
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)
        differs = any(not np.array_equal(a, b) for a, b in zip(first, other))
        assert differs == seeded_candidates, ("another seed gave the same candidates" if seeded_candidates
                                              else "the candidates depend on the seed; set seeded = True")

    def test_ask_and_tell_leave_the_state_they_receive_untouched(self, optimizer: Optimizer) -> None:
        problem = problem_for(optimizer)
        state = drive(optimizer, problem, optimizer.init(problem, seed=2), generations=1)
        before = encode(state)
        candidates, asked = optimizer.ask(problem, state)
        assert encode(state) == before
        asked_bytes = encode(asked)
        scores, outputs = evaluate(problem, candidates)
        optimizer.tell(problem, asked, candidates, scores, outputs if optimizer.needs_outputs else None)
        assert encode(asked) == asked_bytes

    def test_ask_n_gives_n_candidates_and_any_subset_of_them_can_be_told(self, optimizer: Optimizer) -> None:
        problem = problem_for(optimizer)
        state = optimizer.init(problem, seed=6)
        asked = []
        for n in (3, 1, 5, 2):
            candidates, state = optimizer.ask(problem, state, n=n)
            if getattr(optimizer, "done", None) and len(candidates) < n and optimizer.done(problem, state):
                return  # a finite optimizer (grid) may run out
            assert candidates.shape == (n, problem.space.dimension), f"ask(n={n}) gave {candidates.shape}"
            _assert_within_bounds(problem, candidates, f"ask(n={n})")
            asked.append(candidates)
        pool = np.vstack(asked)
        order = np.random.default_rng(0).permutation(len(pool))
        for part in np.array_split(order, 4):
            scores, outputs = evaluate(problem, pool[part])
            state = optimizer.tell(problem, state, pool[part], scores, outputs if optimizer.needs_outputs else None)
        after, state = optimizer.ask(problem, state, n=4)
        assert after.shape == (4, problem.space.dimension)
        _assert_within_bounds(problem, after, "ask(n=4) after a tell")
        decode(encode(state))

    def test_tell_leaves_the_candidates_and_scores_it_is_told_untouched(self, optimizer: Optimizer) -> None:
        # The loop keeps what it tells (a resumed run tells the same rows again): an in-place ``scores *= -1``
        # passed every other check while the optimizer climbed the wrong way.
        problem = problem_for(optimizer)
        state = optimizer.init(problem, seed=9)
        for n in (None, 2):
            candidates, state = optimizer.ask(problem, state, n)
            scores, outputs = evaluate(problem, candidates)
            told = [candidates.copy(), scores.copy(), outputs.copy()]
            state = optimizer.tell(problem, state, candidates, scores, outputs if optimizer.needs_outputs else None)
            for name, array, copy in zip(("candidates", "scores", "outputs"), (candidates, scores, outputs), told):
                assert np.array_equal(array, copy, equal_nan=True), f"tell changed the {name} it was told (in place)"

    def test_a_candidate_never_asked_is_refused_with_a_value_error_or_taken_as_a_result(
            self, optimizer: Optimizer) -> None:
        # The documented choice (l2l.optimizers.base, docs/optimizers.md): raise ValueError, or learn from the
        # candidate as from one asked (tpe, motpe, gp; random and grid learn nothing from tell). Anything else
        # (a KeyError of a lookup by candidate, a state that no longer encodes) is a broken optimizer.
        problem = problem_for(optimizer)
        state = drive(optimizer, problem, optimizer.init(problem, seed=4), generations=1)
        _, state = optimizer.ask(problem, state)
        stranger = problem.space.sample(np.random.default_rng(2 ** 40), 1)
        scores, outputs = evaluate(problem, stranger)
        try:
            state = optimizer.tell(problem, state, stranger, scores, outputs if optimizer.needs_outputs else None)
        except ValueError:
            return
        except Exception as exc:  # noqa: BLE001 - any other failure is the finding
            raise AssertionError(f"tell of a candidate never asked raised {type(exc).__name__}: {exc}; raise "
                                 f"ValueError, or take it as a result") from None
        decode(encode(state))
        if not (getattr(optimizer, "done", None) and optimizer.done(problem, state)):
            after, state = optimizer.ask(problem, state, n=2)
            _assert_within_bounds(problem, after, "ask(n=2) after a tell of a candidate never asked")

    def test_check_refuses_the_problems_the_optimizer_cannot_handle(self, optimizer: Optimizer) -> None:
        unbounded = Space.from_json({"x": {"default": 0.0, "scale": 1.0, "shape": [2]}})
        bounded = Space.from_json({"x": {"low": 0.0, "high": 1.0, "shape": [2]}})
        if optimizer.needs_bounds:
            with pytest.raises(ConfigError, match="unbounded"):
                optimizer.check(Problem(unbounded, objectives(1)))
        else:
            problem = Problem(unbounded, objectives(1))
            optimizer.check(problem)
            record: list = []
            drive(optimizer, problem, optimizer.init(problem, seed=1), generations=2, record=record)
            assert np.all(np.isfinite(np.vstack(record)))
        if not optimizer.multi_objective:
            with pytest.raises(ConfigError, match="single-objective"):
                optimizer.check(Problem(bounded, objectives(2)))
        else:
            optimizer.check(Problem(bounded, objectives(2)))


class AsynchronousOptimizerContract(_Subject):
    """The checks of the asynchronous (steady-state) mode, for optimizers that declare ``supports_async``."""

    def test_the_optimizer_declares_the_asynchronous_mode(self, optimizer: Optimizer) -> None:
        assert optimizer.supports_async, f"{type(optimizer).__name__}.supports_async is False"

    def test_asynchronous_optimizers_take_any_subset_of_what_they_asked(self, optimizer: Optimizer) -> None:
        problem = problem_for(optimizer)
        state = optimizer.init(problem, seed=4)
        first, state = optimizer.ask(problem, state, n=3)
        second, state = optimizer.ask(problem, state, n=1)
        assert first.shape == (3, problem.space.dimension) and second.shape == (1, problem.space.dimension)
        scores, _ = evaluate(problem, first)
        state = optimizer.tell(problem, state, first[[2, 0]], scores[[2, 0]])
        scores, _ = evaluate(problem, second)
        state = optimizer.tell(problem, state, second, scores)
        third, state = optimizer.ask(problem, state, n=2)
        assert third.shape == (2, problem.space.dimension)
        for asked, candidates in (("ask(n=3)", first), ("ask(n=1)", second), ("ask(n=2)", third)):
            _assert_within_bounds(problem, candidates, asked)
        decode(encode(state))


class GenerationalOptimizerContract(_Subject):
    """The checks of optimizers that update once per generation (``generational``, see
    :mod:`l2l.optimizers._generations`)."""

    def test_a_generation_told_in_pieces_and_shuffled_updates_as_if_told_whole(self, optimizer: Optimizer) -> None:
        assert getattr(optimizer, "generational", False), f"{type(optimizer).__name__} is not generational"
        problem = problem_for(optimizer)
        state = drive(optimizer, problem, optimizer.init(problem, seed=8), generations=1)
        candidates, asked = optimizer.ask(problem, state)
        scores, outputs = evaluate(problem, candidates)
        whole = optimizer.tell(problem, asked, candidates, scores, outputs if optimizer.needs_outputs else None)
        pieces = asked
        for part in np.array_split(np.random.default_rng(1).permutation(len(candidates)), 3):
            pieces = optimizer.tell(problem, pieces, candidates[part], scores[part],
                                    outputs[part] if optimizer.needs_outputs else None)
        np.testing.assert_array_equal(optimizer.ask(problem, whole)[0], optimizer.ask(problem, pieces)[0])

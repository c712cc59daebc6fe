"""The outer loop's asking side: the next candidate or generation, from run.initial_points not handed out yet, a
point the policy proposes, or the optimizer's ask, checked against its contract (shape, count, finite values,
inside the bounds).

A mixin of :class:`l2l.driver._Loop` (it uses the loop's attributes: optimizer, optimizer_state, problem, config
and loop).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from l2l.errors import ContractError
from l2l.outcomes import warn


class Asks:
    def propose(self, action) -> np.ndarray | None:
        if action.initial >= 0:  # the policy starts one of run.initial_points: its code as given, no round trip
            from l2l.initial_points import codes as point_codes

            self.loop["initial_given"] = max(int(self.loop.get("initial_given", 0)), action.initial + 1)
            return point_codes(self.config.initial_points[action.initial:action.initial + 1], self.problem.space)[0]
        if action.code is not None:  # the policy proposes a point of the unit cube itself
            return self.problem.space.from_unit(np.asarray(action.code, dtype=float)[None, :])[0]
        if self.optimizer.done(self.problem, self.optimizer_state):
            return None
        codes, self.optimizer_state = self.ask(1)
        self.took_initial()
        return codes[0] if len(codes) else None

    def ask(self, n: int | None = None) -> tuple[np.ndarray, Any]:
        """The optimizer's ask, checked: a plug-in's candidates of the wrong shape or count, or with NaN, are
        refused in one line naming the optimizer (l2l.testing.OptimizerContract checks the same), where before
        a NaN reached the simulator and failed every evaluation as a non-finite result, and one candidate more
        than asked ran past run.evaluations. run.initial_points not handed out yet come first (see
        :meth:`inject_initial` and :meth:`ask_initial`)."""
        given = int(self.loop.get("initial_given", 0))
        if given < len(self.config.initial_points):
            injected = self.inject_initial(given)
            if injected is not None:
                return self.ask_optimizer(n, injected)
            return self.ask_initial(n, given)
        return self.ask_optimizer(n)

    def inject_initial(self, given: int) -> Any:
        """The optimizer's state with run.initial_points from the ``given``-th on injected as the next members
        of its generations (ga, cmaes, nsga2, ...: ``inject``, see l2l.optimizers._generations), all at once and
        counted by :meth:`took_initial` once the caller keeps the state; None for an optimizer without
        ``inject`` (tpe, gp, random, grid are told them as results: :meth:`ask_initial`)."""
        inject = getattr(self.optimizer, "inject", None)
        if inject is None:
            return None
        from l2l.initial_points import codes as point_codes

        points = self.config.initial_points[given:]
        state = inject(self.problem, self.optimizer_state, point_codes(points, self.problem.space))
        if state is not None:
            self.initial_taken = given + len(points)
        return state

    def ask_initial(self, n: int | None, given: int) -> tuple[np.ndarray, Any]:
        """``n`` candidates (None: a generation, as many as the optimizer's ask() gives) of which the first are
        run.initial_points from the ``given``-th on, the rest asked of the optimizer; the state is the optimizer's
        after asking only those. The points taken are counted in the run state by :meth:`took_initial` once the
        caller keeps the state (start_generation may ask twice from the same state)."""
        from l2l.initial_points import codes as point_codes

        size = len(self.ask_optimizer(None)[0]) if n is None else int(n)
        points = point_codes(self.config.initial_points[given:given + size], self.problem.space)
        self.initial_taken = given + len(points)
        if len(points) < size:
            rest, state = self.ask_optimizer(size - len(points))
            return np.vstack([points, rest]), state
        return points, self.optimizer_state

    def took_initial(self) -> None:
        """The initial points the state just kept was asked with are handed out (committed with it)."""
        taken = self.__dict__.pop("initial_taken", None)
        if taken is not None:
            self.loop["initial_given"] = taken

    def ask_optimizer(self, n: int | None = None, state: Any = None) -> tuple[np.ndarray, Any]:
        """The optimizer's own ask from ``state`` (None: the run's), checked (see :meth:`ask`)."""
        codes, state = self.optimizer.ask(self.problem, self.optimizer_state if state is None else state, n)
        codes = np.asarray(codes, dtype=float)
        dimension = self.problem.space.dimension
        if codes.ndim != 2 or codes.shape[1] != dimension:
            broken = f"gave candidates of shape {codes.shape}, not (n, {dimension}) for this space"
        elif n is not None and len(codes) > n:
            broken = f"gave {len(codes)} candidates, more than asked"
        elif not np.all(np.isfinite(codes)):
            broken = "gave a candidate with a NaN or infinite value"
        else:
            outside = None if self.__dict__.get("clip_said") else self.problem.space.outside(codes)
            if outside:  # clipped when decoded, as before, but said once a session: the plug-in is wrong
                self.clip_said = True
                kind = type(self.optimizer)
                warn(f"l2l: warning: optimizer {self.optimizer.name!r} ({kind.__module__}.{kind.__qualname__}): "
                     f"{'ask()' if n is None else f'ask(n={n})'} gave {outside}; each is clipped to its bound "
                     f"before it is evaluated (later asks are not checked)")
            return codes, state
        kind = type(self.optimizer)  # named only when it broke the contract (an ask per evaluation is a hot path)
        raise ContractError(f"optimizer {self.optimizer.name!r} ({kind.__module__}.{kind.__qualname__}): "
                            f"{'ask()' if n is None else f'ask(n={n})'} {broken}")

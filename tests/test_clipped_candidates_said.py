"""A plug-in optimizer's finite candidates outside the space's bounds are clipped to them, as before, and now said
once a session in one warning line naming the optimizer and how many candidates and values were outside (l2l's own
optimizers stay within the bounds: tests/test_optimizer_contract.py checks every one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import l2l
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.random_search import RandomSearch

SPACE = {"x": {"low": -1.0, "high": 1.0, "shape": [2]}, "k": {"type": "int", "low": 1, "high": 4},
         "rate": {"low": 1e-3, "high": 1e-1, "log": True}, "kind": {"type": "categorical", "choices": ["a", "b"]}}


@dataclass(frozen=True)
class Overshoots(RandomSearch):
    """Random search whose first two candidates of every ask overshoot x[1] by 0.5 (and the first also k)."""

    name: ClassVar[str] = "overshoots"

    def ask(self, problem, state, n=None):
        candidates, state = super().ask(problem, state, n)
        candidates = candidates.copy()
        candidates[:2, 1] = problem.space.upper[1] + 0.5
        candidates[0, 2] = problem.space.upper[2] + 3
        return candidates, state


def config(optimizer: str, mode: str = "generational", **options):
    return l2l.from_mapping({"run": {"evaluations": 8, "mode": mode, "seed": 2}, "space": SPACE,
                             "simulator": {"name": "noop"}, "optimizer": {"name": optimizer, **options},
                             "backend": {"name": "serial"}})


def test_out_of_bounds_candidates_are_clipped_and_said_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(OPTIMIZERS._entries, Overshoots.name, Overshoots)
    l2l.run(config("overshoots", population_size=4), tmp_path / "run.h5")
    lines = [line for line in capsys.readouterr().err.splitlines() if "outside the space's bounds" in line]
    assert lines == [f"l2l: warning: optimizer 'overshoots' ({__name__}.Overshoots): ask() gave 2 of 4 candidates "
                     f"(3 values) outside the space's bounds, the first x[1] at 1.5 above its bound 1; each is "
                     f"clipped to its bound before it is evaluated (later asks are not checked)"]
    frame = l2l.load(tmp_path / "run.h5")
    assert len(frame) == 8 and frame["x[1]"].max() == 1.0 and frame["k"].max() == 4  # clipped, as before

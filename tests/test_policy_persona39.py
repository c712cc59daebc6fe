"""A plug-in scheduling policy with a user's mistakes (helper-330, session 39): each ends the run in one line.

A plug-in policy's ``next`` that raised, or returned what the loop cannot run (a bare string, an Action without
its state, a budget that is no rung, a continue of a trial the table does not hold or to the rung it already
reached), ended ``l2l run`` in a Python traceback (ValueError, AttributeError, KeyError), in a run past its
compute (a start at a budget between rungs: 295 candidates and 1455 of at most 972 units) or in a run that never
ended (a continue to the reached rung, rerun forever). Now the run ends in one line naming the policy, its class,
the method and the mistake, exit status 2 (an ``init`` whose state holds a numpy generator: before the file is
created; was a traceback at the first commit); ``l2l.testing.policies.play`` (the contract kit) fails in the same words
instead of a TypeError deep in the kit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from l2l.cli import main
from l2l.policies import POLICIES
from l2l.policies.base import Action, RungPolicy
from l2l.registry import option
from l2l.testing.policies import BUDGETS, play

CONFIG = """
[run]
name = "sweep"
generations = 1
seed = 3

[space]
x = { low = -2.0, high = 2.0, shape = [2] }

[optimizer]
name = "random"
population_size = 6

[simulator]
name = "sphere"
multi_fidelity = true

[policy]
name = "oops"
bug = "%s"
"""


@dataclass(frozen=True)
class Oops(RungPolicy):
    """Start every candidate at the lowest rung, then make the mistake `bug` once three are started."""

    name: ClassVar[str] = "oops"
    bug: str = option("", "the mistake")

    def init(self, budgets, dimension, seed):
        if self.bug == "init-rng":  # the generator itself, not its rng.bit_generator.state
            return {"budgets": list(budgets), "rng": np.random.default_rng(seed)}
        return {"budgets": list(budgets)}

    def next(self, state, trials):
        if trials.launched < 3:
            return Action("start", state["budgets"][0]), state
        if self.bug in ("", "init-rng"):  # no mistake in next: three candidates at the lowest rung, then done
            return Action("wait" if trials.any_running() else "done"), state
        if self.bug == "raise":
            raise ValueError("my policy is confused")
        if self.bug == "string":
            return "start", state
        if self.bug == "bare":
            return Action("start", state["budgets"][0])
        if self.bug == "between":
            return Action("start", 5.0), state
        if self.bug == "missing":
            return Action("continue", state["budgets"][1], 99), state
        if trials.any_running():
            return Action("wait"), state
        return Action("continue", state["budgets"][0], 0), state  # "reached": to the rung trial 0 reached


SAID = {
    "raise": "next raised ValueError: my policy is confused at ",
    "string": "returned str 'start' as next's action, not an l2l.policies.base.Action",
    "bare": "from next, not a pair (action, state)",
    "between": "started a new candidate at budget 5, which is no rung (1, 3, 9, 27, 81)",
    "missing": "continued trial 99, which the table does not hold",
    "reached": "continued trial 0 to budget 1, not above the 1 it reached",
    "init-rng": "init returned a state the run cannot store (cannot store a value of type Generator",
}


@pytest.mark.parametrize("bug", list(SAID))
def test_a_plugin_policys_mistake_ends_the_run_in_one_line_exit_2(bug, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(POLICIES._entries, "oops", Oops)  # what the entry point registers
    config = tmp_path / "sweep.toml"
    config.write_text(CONFIG % bug)
    assert main(["run", str(config), "--backend", "serial", "--no-progress"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: error:")]
    assert len(lines) == 1 and lines[0].startswith("l2l: error: policy 'oops'"), lines
    assert SAID[bug] in lines[0] and "Oops" in lines[0]
    assert "Traceback" not in capsys.readouterr().err
    if bug == "init-rng":  # refused before the run creates its file (was: a traceback at the first commit)
        assert not (tmp_path / "sweep.h5").exists()


@pytest.mark.parametrize("bug", ["string", "bare", "missing"])
def test_play_fails_on_an_answer_the_loop_cannot_run_naming_it(bug):
    policy = Oops(bug=bug)
    with pytest.raises(AssertionError, match="policy 'oops' .*" + SAID[bug].replace("(", r"\(").replace(")", r"\)")):
        play(policy, policy.init(BUDGETS, 2, 0), {}, 20)


def test_resuming_a_plugin_policys_run_where_its_package_is_missing_says_so_not_damaged(tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(CONFIG % "")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(POLICIES._entries, "oops", Oops)
        assert main(["run", str(config), "--backend", "serial", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["resume", str(tmp_path / "sweep.h5"), "--no-progress"]) == 2  # another Python: no such plug-in
    err = capsys.readouterr().err
    assert "the run was made with a plug-in this Python does not have: unknown policy 'oops'" in err, err
    assert "damaged" not in err

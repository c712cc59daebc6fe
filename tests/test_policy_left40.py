"""The plug-in policy mistakes session 39 left uncaught (helper-332, session 40): each ends the run in one line.

Before, with a plug-in scheduling policy (docs/multifidelity.md, "Your own policy (a plug-in)"):

* a ``next`` or ``report`` that returned a state the run cannot store (a set, a numpy generator, a dict with int
  keys, an object array) ended ``l2l run`` in a TypeError traceback from the encoder at the next commit;
* a ``next`` that returned WAIT with nothing running ended the run 'finished', exit status 0, its candidates
  paused, without a word (nothing could ever end the wait);
* a ``next``, ``launched`` or ``report`` that changed the state it received in place (``state["ready"].pop(0)``,
  ``state["stopped"].append(trial)``) ran on, but the file's states came apart: each commit stores the policy's
  state as its change from the one before, found by identity, so the change went unrecorded; ``l2l resume``
  then said ``corrupt state delta`` (an append in report) or refused the policy for continuing a trial it had
  already continued (a pop in next);
* a plug-in whose class has ``__slots__`` was not checked at all: one starting candidates at a budget that is no
  rung ran past its compute (146 candidates, 730 of at most 486 units), exit 0;
* the contract suite (``PolicyContract``) checked only ``next`` for a change in place: a ``report`` that appended
  to the state it received passed it.

Now each ends in one line naming the policy and the mistake, exit status 2; what was committed is kept, ``l2l
show`` reads the file, and ``l2l resume`` goes on once the policy is fixed. The states are checked where a commit
stores them (a check of every state the methods return cost a fifth of a 4,000-candidate sweep's CPU), a change
in place by each call's few-microsecond look at the state's top level; the contract suite looks at every depth of
the states next, launched and report receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import l2l
import l2l.driver
from l2l.cli import main
from l2l.components_schedule import _guarded
from l2l.policies import POLICIES
from l2l.policies.base import DONE, WAIT, Action, RungPolicy
from l2l.registry import option
from l2l.results_schema.reader import Trajectory
from l2l.testing import PolicyContract
from test_policy_persona39 import CONFIG as PERSONA_CONFIG

CONFIG = PERSONA_CONFIG.replace("population_size = 6", "population_size = 4")  # (four candidates here)


@dataclass(frozen=True)
class Oops(RungPolicy):
    """Four candidates at the lowest rung, one at a time, then done; ``bug`` makes its mistake once two segments
    were reported (and committed: the tests commit after every segment)."""

    name: ClassVar[str] = "oops"
    bug: str = option("", "the mistake")

    def init(self, budgets, dimension, seed):
        return {"budgets": list(budgets), "reported": []}

    def next(self, state, trials):
        late = len(state["reported"]) >= 2
        if late and self.bug == "next-set":
            state = {**state, "seen": {0, 1}}
        elif late and self.bug == "next-generator":
            state = {**state, "rng": np.random.default_rng(0)}
        elif late and self.bug == "next-counts-in-place":
            state["asked"] = state.get("asked", 0) + 1
        if trials.launched < 4:
            return Action("start", state["budgets"][0]), state
        if trials.any_running():
            return WAIT, state
        return (WAIT if self.bug == "wait" else DONE), state

    def launched(self, state, trial, budget):
        if self.bug == "launched-in-place" and len(state["reported"]) >= 2:
            state["last"] = trial
        return state

    def report(self, state, trials, trial, budget, score):
        late = len(state["reported"]) >= 2
        if late and self.bug == "report-appends-in-place":
            state["reported"].append(trial)
            return state
        if late and self.bug == "report-int-keys":
            return {**state, "reported": state["reported"] + [trial], "scores": {trial: score}}
        if late and self.bug == "report-object-array":
            return {**state, "reported": state["reported"] + [trial], "best": [np.array([None, score])]}
        return {**state, "reported": state["reported"] + [trial]}


@dataclass(frozen=True)
class Fixed(Oops):
    """The policy with its mistake mended (the file's config still names the bug)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "bug", "")
        super().__post_init__()


@pytest.fixture
def sweep(tmp_path, monkeypatch, capsys):
    """``run(bug)``: ``l2l run`` of the config with that mistake (serial, a commit after every segment): (its exit
    status, its ``l2l: error:`` lines, the file)."""
    monkeypatch.setitem(POLICIES._entries, "oops", Oops)  # what the entry point registers
    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", -1.0)  # a commit after every segment

    def run(bug: str):
        config = tmp_path / "sweep.toml"
        config.write_text(CONFIG % bug)
        capsys.readouterr()
        status = main(["run", str(config), "--backend", "serial", "--no-progress"])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        return status, [line for line in err.splitlines() if line.startswith("l2l: error:")], tmp_path / "sweep.h5"

    return run


def committed(path) -> dict:
    with Trajectory(path) as trajectory:
        return trajectory.state()


def fixed_and_resumed(path, monkeypatch, capsys) -> None:
    """``l2l show`` reads the file; with the policy fixed, ``l2l resume`` runs its four candidates to the end."""
    assert main(["show", str(path)]) == 0
    monkeypatch.setitem(POLICIES._entries, "oops", Fixed)
    capsys.readouterr()
    assert main(["resume", str(path), "--no-progress"]) == 0, capsys.readouterr().err
    assert committed(path)["loop"]["evaluations"] == 4 and len(l2l.load(path)) == 4


@pytest.mark.parametrize("bug, said", [
    ("next-set", "state['seen']: cannot store a value of type set: {0, 1}"),
    ("next-generator", "state['rng']: cannot store a value of type Generator"),
    ("report-int-keys", "state['scores']: a key 2 of type int, not a string"),
    ("report-object-array", "state['best'][0]: cannot store arrays of dtype object"),
], ids=["next-set", "next-generator", "report-int-keys", "report-object-array"])
def test_a_state_the_run_cannot_store_ends_the_run_in_one_line_at_its_commit(bug, said, sweep, monkeypatch, capsys):
    status, lines, path = sweep(bug)
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("l2l: error: policy 'oops' (test_policy_left40.Oops): next, launched or report "
                               "returned a state the run cannot store (") and said in lines[0], lines[0]
    state = committed(path)  # the commits before it are kept: the two segments reported before the mistake
    assert state["loop"]["evaluations"] == 2 and state["policy"]["reported"] == [0, 1]
    fixed_and_resumed(path, monkeypatch, capsys)


def test_wait_with_nothing_running_ends_the_run_in_one_line_with_every_segment_committed(sweep, monkeypatch,
                                                                                       capsys):
    status, lines, path = sweep("wait")
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("l2l: error: policy 'oops' returned WAIT with nothing running: it would wait "
                               "forever") and "test_policy_left40.Oops.next" in lines[0], lines[0]
    state = committed(path)
    assert state["loop"]["evaluations"] == 4 and state["policy"]["reported"] == [0, 1, 2, 3]
    fixed_and_resumed(path, monkeypatch, capsys)


@pytest.mark.parametrize("bug, said", [
    ("next-counts-in-place", "changed the state next received in place (set state['asked'])"),
    ("report-appends-in-place", "changed the state report received in place (state['reported'] went from 2 to 3 "
                                "items)"),
    ("launched-in-place", "changed the state launched received in place (set state['last'])"),
], ids=["next", "report", "launched"])
def test_a_state_changed_in_place_ends_the_run_in_one_line(bug, said, sweep, monkeypatch, capsys):
    status, lines, path = sweep(bug)
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("l2l: error: policy 'oops' ") and said in lines[0], lines[0]
    assert "return a new dict" in lines[0] and "test_policy_left40.Oops." in lines[0]
    assert committed(path)["policy"]["reported"] == [0, 1]
    fixed_and_resumed(path, monkeypatch, capsys)


def _slotted(budget: float) -> type:
    """A plug-in with ``__slots__`` (no instance __dict__): the policy protocol without subclassing Policy, whose
    next starts every candidate at ``budget``."""
    protocol = {key: value for base in reversed(RungPolicy.__mro__[:-1]) for key, value in vars(base).items()
                if not key.startswith("__") and key not in ("eta", "min_budget", "max_budget", "max_candidates")}
    namespace = {**protocol, "__module__": __name__, "__qualname__": "Slotted", "name": "oops",
                 "__annotations__": {"eta": float, "min_budget": float, "max_budget": float, "max_candidates": int,
                                     "bug": str},
                 "eta": option(3.0, "factor", gt=1), "min_budget": option(0.0, "lowest", ge=0),
                 "max_budget": option(0.0, "top", ge=0), "max_candidates": option(0, "candidates", ge=0),
                 "bug": option("", "the mistake"),
                 "init": lambda self, budgets, dimension, seed: {"budgets": list(budgets)},
                 "next": lambda self, state, trials: (Action("start", budget), state)}
    return dataclass(frozen=True, slots=True)(type("Slotted", (), namespace))


def test_a_plug_in_with_slots_is_checked_too_and_l2ls_own_policies_are_left_as_they_are(tmp_path, monkeypatch,
                                                                                         capsys):
    slotted = _slotted(5.0)
    assert not hasattr(slotted(), "__dict__")
    monkeypatch.setitem(POLICIES._entries, "oops", slotted)
    config = tmp_path / "sweep.toml"
    config.write_text(CONFIG % "")
    assert main(["run", str(config), "--backend", "serial", "--no-progress"]) == 2  # was: 146 candidates, exit 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: error:")]
    assert lines == ["l2l: error: policy 'oops' started a new candidate at budget 5, which is no rung (1, 3, 9, 27, "
                     "81): give one of the budgets init was given (test_policy_left40.Slotted.next; "
                     "docs/multifidelity.md#your-own-policy-a-plug-in)"]
    guarded = _guarded(slotted(), [1.0, 3.0], 2, 0)  # checked, still an instance of its class, named as it is
    assert isinstance(guarded, slotted) and type(guarded).__qualname__ == "Slotted" and guarded.options() == {
        "eta": 3.0, "min_budget": 0.0, "max_budget": 0.0, "max_candidates": 0, "bug": ""}
    for name in ("asha", "successive-halving", "pbt"):  # l2l's own: the very object, of its own class
        own = POLICIES.create(name, {})
        assert _guarded(own, [1.0, 3.0, 9.0], 2, 0) is own and type(own) is POLICIES.get(name)


@pytest.mark.parametrize("bug, method", [("report-appends-in-place", "report"), ("launched-in-place", "launched")])
def test_the_contract_suite_fails_a_launched_or_report_that_changes_its_state_in_place(bug, method):
    contract = PolicyContract()  # it checked next only: these two passed it
    with pytest.raises(AssertionError, match=rf"Oops\.{method} changed the state it received"):
        contract.test_the_state_stays_json_and_next_leaves_the_state_it_receives_untouched(
            make_policy=lambda: Oops(bug=bug))
    contract.test_the_state_stays_json_and_next_leaves_the_state_it_receives_untouched(make_policy=Oops)

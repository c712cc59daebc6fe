"""A user's own scheduling policy, as docs/multifidelity.md ("Your own policy (a plug-in)") prints it, and the
contract kit's run.initial_points (l2l.testing.play and PolicyContract).

The page's example policy (``my_package/threshold.py``) and its tests (``tests/test_threshold.py``) run exactly as
printed: every check of PolicyContract passes on it (the initial-points one: it never starts a point itself), its own play()
test passes, and ``l2l run sweep.toml`` of the page's config, with the policy registered in-process as the entry
point would register it, stops the candidates the page says it stops. The two broken variants the page names fail
the checks it says they fail, so the suite cannot pass a policy vacuously. Before session 39 play() had no initial
points (the driver hands ``run.initial_points`` to its table and plays ``Action(initial=i)``), so a policy's
handling of them could not be tested with the kit.
"""

from __future__ import annotations

import re
import sys
import tomllib
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

import l2l
from l2l.cli import main
from l2l.policies import POLICIES, Action
from l2l.policies.model_based import ModelBased
from l2l.registry import Registry
from l2l.testing import PolicyContract
from l2l.testing.policies import BUDGETS, play

DOC = Path(__file__).resolve().parents[1] / "docs" / "multifidelity.md"
SECTION = "## Your own policy (a plug-in)"
INITIAL_CHECK = "test_a_policy_that_takes_initial_points_starts_each_first_in_order_once_also_when_rebuilt"


def section() -> str:
    text = DOC.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:] if end < 0 else text[start:end]


def blocks() -> dict[str, str]:
    """The section's code blocks by their first line (``# my_package/threshold.py``, ...)."""
    return {b.splitlines()[0]: b for b in re.findall(r"```(?:python|toml)\n(.*?)```", section(), re.S)}


def module_of(code: str, monkeypatch) -> types.ModuleType:
    """``code`` run as the module my_package.threshold (importable, as after ``pip install -e .``)."""
    package, module = types.ModuleType("my_package"), types.ModuleType("my_package.threshold")
    package.threshold = module
    monkeypatch.setitem(sys.modules, "my_package", package)
    monkeypatch.setitem(sys.modules, "my_package.threshold", module)
    exec(compile(code, "my_package/threshold.py", "exec"), module.__dict__)
    return module


def every_check(contract: PolicyContract, cls: type) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Each check of ``contract`` run on ``cls`` with its options, as pytest runs them: (the failed ones -> their
    message, the skipped ones -> their reason, the passed ones)."""
    def make() -> Any:
        return Registry("policy", {"subject": cls}, group=None).create("subject", dict(contract.options))

    failed, skipped, passed = {}, {}, []
    for name in sorted(n for n in dir(contract) if n.startswith("test_")):
        try:
            getattr(contract, name)(make_policy=make)
        except AssertionError as exc:
            failed[name] = str(exc) or "AssertionError"
        except pytest.skip.Exception as exc:
            skipped[name] = str(exc)
        else:
            passed.append(name)
    return failed, skipped, passed


@pytest.fixture
def example(monkeypatch) -> tuple[types.ModuleType, dict[str, Any]]:
    """The page's my_package.threshold, and the namespace of its tests/test_threshold.py, both as printed."""
    code = blocks()
    module = module_of(code["# my_package/threshold.py"], monkeypatch)
    tests: dict[str, Any] = {}
    exec(compile(code["# tests/test_threshold.py"], "tests/test_threshold.py", "exec"), tests)
    return module, tests


def test_the_pages_policy_passes_every_check_of_the_contract_and_its_own_play_test(example):
    module, tests = example
    failed, skipped, passed = every_check(tests["TestThreshold"](), module.Threshold)
    assert failed == {}
    assert skipped == {} and INITIAL_CHECK in passed  # (before session 40: skipped for a policy like this one)
    assert len(passed) == 5 and "the suite's 5 checks" in section()
    own = [name for name in tests if name.startswith("test_")]
    assert own == ["test_only_a_candidate_that_scored_min_score_goes_on"]
    tests[own[0]]()


@pytest.mark.parametrize("old, new, check, message", [
    # the page: "A next that removed the promoted candidate with state["ready"].pop(0) fails the first"
    ('trial, budget = state["ready"][0]\n'
     '            return Action("continue", budget, trial), {**state, "ready": state["ready"][1:]}',
     'trial, budget = state["ready"].pop(0)\n'
     '            return Action("continue", budget, trial), state',
     "test_the_state_stays_json_and_next_leaves_the_state_it_receives_untouched",
     "Threshold.next changed the state it received"),
    # "one that continued a candidate to the rung it already reached the second"
    ("[[trial, budgets[rung + 1]]]", "[[trial, budgets[rung]]]",
     "test_budgets_are_rungs_and_a_continued_candidate_goes_higher", "policy 'threshold' continued trial 9 to "
     "budget 1, not above the 1 it reached"),
], ids=["state-changed-in-place", "continued-to-the-rung-it-reached"])
def test_the_broken_variants_the_page_names_fail_the_check_it_names(monkeypatch, old, new, check, message):
    code = blocks()["# my_package/threshold.py"]
    assert code.count(old) == 1, "the page's example changed: update this test's broken variant"
    broken = module_of(code.replace(old, new), monkeypatch)
    contract = type("TestBroken", (PolicyContract,), {"policy_class": broken.Threshold, "options": {"min_score": -0.1}})
    failed, _, _ = every_check(contract(), broken.Threshold)
    assert check in failed, f"the broken policy passed {check}"
    assert message in failed[check]


def test_the_pages_sweep_stops_the_candidates_whose_value_is_above_two_at_budget_one(example, tmp_path, monkeypatch,
                                                                                     capsys):
    module, _ = example
    monkeypatch.setitem(POLICIES._entries, "threshold", module.Threshold)  # what the entry point registers
    config = tmp_path / "sweep.toml"
    config.write_text(blocks()["# sweep.toml"])
    assert main(["run", str(config), "--backend", "serial"]) == 0
    capsys.readouterr()
    path = tmp_path / "sweep.h5"
    candidates = l2l.load(path).set_index("trial")
    segments = l2l.load(path, segments=True)
    minimum = tomllib.loads(blocks()["# sweep.toml"])["policy"]["min_score"]
    assert len(candidates) == 12
    assert (candidates["state"] == "stopped").sum() == 10 and (candidates["state"] == "completed").sum() == 2
    for trial, rows in segments.groupby("trial"):
        first = rows.loc[rows["budget"] == 1.0, "value"].iloc[0]
        if candidates.loc[trial, "state"] == "stopped":  # its one segment scored below min_score (value above 2)
            assert len(rows) == 1 and -first < minimum
        else:  # every rung below the top scored at least min_score, and it reached the top
            assert candidates.loc[trial, "budget"] == 81.0
            assert (-rows.loc[rows["budget"] < 81.0, "value"] >= minimum).all() and len(rows) == 5


# -- run.initial_points in the kit: play() hands them out as the driver does; the contract checks a policy that
#    takes them -------------------------------------------------------------------------------------------------
POINTS = [[0.125, 0.875], [0.5, 0.25], [0.875, 0.625]]


def _first_points(example_module: types.ModuleType, counted: str) -> type:
    """The page's policy taking run.initial_points as its first new candidates, counted as ``counted`` says:
    "state" (right), "cache" (in the table's cache, lost when the policy is rebuilt from its stored state),
    "late" (after two candidates of the optimizer's) or "unbounded" (past the points there are)."""

    @dataclass(frozen=True)
    class FirstPoints(example_module.Threshold):
        takes_initial_points: ClassVar[bool] = True

        def next(self, state, trials):
            action, state = super().next(state, trials)
            if action.kind != "start":
                return action, state
            given = trials.cache.get("given", 0) if counted == "cache" else state.get("given", 0)
            if counted == "late" and trials.launched < 2:
                return action, state
            if given < trials.initial_points or counted == "unbounded":
                if counted == "cache":
                    trials.cache["given"] = given + 1
                    return Action("start", action.budget, initial=given), state
                return Action("start", action.budget, initial=given), {**state, "given": given + 1}
            return action, state

    return FirstPoints


def _initial_check(cls: type) -> None:
    """The contract's initial-points check on ``cls`` (AssertionError if it fails)."""
    getattr(PolicyContract(), INITIAL_CHECK)(make_policy=cls)


def test_play_starts_an_initial_point_with_its_code_and_the_table_counts_the_points(example):
    module, _ = example
    policy, trials, seen = _first_points(module, "state")(min_score=-0.1), {}, []
    play(policy, policy.init(BUDGETS, 2, 0), trials, 20, initial_points=POINTS,
         on_action=lambda before, action, after, table: seen.append(table.initial_points))
    assert set(seen) == {3}
    assert [trials[str(t)]["code"] for t in range(4)][:3] == POINTS and trials["3"]["code"] not in POINTS
    plain: dict[str, dict] = {}
    play(policy, policy.init(BUDGETS, 2, 0), plain, 20)  # none given: the table says 0, the optimizer proposes
    assert not any(record["code"] in POINTS for record in plain.values())
    with pytest.raises(ValueError, match="codes of 2 values"):
        play(policy, policy.init(BUDGETS, 2, 0), {}, 5, initial_points=[[0.5, 0.5, 0.5]])


def test_the_contract_passes_model_based_and_a_policy_counting_its_initial_points_in_its_state(example):
    module, _ = example
    _initial_check(ModelBased)
    _initial_check(_first_points(module, "state"))
    _initial_check(module.Threshold)  # takes none, starts none itself


def test_the_contract_refuses_a_policy_that_starts_initial_points_without_saying_it_takes_them(example):
    """A policy that starts ``Action(initial=i)`` without ``takes_initial_points``: the run's optimizer hands the
    same points out too, so each would run twice (the check was skipped for such a policy before session 40)."""
    module, _ = example
    undeclared = type("Undeclared", (_first_points(module, "state"),), {"takes_initial_points": False})
    with pytest.raises(AssertionError, match=r"started run.initial_points \[0, 1, 2\] itself, but its class does "
                                             r"not set takes_initial_points = True"):
        _initial_check(undeclared)


@pytest.mark.parametrize("counted, message", [
    ("cache", r"rebuilt from its stored state after starting run.initial_points \[0\] started \[0, 1, 2\]"),
    ("late", r"as its first new candidates, each once, in order; its new candidates were .*\[-1, -1, 0, 1, 2"),
    ("unbounded", r"started run.initial_points\[3\], but the run gives 3 initial points"),
], ids=["counted-outside-the-state", "after-other-candidates", "past-the-last-point"])
def test_the_contract_refuses_a_policy_that_mishandles_its_initial_points(example, counted, message):
    module, _ = example
    with pytest.raises(AssertionError, match=message):
        _initial_check(_first_points(module, counted))


def test_a_plug_in_that_subclasses_policy_itself_is_refused_in_one_line_naming_rungpolicy(example, tmp_path,
                                                                                        monkeypatch):
    from inprocess_cli import l2l_main
    from l2l.policies.base import Policy

    @dataclass(frozen=True)
    class NoRungs(Policy):  # no eta, no max_budget: the loop could not build its rungs (an AttributeError before)
        name: ClassVar[str] = "threshold"
        candidate_budget: ClassVar[bool] = True  # (the page's config gives run.generations)
        max_candidates: int = 0

    monkeypatch.setitem(POLICIES._entries, "threshold", NoRungs)
    config = tmp_path / "sweep.toml"
    config.write_text(blocks()["# sweep.toml"].replace("min_score = ", "# min_score = "))
    result = l2l_main("run", config, "--backend", "serial", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0, result.stderr
    assert "has no max_budget" in result.stderr and "subclass l2l.policies.base.RungPolicy" in result.stderr
    assert not list(tmp_path.glob("*.h5"))  # refused before anything was created

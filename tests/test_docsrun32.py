"""What a new user running docs/coming_from_dehb_smac.md met (session 32's docs run).

The page's refusal lines end in "allowed: ..."; the full list of an unknown policy option named options the
policy then refused ('max_candidates' and 'same_everywhere' on model-based, which ``l2l list policies -v``
leaves out), so a user who took one from the list was refused a second time.
"""

from __future__ import annotations

import re

import pytest

from l2l.errors import ConfigError
from l2l.policies import POLICIES


def _allowed(message: str) -> set[str]:
    listed = re.search(r"; allowed: ([^;]*)", message)
    assert listed, message
    return {name.strip() for name in listed.group(1).split(",")}


@pytest.mark.parametrize("name", POLICIES.names())
def test_an_unknown_policy_option_lists_only_options_the_policy_accepts(name):
    with pytest.raises(ConfigError) as refused:
        POLICIES.create(name, {"min_fidelity": 1})   # DEHB's name
    allowed = _allowed(str(refused.value))
    listed = {option["name"] for option in POLICIES.describe(name)["options"]}
    assert allowed == listed, f"{name}: listed in the refusal but refused when given: {sorted(allowed - listed)}"


def test_the_model_based_policy_refusal_names_neither_max_candidates_nor_same_everywhere():
    with pytest.raises(ConfigError) as refused:
        POLICIES.create("model-based", {"n_trials": 100})   # SMAC's name
    message = str(refused.value)
    assert "unknown option 'n_trials'" in message and "run.evaluations" in message   # the hint stays
    assert not {"max_candidates", "same_everywhere"} & _allowed(message)
    for option in ("max_candidates", "same_everywhere"):   # given, each is still refused with its reason
        with pytest.raises(ConfigError, match=f"option {option} does not apply"):
            POLICIES.create("model-based", {option: 1 if option == "max_candidates" else True})

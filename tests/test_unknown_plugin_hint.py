"""A component name that is neither built in nor near one is often a plug-in whose package is not installed in
this Python (a run resumed in another environment): the one-line refusal says where l2l looked for it, and a
typo keeps its 'did you mean' without the hint."""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError
from conftest import make_config


def test_an_unknown_simulator_names_the_entry_point_group_it_was_looked_for_in(tmp_path):
    with pytest.raises(ConfigError) as caught:
        l2l.run(make_config(simulator={"name": "my-bowl"}), tmp_path / "x.h5", progress=False)
    message = str(caught.value)
    assert message.startswith("unknown simulator 'my-bowl'; available: "), message
    assert message.endswith("(a plug-in's name comes from the entry-point group 'l2l.simulators' of a package "
                            "installed in this Python)"), message
    assert "\n" not in message and not (tmp_path / "x.h5").exists()


def test_a_typo_is_answered_with_the_near_name_alone(tmp_path):
    with pytest.raises(ConfigError) as caught:
        l2l.run(make_config(optimizer={"name": "gaa"}), tmp_path / "x.h5", progress=False)
    assert "(did you mean 'ga'?)" in str(caught.value) and "entry-point group" not in str(caught.value)

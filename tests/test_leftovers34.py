"""Leftovers of session 33 (helper-278, session 34).

1. None in a mapping's [run] table is the key left out, for every key (``run.timeout = None`` was refused while
   ``stop_after_failures = None`` meant the default): a Python user passes ``{"timeout": args.timeout}``.
"""

from __future__ import annotations

import pytest

from l2l.config import RUN_KEYS, from_mapping

BASE = {"space": {"x": {"low": 0.0, "high": 1.0}}, "simulator": {"name": "python", "function": "f"}}


@pytest.mark.parametrize("key", sorted(RUN_KEYS))
def test_none_in_a_mapping_run_table_is_the_key_left_out(key, tmp_path):
    given = from_mapping({**BASE, "run": {"name": "r", key: None}} if key != "name" else {**BASE, "run": {key: None}},
                         tmp_path, user_file=True)
    left_out = from_mapping({**BASE, "run": {"name": "r"}} if key != "name" else {**BASE, "run": {}}, tmp_path,
                            user_file=True)
    assert given == left_out

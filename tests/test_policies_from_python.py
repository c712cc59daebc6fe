"""examples/policies_from_python.py: the four policies from Python with a mapping, as docs/multifidelity.md shows.

The example hands l2l.run the config as a dict (an AttributeError before l2l.run took mappings); its four configs
must stay valid, and a run of it must finish and be read back, a second call only reading the finished file.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import l2l
from l2l.loop import build

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "policies_from_python.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("policies_from_python", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("policy", ["asha", "hyperband", "model-based", "pbt"])
def test_every_policy_of_the_example_is_a_valid_config(example, policy):
    components = build(l2l.from_mapping(example.config(policy, "serial")))
    assert components.config.policy.name == policy and components.compute == 729


def test_the_example_runs_asha_and_a_second_call_only_reads_it(example, tmp_path, capsys):
    example.main(["asha", "--backend", "serial", "--compute", "120", "--out-dir", str(tmp_path)])
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert first.split()[:5] == ["asha", "35", "candidates,", "135", "epochs;"], first  # serial: to the digit
    assert "lowest loss at 27 epochs: 0.4737" in first, first
    segments = len(l2l.load(tmp_path / "asha.h5", segments=True))
    example.main(["asha", "--out-dir", str(tmp_path)])  # finished: l2l.resume leaves it as it is
    assert capsys.readouterr().out.strip().splitlines()[-1] == first
    assert len(l2l.load(tmp_path / "asha.h5", segments=True)) == segments

"""``l2l watch``'s run line names the policy that scheduled the candidates, as ``l2l compare`` labels a run:
'random + asha on sphere', and 'model-based on sphere' for the policy that proposes its candidates itself.
Before, it named the optimizer alone: 'random on sphere' for an ASHA run, and 'auto on sphere' for a model-based
one, whose optimizer is not used (``l2l show`` and ``l2l run`` say so)."""

from __future__ import annotations

import pytest
from conftest import l2l_cli

import l2l
from l2l.summary import summary_of


def _config(policy: str, **extra) -> l2l.RunConfig:
    return l2l.from_mapping({"run": {"name": "watched", "seed": 1, "compute": 300},
                             "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
                             **extra, "policy": {"name": policy},
                             "simulator": {"name": "sphere", "multi_fidelity": True},
                             "backend": {"name": "serial"}})


@pytest.mark.parametrize("policy, extra, said", [
    ("asha", {"optimizer": {"name": "random"}}, "random + asha on sphere, backend serial"),
    ("model-based", {}, "model-based on sphere, backend serial"),
])
def test_the_run_line_names_the_policy(tmp_path, policy, extra, said):
    path = l2l.run(_config(policy, **extra), tmp_path / "run.h5", progress=False)
    assert summary_of(path).description == said
    watched = l2l_cli("watch", path, "--once", cwd=tmp_path)
    assert watched.returncode == 0, watched.stderr
    assert f"run          watched: {said}\n" in watched.stdout, watched.stdout


def test_a_run_without_a_policy_is_named_by_its_optimizer_as_before(tmp_path):
    config = l2l.from_mapping({"run": {"name": "plain", "seed": 1, "generations": 1},
                               "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 2},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    assert summary_of(l2l.run(config, tmp_path / "plain.h5", progress=False)).description == \
        "random on sphere, backend serial"

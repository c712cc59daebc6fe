"""A policy run of a python function without a ``checkpoint`` parameter whose run.compute ends it short of the top.

Such a function trains every segment from scratch, at its whole budget (and the run counts it so), so successive
halving over rungs 1, 3, 9 starts its first segment to the top only after 9 x 1 + 3 x 3 = 18 steps, not the 15 of a
function that continues. Before, a run.compute of 16 to 18 was neither warned about nor refused with a target
(its target could never count a result), and the warning at 15 said 'give run.compute = 16 or more', which still
ended the run with no candidate at the top.
"""

from __future__ import annotations

import textwrap

import pytest

import l2l
from l2l.errors import ConfigError
from l2l.loop import build
from l2l.run_warnings import compute_short_of_top

RESTARTING = textwrap.dedent("""
    def train(params, seed, budget):
        return {"value": float(params["x"]) ** 2 + 1.0 / budget}
""")


def sweep(folder, policy: str, compute: float, **run):
    (folder / "restarting_review26.py").write_text(RESTARTING)
    return l2l.from_mapping({
        "run": {"name": "restarting", "seed": 1, "compute": compute, **run},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random"}, "policy": {"name": policy, "eta": 3},
        "simulator": {"name": "python", "function": "restarting_review26:train", "path": str(folder),
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}})


@pytest.mark.parametrize("policy, short, least", [("successive-halving", 18, "18"), ("hyperband", 18, "18"),
                                                  ("asha", 12, "at least 12")])
def test_the_least_compute_of_a_function_that_restarts_counts_whole_budgets(tmp_path, policy, short, least):
    said = compute_short_of_top(build(sweep(tmp_path, policy, short)))
    assert said == (f"run.compute = {short} steps ends the run before policy {policy!r} trains any candidate to the "
                    f"top budget (9 steps): its first segment there starts only after {least} steps at the lower "
                    f"rungs (every segment restarts: the function takes no checkpoint); give run.compute = "
                    f"{short + 1} or more")
    with pytest.raises(ConfigError, match="could never end at its target"):
        build(sweep(tmp_path, policy, short, target=0.5))
    assert compute_short_of_top(build(sweep(tmp_path, policy, short + 1))) == ""
    if policy == "successive-halving":  # exact: the compute said is where the run first reaches the top budget
        reached = [float(l2l.load(l2l.run(sweep(tmp_path, policy, compute), tmp_path / f"{compute}.h5"),
                                  segments=True)["budget"].max()) for compute in (16, short, short + 1)]
        assert reached == [3.0, 3.0, 9.0]  # (16: what the warning said before)


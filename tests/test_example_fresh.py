"""benchmarks/example_fresh.py and benchmarks/spore_arm.py --pbt-fresh: winners scored on seeds no selection saw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from module_files import module_from_file

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
CONFIG = """
[run]
name = "tiny"
seed = 3
generations = 2

[space]
learning_rate = { type = "float", low = 1e-3, high = 0.3, log = true }

[optimizer]
name = "ga"
population_size = 4

[simulator]
name = "noisy-sgd"
max_budget = 40

[backend]
name = "local"
workers = 2
"""


def _module(name: str, path: Path):
    return module_from_file(name, path, register=True)


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example_fresh")
    example = folder / "tiny.toml"
    example.write_text(CONFIG)
    module = _module("bench_example_fresh", BENCH / "example_fresh.py")
    argv = sys.argv
    sys.argv = ["example_fresh.py", str(example), "--top", "2", "--seeds", "3", "--random",
                "--out", str(folder / "out.json")]
    try:
        module.main()
    finally:
        sys.argv = argv
        sys.modules.pop("bench_example_fresh", None)
    return json.loads((folder / "out.json").read_text())


def test_winners_of_both_runs_and_the_defaults_are_scored_on_the_same_fresh_seeds(record):
    from l2l.simulators import SIMULATORS

    seeds = record["fresh_seeds"]
    assert len(seeds) == 3 and record["best_single_reproduced_by_the_simulator"]
    simulator = SIMULATORS.create("noisy-sgd", {"max_budget": 40})
    default = {str(s): simulator.run({}, s).objectives["loss"] for s in seeds}
    assert record["default"]["per_seed"] == pytest.approx(default, abs=1e-5)
    for label in ("ga", "random"):
        candidates = record["runs"][label]["candidates"]
        assert [c["selection_rank"] for c in candidates] == sorted(c["selection_rank"] for c in candidates)
        for c in candidates:
            assert sorted(c["per_seed"]) == sorted(str(s) for s in seeds)
            again = simulator.run(c["params"], seeds[0]).objectives["loss"]
            assert c["per_seed"][str(seeds[0])] == pytest.approx(again, abs=1e-5)
            differences = [c["per_seed"][str(s)] - default[str(s)] for s in seeds]
            assert c["minus_default"]["mean"] == pytest.approx(np.mean(differences), abs=1e-4)
            assert c["minus_default"]["better"] == sum(d < 0 for d in differences)  # a loss: lower is better
    picks = [record["runs"][label]["candidates"][0]["per_seed"] for label in ("ga", "random")]
    assert record["pick_difference"]["mean"] == pytest.approx(
        np.mean([picks[0][str(s)] - picks[1][str(s)] for s in seeds]), abs=1e-4)


@pytest.mark.parametrize("script, arguments, line", [
    ("example_fresh.py", ["examples/lsm_ga.toml", "--seeds", "1"],
     "l2l: error: --seeds: 2 or more fresh seeds expected (a standard error needs two), got 1"),
    ("example_fresh.py", ["examples/spore_arm.toml"],
     "l2l: error: examples/spore_arm.toml: one objective and no policy expected (l2l reevaluate scores constant "
     "candidates)"),
    ("spore_arm.py", ["--pbt-fresh", "--fresh-count", "1"],
     "l2l: error: --fresh-count: 2 or more fresh seeds expected (a standard error needs two), got 1"),
])
def test_bad_input_is_one_line_and_exit_2(script, arguments, line):
    done = subprocess.run([sys.executable, str(BENCH / script), *arguments], capture_output=True, text=True,
                          timeout=120, cwd=BENCH.parent)
    assert (done.returncode, done.stderr.strip().splitlines(), done.stdout) == (2, [line], "")


def test_the_pbt_replay_of_a_schedule_in_pieces_is_the_uninterrupted_learner():
    module = _module("bench_spore_arm_fresh", BENCH / "spore_arm.py")
    try:
        pieces = [(0.0, 8.0, {"temperature": 0.3}), (8.0, 20.0, {"temperature": 0.3})]
        replayed = module.replay(("x", pieces, 7, {"duration": 20.0, "min_budget": 4.0}))
    finally:
        sys.modules.pop("bench_spore_arm_fresh", None)
    whole = module.SporeArm(duration=20.0, min_budget=4.0).run({"temperature": 0.3}, 7)
    assert replayed == {"setting": "x", "seed": 7, "reward": float(whole.objectives["reward"])}

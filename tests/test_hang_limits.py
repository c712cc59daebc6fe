"""Schedules and seed counts too large to build end in one line ``l2l: error: ...``, exit status 2, and no file.

Each of these hung without a word (``--dry-run`` too) while it built what it was asked for: PBT's intervals
(``interval = 20`` up to ``max_budget = 10**12``, or a spore ``duration = 1e308``), the geometric rungs of an
``eta`` just above 1 (tens of millions of them), and ``l2l reevaluate --seeds 10**30`` (fresh seeds are drawn in a
time that grows with their square). A model-based run with ``prior_agreement = 1e-300`` ended in a traceback
(``Probabilities contain NaN``) after its file was created: the screening weights' squares underflowed.

The commands run in a subprocess with a timeout, so that a hang fails the test instead of stopping the suite.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HUGE = 10 ** 30


def l2l(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    try:
        return subprocess.run([sys.executable, "-m", "l2l", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"l2l {' '.join(args)} did not answer within 20 s (hung)")


def example(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (EXAMPLES / name).read_text()
    assert old in text, f"{name} no longer has {old!r}"
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


def refused(done: subprocess.CompletedProcess, *parts: str) -> str:
    err = done.stderr.strip()
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert err.startswith("l2l: error: ") and "\n" not in err and "Traceback" not in err, err
    for part in parts:
        assert part in err, (part, err)
    return err


PBT_CASES = {
    "noisy-sgd max_budget 10**7": ("pbt_noisy_sgd.toml", "max_budget = 200", "max_budget = 10000000",
                                   ["interval 20", "max_budget 10000000", "500000 intervals",
                                    "more than the 100000", "interval of at least 100"]),
    "spore duration 1e308": ("pbt_spore.toml", "duration = 150.0", "duration = 1e308",
                             ["interval 15", "max_budget 1e+308", "more than the 100000",
                              "interval of at least 1e+303"]),
    "spore arm duration 1e308": ("spore_arm.toml", "duration = 400.0", "duration = 1e308",
                                 ["interval 40", "max_budget 1e+308", "more than the 100000"]),
}


@pytest.mark.parametrize("case", PBT_CASES, ids=list(PBT_CASES))
def test_pbt_with_too_many_intervals_is_refused_in_one_line(tmp_path, case):
    name, old, new, parts = PBT_CASES[case]
    path = example(tmp_path, name, old, new)
    out = tmp_path / "out.h5"
    refused(l2l("run", str(path), "--out", str(out), "--no-progress", cwd=tmp_path), "policy 'pbt'", *parts)
    assert not out.exists()
    refused(l2l("run", str(path), "--dry-run", cwd=tmp_path), "more than the 100000")


HALVING = ["asha", "hyperband", "successive-halving", "median-stopping", "model-based"]


@pytest.mark.parametrize("policy", HALVING)
def test_an_eta_just_above_1_is_refused_in_one_line(tmp_path, policy):
    path = example(tmp_path, "sphere_asha.toml", 'name = "asha"\neta = 3', f'name = "{policy}"\neta = 1.0000001')
    out = tmp_path / "out.h5"
    err = refused(l2l("run", str(path), "--out", str(out), "--no-progress", cwd=tmp_path),
                  f"policy '{policy}': eta = 1.0000001", "min_budget = 1", "max_budget = 81", "43944494 rungs",
                  "more than the 100",
                  "give eta = 1.046 or more")
    assert not out.exists(), err


def test_the_eta_a_refusal_offers_is_accepted():
    from l2l.errors import ConfigError
    from l2l.policies import rung_budgets

    for low, high in ((1, 81), (0.001, 1e5), (1e-300, 1e300)):
        with pytest.raises(ConfigError, match="more than the 100") as refusal:
            rung_budgets(low, high, 1.01, integer=False)
        least = float(str(refusal.value).split("give eta = ")[1].split()[0])
        assert len(rung_budgets(low, high, least, integer=False)) <= 100
    assert len(rung_budgets(1, 81, 81 ** (1 / 99), integer=False)) == 100  # the most that is allowed
    assert rung_budgets(1, 81, 3) == [1.0, 3.0, 9.0, 27.0, 81.0]


def test_model_based_with_a_tiny_prior_agreement_runs(tmp_path):
    path = example(tmp_path, "sphere_asha.toml", 'name = "asha"\n', 'name = "model-based"\nprior_agreement = 1e-300\n')
    path.write_text(path.read_text().replace("compute = 4050", "compute = 600"))
    out = tmp_path / "out.h5"
    done = l2l("run", str(path), "--out", str(out), "--no-progress", "--backend", "serial", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and out.exists()


def test_bracket_weights_are_never_nan():
    from l2l.policies import POLICIES

    for prior in (1e-300, 5e-324, 1e-160, 0.0, 0.5, 1.0):  # the first two underflowed to 0 / 0
        policy = POLICIES.create("model-based", {"prior_agreement": prior})
        for agreement in ([None, None, None, 1.0], [None, 0.2, None, 1.0], [None, None, 0.0, 1.0]):
            weights = policy.bracket_weights(agreement)
            assert all(math.isfinite(w) and w >= 0 for w in weights) and weights.sum() > 0, (prior, agreement, weights)
    # the squares underflow; the shares are still agreement squared times the candidates each bracket starts
    weights = POLICIES.create("model-based", {"prior_agreement": 1e-300}).bracket_weights([None, None, None, 1.0])
    screened = [27, 12, 6]  # the first rung of the brackets that start at rungs 0, 1 and 2 of 4 (eta 3)
    assert weights[:3] / weights[:3].sum() == pytest.approx([s / sum(screened) for s in screened])


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reevaluate")
    (folder / "run.toml").write_text("""
[run]
name = "small"
seed = 1
generations = 1
[space]
x = { type = "float", low = -5.0, high = 5.0, shape = [2] }
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "sphere"
[backend]
name = "serial"
""")
    done = l2l("run", "run.toml", "--out", "small.h5", "--no-progress", cwd=folder)
    assert done.returncode == 0, done.stderr[-2000:]
    return folder / "small.h5"


@pytest.mark.parametrize("seeds", [str(HUGE), "1001"])
def test_reevaluate_with_too_many_seeds_is_refused_in_one_line(finished, seeds):
    before = finished.read_bytes()
    refused(l2l("reevaluate", str(finished), "--top", "1", "--seeds", seeds, cwd=finished.parent),
            f"--seeds must be at most 1000 (fresh seeds per candidate), got {seeds}")
    assert finished.read_bytes() == before


def test_reevaluate_api_refuses_too_many_seeds(finished):
    code = (f"from l2l.errors import ConfigError\nfrom l2l.reevaluate import reevaluate\n"
            f"try:\n    reevaluate({str(finished)!r}, 1, {HUGE})\nexcept ConfigError as e:\n    print(e)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    try:  # in a subprocess: the old code hung
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("reevaluate(path, 1, 10**30) did not answer within 20 s (hung)")
    assert done.stdout.strip() == f"reevaluate: seeds must be at most 1000 (fresh seeds per candidate), got {HUGE}"


def test_reevaluate_help_shows_one_percent_sign(tmp_path):
    done = l2l("reevaluate", "--help", cwd=tmp_path)
    assert done.returncode == 0 and "95 %" in " ".join(done.stdout.split()) and "%%" not in done.stdout

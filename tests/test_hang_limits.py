"""Schedules and seed counts too large to build end in one line ``l2l: error: ...``, exit status 2, and no file.

Each of these hung without a word (``--dry-run`` too) while it built what it was asked for: PBT's intervals
(``interval = 20`` up to ``max_budget = 10**12``, or a spore ``duration = 1e308``), the geometric rungs of an
``eta`` just above 1 (tens of millions of them), and ``l2l reevaluate --seeds 10**30`` (fresh seeds are drawn in a
time that grows with their square). A model-based run with ``prior_agreement = 1e-300`` ended in a traceback
(``Probabilities contain NaN``) after its file was created: the screening weights' squares underflowed.

The commands run in a forked child of the test's process with a timeout, so that a hang fails the test instead of
stopping the suite (l2l is imported before the fork: a ``python -m l2l`` process each spent a second or more of CPU
importing it, most of this file's cost).
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import l2l.cli  # noqa: F401 - imported before the forks (and what the commands import, below)
import l2l.loop  # noqa: F401
import l2l.policies  # noqa: F401
import l2l.reevaluate  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HUGE = 10 ** 30


def forked(what: str, call, cwd: Path, timeout: float = 20) -> subprocess.CompletedProcess:
    """``call()`` in a forked child in ``cwd``, its return value the exit status, its output what it printed;
    failed as hung if it has not ended within ``timeout`` seconds."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 1
            try:
                os.chdir(cwd)
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout, sys.stderr = open(1, "w", closefd=False), open(2, "w", closefd=False)
                code = call()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - said on the child's stderr, as a process would
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code or 0)
        deadline = time.monotonic() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"{what} did not answer within {timeout:g} s (hung)")
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(what, os.waitstatus_to_exitcode(status), out.read(), err.read())


def l2l(*args: str, cwd: Path, timeout: float = 20) -> subprocess.CompletedProcess:
    """``l2l ARGS`` (l2l.cli.main) in a forked child in ``cwd``, failed as hung after ``timeout`` seconds."""
    return forked(f"l2l {' '.join(args)}", lambda: l2l_main(list(args)), cwd, timeout)


def l2l_main(argv: list[str]) -> int:
    from l2l.cli import main

    return main(argv)


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
    # a run of 600 units, not a refusal: more time than 20 s under load
    done = l2l("run", str(path), "--out", str(out), "--no-progress", "--backend", "serial", cwd=tmp_path, timeout=120)
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
    def call() -> int:
        from l2l.errors import ConfigError
        from l2l.reevaluate import reevaluate

        try:
            reevaluate(str(finished), 1, HUGE)
        except ConfigError as exc:
            print(exc)
        return 0

    done = forked("reevaluate(path, 1, 10**30)", call, finished.parent)  # in a child: the old code hung
    assert done.stdout.strip() == f"reevaluate: seeds must be at most 1000 (fresh seeds per candidate), got {HUGE}"


def test_reevaluate_help_shows_one_percent_sign(tmp_path):
    done = l2l("reevaluate", "--help", cwd=tmp_path)
    assert done.returncode == 0 and "95 %" in " ".join(done.stdout.split()) and "%%" not in done.stdout

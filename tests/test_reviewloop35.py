"""Review of session 34's loop, policy, number and report changes (helper-292, session 35).

1. A limit a refusal asks for is written rounded the way that is not refused again: median stopping's
   ``give a grace of at most 0.666667`` (six digits of 2/3, rounded up) was refused again as written.
2. PBT's compute-short-of-the-top warning (1e09ec5) named only the compute where the first member's segment to
   the top starts; it also names population x max_budget, the compute that trains every member there.
3. The ``l2l resume`` command suggested for a config whose budget was raised gives that budget as the config has
   it (``--max-time 1234.56789``, not six digits of it).
"""

from __future__ import annotations

import re
import textwrap

import pytest

import l2l
from l2l.errors import ConfigError, TrajectoryError
from l2l.loop import build
from l2l.run_warnings import compute_short_of_top
from l2l.numbers import at_least, at_most, exact

CONTINUING = textwrap.dedent("""
    from l2l.simulators.base import SimulationResult

    def train(params, seed, budget, checkpoint=None):
        return SimulationResult({"value": float(params["x"]) ** 2 + 1.0 / budget},
                                checkpoint={"steps": [float(budget)]})
""")


def config(folder, policy: dict, fidelity: dict | None = None, **run) -> l2l.RunConfig:
    (folder / "continuing_reviewloop35.py").write_text(CONTINUING)
    return l2l.from_mapping({
        "run": {"name": "review", "seed": 1, **run},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random"},
        "policy": policy,
        "simulator": {"name": "python", "function": "continuing_reviewloop35:train", "path": str(folder),
                      "multi_fidelity": fidelity or {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}})


CONTINUOUS = {"name": "steps", "unit": "steps", "minimum": 0.05, "maximum": 2, "integer": False}


def test_the_grace_a_refusal_asks_for_is_accepted_as_written(tmp_path):
    policy = {"name": "median-stopping", "eta": 3, "grace": 1.0}  # rungs 2/27, 2/9, 2/3, 2
    with pytest.raises(ConfigError) as refused:
        build(config(tmp_path, policy, CONTINUOUS))
    said = re.search(r"give a grace of at most (\S+)$", str(refused.value))
    assert said and said.group(1) == "0.666666"
    build(config(tmp_path, {**policy, "grace": float(said.group(1))}, CONTINUOUS))  # not refused again


def test_a_limit_is_rounded_the_way_that_keeps_it_a_limit():
    assert (at_most(2 / 3), at_least(2 / 3)) == ("0.666666", "0.666667")
    assert (at_most(-2 / 3), at_least(-2 / 3)) == ("-0.666667", "-0.666666")
    assert (at_most(1234567.6), at_least(1234567.4)) == ("1234567", "1234568")  # every digit before the point
    assert (at_most(12345678.5), at_least(12345678.5)) == ("12345678", "12345679")  # below 10**15 every digit
    assert at_most(1e-7 / 3) == "3.33333e-08" and at_least(1e-7 / 3) == "3.33334e-08"
    for value in (2 / 3, 1e-7 / 3, 1e20 / 3, 16666.6666, 1234567.4, 99999.95, 0.3, 27.0, 5):
        assert float(at_most(value)) <= value <= float(at_least(value))
    assert [at_most(v) for v in (0.3, 27.0, 5, 1e15, float("inf"))] == ["0.3", "27", "5", "1e+15", "inf"]
    assert [exact(v) for v in (12345678.5, 1234.56789, 0.1, 3.0, 7, None, True)] == \
        ["12345678.5", "1234.56789", "0.1", "3", "7", "none", "true"]


@pytest.mark.parametrize("synchronous", [True, False])
def test_pbt_short_of_the_top_names_the_compute_that_trains_every_member_there(tmp_path, synchronous):
    policy = {"name": "pbt", "population": 3, "interval": 3, "synchronous": synchronous}
    said = compute_short_of_top(build(config(tmp_path, policy, compute=12)))
    assert said.endswith("or more (run.compute = 27 trains every member to the top)"), said
    hyperband = compute_short_of_top(build(config(tmp_path, {"name": "hyperband", "eta": 3}, compute=5)))
    assert hyperband and "every member" not in hyperband  # only pbt's population is meant to reach the top


def test_pbt_with_the_compute_said_trains_every_member_to_the_top(tmp_path):
    policy = {"name": "pbt", "population": 3, "interval": 3}
    path = l2l.run(config(tmp_path, policy, compute=27), tmp_path / "all.h5")
    segments = l2l.load(path, segments=True)
    assert (segments["budget"] == 9.0).sum() == 3  # each of the 3 members' last segment ends at the top


def test_the_suggested_resume_gives_the_raised_budget_as_the_config_has_it(tmp_path):
    first = l2l.from_mapping({"run": {"name": "sweep", "seed": 1, "generations": 1},
                              "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
                              "optimizer": {"name": "random", "population_size": 2},
                              "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    path = l2l.run(first, tmp_path / "sweep.h5")
    raised = l2l.from_mapping({**first.to_json(), "run": {**first.to_json()["run"], "max_time": 1234.56789}})
    with pytest.raises(TrajectoryError) as refused:
        l2l.run(raised, path)
    assert "1234.56789" in str(refused.value) and "1234.57" not in str(refused.value), str(refused.value)


def test_a_mapping_run_seed_of_none_is_refused_not_read_as_seed_0(tmp_path):
    # f410601 read None as the key left out for every [run] key; seed=None is numpy's, Optuna's and scikit-learn's
    # 'draw one at random', so two runs meant to differ were silently the same run of seed 0
    base = {"space": {"x": {"low": 0.0, "high": 1.0}}, "simulator": {"name": "python", "function": "f"}}
    with pytest.raises(ConfigError, match=r"^run\.seed = None: .*never drawn at random.*give run\.seed = 0, 1, 2"):
        l2l.from_mapping({**base, "run": {"name": "r", "seed": None}}, tmp_path)
    assert l2l.from_mapping({**base, "run": {"name": "r", "timeout": None}}, tmp_path).seed == 0


def test_a_curve_point_a_little_past_the_budget_is_said_with_the_digits_that_tell_them_apart():
    # Ray Tune's time_attr = "time_total_s" as a fidelity of seconds (070e6ff): a function that trains until it has
    # passed its budget writes its last point a fraction of a millisecond past it; six digits said '600, beyond the
    # segment's budget 600'
    from types import SimpleNamespace

    from l2l.jobs.base import curves

    with pytest.raises(ValueError, match=r"a point at fidelity 600\.0004, beyond the segment's budget 600;"):
        curves(SimpleNamespace(curve={"loss": [[300.0, 1.0], [600.0004, 0.5]]}), budget=600.0)
    with pytest.raises(ValueError, match=r"a point at fidelity 0\.103608, beyond the segment's budget 0\.1;"):
        curves(SimpleNamespace(curve={"loss": [[0.103608, 0.5]]}), budget=0.1)


def _drawn(png_of) -> bytes:
    import base64
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), layout="constrained", dpi=100)
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [3, 1, 2])
    ax.set_title("loss")
    if png_of == "savefig":
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80, metadata={"Software": "l2l"})
        return buffer.getvalue()
    return base64.b64decode(png_of(fig, 80))


@pytest.mark.parametrize("rc", [{}, {"savefig.facecolor": "black"}, {"savefig.transparent": True}])
def test_the_reports_png_is_what_savefig_writes_under_the_users_matplotlibrc(rc):
    # 67e5a84 prints the canvas once instead of savefig's two draws: byte-identical under matplotlib's defaults,
    # but a matplotlibrc's savefig.facecolor / transparent / bbox, which only savefig applies, were ignored
    from matplotlib import rc_context

    from l2l.analysis.report import _png

    with rc_context(rc):
        assert _drawn(_png) == _drawn("savefig")

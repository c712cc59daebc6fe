"""One way to write a number (numbers33, helper-261): :func:`l2l.numbers.number`.

The figures a user reads were written four ways: ``l2l show``'s compute whole, the plots' budgets to ``.4g``,
``l2l list``'s bounds by ``repr`` and the progress bar to ``.4g``: a best of 123456.7 read ``1.235e+05`` in the
bar, a fractional bar's 3703701 steps ``3.704e+06``, a bound of 0.1 + 0.2 ``0.30000000000000004``. Around them,
``l2l show``'s best table and ``l2l compare``'s wrote every score of about 1e-6 ``0.000001`` (pandas' six
decimals), compare's compute of 1e7 steps ``1.358024e+07``, the figure's title ``compute 1.35802e+07 steps``,
``l2l show``'s restarts ``2.46914e+06 steps more``.

A typo of an option a component refuses was answered with that option: ``max_candidate`` under ``model-based``
suggested ``max_candidates``, which the same policy then refuses as not applying.
"""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

import l2l
from l2l.cli import main
from l2l.errors import ConfigError
from l2l.numbers import compute, number

TRAIN = '''
def train(params, seed, budget, checkpoint=None, scale=1.0):
    return {"loss": scale * (1.234567 + (params["x"] - 0.3) ** 2 + 1000.0 / budget)}

def small(params, seed, budget, checkpoint=None):
    return train(params, seed, budget, scale=1e-6)

def large(params, seed, budget, checkpoint=None):
    return train(params, seed, budget, scale=1e5)
'''


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two asha runs of about 1.4e7 steps (a fidelity with ``integer = false``): scores of about 1e-6 and 1e5."""
    folder = tmp_path_factory.mktemp("numbers33")
    (folder / "train_numbers33.py").write_text(textwrap.dedent(TRAIN))
    paths = {}
    for scale in ("small", "large"):
        config = l2l.from_mapping({
            "run": {"seed": 1, "compute": 12345678}, "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
            "optimizer": {"name": "random"}, "policy": {"name": "asha"},
            "simulator": {"name": "python", "function": f"train_numbers33:{scale}",
                          "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 137174.3,
                                             "maximum": 1234567.7, "integer": False}},
            "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}},
            base_dir=folder)
        paths[scale] = l2l.run(config, folder / f"{scale}.h5", progress=False)
    return paths


def _drawn(bar) -> str:
    try:
        return bar.bar.format_meter(**{**bar.bar.format_dict, "rate": 2.0, "elapsed": 10.0})
    finally:
        bar.close()


def test_the_bar_writes_a_best_in_full_to_six_digits_with_an_exponent_only_far_from_one():
    from l2l.progress import progress_text

    assert progress_text(3, {"loss": 123456.7}, 0) == "gen 3 best loss=123457"  # before: loss=1.235e+05
    assert progress_text(3, {"loss": 0.123456789}, 0) == "gen 3 best loss=0.123457"  # before: 0.1235
    assert progress_text(3, {"loss": 1.2345678e-6}, 0) == "gen 3 best loss=1.23457e-06"
    assert progress_text(3, {"loss": 3703701.0}, 0) == "gen 3 best loss=3703701"  # before: 3.704e+06
    assert progress_text(3, {"loss": 0.125}, 2) == "gen 3 best loss=0.125 failed 2"  # as before


def test_a_fractional_bar_counts_millions_of_steps_without_an_exponent():
    from l2l.progress import Progress

    drawn = _drawn(Progress(True, 1e7, 3703701.3, unit="steps", fractional=True))
    assert "| 3703701/10000000 [" in drawn, drawn  # before: 3.704e+06/1e+07
    drawn = _drawn(Progress(True, 1.2, 0.1 + 0.2, unit="steps", fractional=True))
    assert "| 0.3/1.2 [" in drawn, drawn  # as before


def test_a_bar_of_millions_of_steps_a_second_gives_its_rate_whole():
    from l2l.progress import per_second_text

    assert per_second_text(196765492.15) == "196765492"  # before: 196765492.15 (steps/s)
    assert [per_second_text(r) for r in (0.0017, 12.3, 999.99)] == ["0.0017", "12.30", "999.99"]  # as before


def test_an_axis_writes_a_budget_of_a_hundred_thousand_in_full():
    from l2l.plot.panels import number as tick

    assert tick(123456.7) == "123,457"  # before: 1.235e+05
    assert [tick(v) for v in (27.0, 1000, 0.5, 0.101496, 1e-5)] == ["27", "1,000", "0.5", "0.1015", "1e-05"]


def test_a_bound_is_written_as_the_user_would_write_it_in_l2l_list_and_in_the_refusal():
    from l2l.registry import Registry, option

    @dataclasses.dataclass(frozen=True)
    class Subject:
        name = "subject"
        rate: float = option(0.1, help="a rate", ge=0.0, le=0.1 + 0.2)

    registry = Registry("optimizer", {"subject": Subject}, group=None)
    [described] = registry.describe("subject")["options"]
    assert described["rule"] == "in [0, 0.3]", described  # before: in [0, 0.30000000000000004]
    with pytest.raises(ConfigError) as refused:
        registry.create("subject", {"rate": 0.5})
    assert str(refused.value) == "optimizer 'subject': rate must be in [0, 0.3], got 0.5"


def _refusals():
    from l2l.policies import POLICIES

    for name in POLICIES.names():
        for refused in POLICIES.get(name).refused_options():
            yield name, refused


@pytest.mark.parametrize("policy, refused", list(_refusals()))
def test_a_typo_never_suggests_an_option_the_component_refuses(policy, refused):
    """model-based refuses max_candidates and same_everywhere: 'max_candidate' suggested the first, which it then
    refused as not applying."""
    from l2l.policies import POLICIES

    for typo in (refused[:-1], refused.upper()):
        with pytest.raises(ConfigError) as unknown:
            POLICIES.create(policy, {typo: 1})
        said = str(unknown.value)  # nor the next nearest: 'max_candidate' -> 'candidates', another option
        assert "did you mean" not in said and f"({refused!r} does not apply to policy {policy!r})" in said, said
        assert refused not in said.split("allowed: ")[1], said
    with pytest.raises(ConfigError) as unknown:  # an option it takes is still suggested
        POLICIES.create(policy, {"min_budge": 1})
    assert "(did you mean 'min_budget'?)" in str(unknown.value), unknown.value


def test_show_tells_scores_of_a_millionth_apart_and_writes_compute_whole(runs, capsys):
    assert main(["show", str(runs["small"])]) == 0
    out = capsys.readouterr().out
    rows = out.split("\nbest ", 1)[1].splitlines()[2:]
    scores = [row.split()[3] for row in rows]
    assert len(set(scores)) == len(scores) >= 3 and all("e-06" in s for s in scores), out  # before: 0.000001 each
    assert abs(float(scores[0]) - l2l.best(runs["small"]).objectives["loss"]) < 1e-11, scores
    restarts = next(line for line in out.splitlines() if line.startswith("restarts"))
    spent = restarts.split("from scratch again, ")[1].split(" steps")[0]
    assert spent.isdigit() and int(spent) > 1_000_000, restarts  # before: 2.46914e+06 steps
    assert main(["show", str(runs["large"])]) == 0  # scores of 1e5 keep pandas' six decimals: 123538.720707
    rows = capsys.readouterr().out.split("\nbest ", 1)[1].splitlines()[2:]
    assert float(rows[0].split()[3]) == pytest.approx(l2l.best(runs["large"]).objectives["loss"], abs=1e-6), rows


def test_compare_writes_compute_whole_and_scores_of_a_millionth_apart(runs, tmp_path, capsys):
    assert main(["compare", str(runs["small"]), str(runs["large"]), "-o", str(tmp_path / "c.png")]) == 0
    header, small, large = capsys.readouterr().out.splitlines()[:3]
    at = header.index("best loss") + len("best loss")
    assert float(small[:at].split()[-1]) == pytest.approx(l2l.best(runs["small"]).objectives["loss"], rel=1e-5), small
    assert small[:at].split()[-1] != "0.000001" and "e+07" not in small, small  # before: 0.000001, 1.358024e+07
    at = header.index("compute (steps)") + len("compute (steps)")
    assert small[:at].split()[-1].isdigit() and int(small[:at].split()[-1]) > 10_000_000, small


def test_a_figure_writes_compute_budget_and_best_as_l2l_show_does(runs):
    from l2l.plot.data import load_run
    import matplotlib.pyplot as plt

    from l2l.plot.figures import _best_text, _summary_line
    from l2l.plot.panels import colour_label, draw_best_by_compute

    run = load_run(runs["large"])
    spent = _summary_line(run).split("compute ")[1].split(" steps")[0]
    assert spent.isdigit() and int(spent) > 10_000_000, _summary_line(run)  # before: 1.35802e+07
    assert "at the top budget (1,234,568 steps)" in colour_label(run, run.objectives[0])  # before: 1.23457e+06
    best = number(l2l.best(runs["large"]).objectives["loss"])
    assert best == "123539" and f"; best loss = {best} (trial" in _best_text(run, run.objectives[0])
    figure, ax = plt.subplots()
    try:
        draw_best_by_compute(ax, run, run.objectives[0])
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
    finally:
        plt.close(figure)
    assert f"best so far at the top budget ({best})" in legend, legend  # before: (1.235e+05) beside the title's


@pytest.mark.parametrize("value, text", [
    (1500000.0, "1500000"), (1234567, "1234567"), (123456.7, "123457"), (0.1 + 0.2, "0.3"), (10 / 9, "1.11111"),
    (0.000123456789, "0.000123457"), (1.2345678e-6, "1.23457e-06"), (12345678.9, "12345679"),
    (9.9999999, "10"), (1e308, "1e+308"), (float("nan"), "nan"), (float("-inf"), "-inf"), (None, "none")])
def test_one_rule_writes_every_number(value, text):
    assert number(value) == text
    if value is not None and 1 <= abs(value) < 1e5:  # compute too: from 100,000 on to the unit
        assert compute(value) == text

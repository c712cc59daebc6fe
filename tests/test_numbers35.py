"""Numbers in messages and tables (session 35): a value that is not whole from 10**7 up to 10**15 is written with
every digit before the point (123456789.4 read ``1.23457e+08`` in ``l2l report``'s best table, ``l2l show``'s
target line and the progress bar: eight different losses alike); a table's column of scores tells unequal values
apart (``l2l compare`` wrote 123456790 and 123456791 both ``1.234568e+08``; ``l2l reevaluate``'s 'selected' wrote
1.25025e-05 and 1.28568e-05 both ``0.000013``); the limit a refusal names is accepted when typed back in; and
DEHB's differential-evolution options are answered with what l2l has (docs/coming_from_dehb_smac.md)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import l2l
from l2l.errors import ConfigError
from l2l.numbers import number, table_formatters


@pytest.mark.parametrize("value, text", [(123456789.4, "123456789"), (-123456789.4, "-123456789"),
                                         (12345678.5, "12345678"), (987654321012.25, "987654321012"),
                                         (123456.7, "123457"), (0.1234567, "0.123457"), (1.234567e-6, "1.23457e-06"),
                                         (1.5e16, "1.5e+16"), (3703701.0, "3703701")])
def test_digits_before_the_point_are_never_rounded_away_below_1e15(value, text):
    assert number(value) == text


def test_eight_losses_that_differ_in_the_units_read_apart():
    losses = [123456780.4 + k for k in range(8)]
    assert len({number(v) for v in losses}) == 8  # before: all eight 1.23457e+08


def test_compare_and_the_best_table_tell_large_scores_apart():
    frame = pd.DataFrame({"run": ["a", "b"], "best loss": [123456790.123456, 123456791.654321]})
    text = frame.to_string(index=False, formatters=table_formatters(frame, ["best loss"]))
    assert "123456790.123456" in text and "123456791.654321" in text, text  # before: 1.234568e+08 twice
    from l2l.summary.table import score_formatters

    assert score_formatters(frame, ["best loss"])["best loss"](123456790.2) == "123456790.200000"


def _ranking(selected: list[float]) -> pd.DataFrame:
    n = len(selected)
    table = pd.DataFrame({"rank": range(1, n + 1), "selection rank": range(1, n + 1), "generation": [0] * n,
                          "individual": range(n), "selected": selected, "mean": [2e-5 + k * 1e-6 for k in range(n)],
                          "std": [1e-6] * n, "ci95": [np.nan] * n, "seeds": [1] * n, "failed": [0] * n,
                          "x": [0.5] * n})
    table.attrs = {"objective": {"name": "loss", "direction": "minimize"}, "parameters": ["x"]}
    return table


def test_the_reevaluation_rankings_selected_column_tells_small_values_apart():
    from l2l.reevaluate import ranking_text

    text = ranking_text(_ranking([1.25025e-05, 1.28568e-05]))
    assert "1.25025e-05" in text and "1.28568e-05" in text, text  # before: 0.000013 twice


def test_a_min_budget_above_the_duration_is_refused_with_a_limit_that_is_accepted():
    from l2l.simulators import SIMULATORS

    with pytest.raises(ConfigError) as error:
        SIMULATORS.create("spore", {"duration": 4.1234564, "min_budget": 5.0})
    limit = re.search(r"give a min_budget of at most (\S+),", str(error.value)).group(1)
    assert limit == "4.12345", error.value  # before: 4.12346, above the duration: refused again
    SIMULATORS.create("spore", {"duration": 4.1234564, "min_budget": float(limit)})


def test_a_min_budget_below_dt_is_refused_with_a_limit_that_is_accepted():
    from l2l.simulators.spore import check_measurable

    dt = 0.01234564
    with pytest.raises(ConfigError) as error:
        check_measurable("spore", 0.001, dt)
    limit = re.search(r"at least (\S+), or a smaller dt", str(error.value)).group(1)
    assert limit == "0.0123457", error.value  # before: 0.0123456, below dt: refused again
    check_measurable("spore", float(limit), dt)


def test_a_negative_weight_is_answered_with_its_exact_opposite(tmp_path):
    config = {"run": {"name": "w", "generations": 1},
              "space": {"x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [2]}},
              "simulator": {"name": "zdt1"}, "optimizer": {"name": "ga", "population_size": 4,
                                                                      "weights": [1.0, -0.1234564]}}
    with pytest.raises(ConfigError, match=r"give 0\.1234564$"):  # before: give 0.123456, another weight
        l2l.run(l2l.from_mapping(config), tmp_path / "w.h5", progress=False)


def _dehb(**tables) -> dict:
    config = {"run": {"seed": 1, "compute": 60}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "optimizer": {"name": "random"}, "policy": {"name": "model-based"},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    for table, value in tables.items():
        config[table] = {**config[table], **value}
    return config


def _train(params, seed, budget, checkpoint=None):
    return l2l.SimulationResult(objectives={"loss": float(params["x"] ** 2)})


@pytest.mark.parametrize("tables", [{"policy": {"mutation_factor": 0.5}}, {"policy": {"crossover_prob": 0.5}},
                                    {"policy": {"strategy": "rand1_bin"}}, {"run": {"mutation_factor": 0.5}},
                                    {"policy": {"name": "hyperband", "crossover_prob": 0.5}}])
def test_dehbs_differential_evolution_options_are_answered_plainly(tmp_path, tables):
    with pytest.raises(ConfigError) as error:  # before: only the list of allowed options
        l2l.run(_dehb(**tables), tmp_path / "run.h5", simulator=_train, progress=False)
    assert "l2l has no differential evolution: model-based (DEHB's nearest)" in str(error.value), error.value
    assert "\n" not in str(error.value)
    assert not (tmp_path / "run.h5").exists()


def test_dehbs_max_age_has_no_twin(tmp_path):
    with pytest.raises(ConfigError, match="DEHB's max_age has no twin"):
        l2l.run(_dehb(policy={"max_age": 3}), tmp_path / "run.h5", simulator=_train, progress=False)


def test_crossover_prob_is_the_ga_optimizers_crossover_probability():
    from l2l.optimizers import OPTIMIZERS

    with pytest.raises(ConfigError, match="DEHB's crossover_prob is crossover_probability here"):
        OPTIMIZERS.create("ga", {"crossover_prob": 0.5})
    assert OPTIMIZERS.create("ga", {"crossover_probability": 0.5}).crossover_probability == 0.5

"""How well a run's low budgets rank its candidates as the top one does: ``l2l.agreement`` and ``l2l show``."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from conftest import TESTS
from l2l.cli import main


def _run(tmp_path, policy, function, seed=1, compute=27 * 30, name="run"):
    config = l2l.from_mapping({
        "run": {"seed": seed, "compute": compute}, "space": {"x": {"low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random"}, "policy": {"name": policy},
        "simulator": {"name": "python", "function": f"models_agreement:{function}",
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 27}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}, base_dir=TESTS)
    return l2l.run(config, tmp_path / f"{name}.h5", progress=False)


def _hartmann(tmp_path, low_fidelity, seed):
    config = l2l.from_mapping({
        "run": {"seed": seed, "compute": 81 * 40},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [3]}}, "policy": {"name": "model-based"},
        "simulator": {"name": "hartmann3", "multi_fidelity": True, "low_fidelity": low_fidelity, "min_budget": 1,
                      "max_budget": 81}, "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path / f"{low_fidelity}-{seed}.h5", progress=False)


@pytest.fixture(scope="module")
def halving(tmp_path_factory):
    """One hyperband run of each curve, read (never written) by the tests below: (agreeing, misleading)."""
    tmp_path = tmp_path_factory.mktemp("halving")
    return (_run(tmp_path, "hyperband", "agreeing", name="agree"),
            _run(tmp_path, "hyperband", "misleading", name="mislead"))


def _show(path, capsys) -> str:
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    return capsys.readouterr().out


def test_agreeing_and_misleading_low_budgets_are_told_apart_by_halving(halving):
    agree, mislead = map(l2l.agreement, halving)
    assert agree["budget"].tolist() == [1.0, 3.0, 9.0] and set(agree["top_budget"]) == {27.0}
    assert set(agree["candidates"]) == {"selected"}
    measured = agree[agree["pairs"] >= 5]
    assert len(measured) and np.allclose(measured["rank_correlation"], 1.0)
    assert (measured["low90"] <= 1.0).all() and (measured["high90"] <= 1.0).all()
    measured = mislead[mislead["pairs"] >= 5]
    assert len(measured) and np.allclose(measured["rank_correlation"], -1.0)


def test_show_says_how_well_the_budgets_agree_and_warns_where_they_mislead(halving, capsys):
    agree, mislead = (_show(path, capsys) for path in halving)
    line = [text for text in agree.splitlines() if text.startswith("agreement  ")]
    assert len(line) == 1 and "with 27 epochs" in line[0] and "selected by the lower budgets" in line[0]
    assert "1.00 [" in line[0] and "stop good candidates" not in line[0]
    line = [text for text in mislead.splitlines() if text.startswith("agreement  ")]
    assert len(line) == 1 and "-1.00 [" in line[0] and "stopping by it may stop good candidates" in line[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_model_based_policys_probes_measure_hartmann_agreement_without_selection(tmp_path, seed):
    agree = l2l.agreement(_hartmann(tmp_path, "agree", seed))
    mislead = l2l.agreement(_hartmann(tmp_path, "mislead", seed))
    assert set(agree["candidates"]) == set(mislead["candidates"]) == {"probes"}
    assert (agree["pairs"] >= 5).all() and (mislead["pairs"] >= 5).all()
    # the synthetic suite's low budgets: biased and noisy but rank-preserving, or reversed
    assert agree["rank_correlation"].iloc[0] > 0.6
    assert mislead["rank_correlation"].iloc[0] < -0.3
    assert agree["rank_correlation"].iloc[0] - mislead["rank_correlation"].iloc[0] > 1.0


def test_runs_without_rungs_have_no_agreement_and_a_wrong_objective_is_named(tmp_path, halving, capsys):
    sweep = l2l.run(l2l.from_mapping({
        "run": {"seed": 0, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0, "shape": [2]}},
        "optimizer": {"name": "random", "population_size": 4}, "simulator": {"name": "sphere"},
        "backend": {"name": "serial"}}), tmp_path / "sweep.h5", progress=False)
    assert l2l.agreement(sweep).empty
    assert "agreement  " not in _show(sweep, capsys)
    run = halving[0]
    with pytest.raises(ValueError, match="no objective 'accuracy'.*loss"):
        l2l.agreement(run, objective="accuracy")
    assert np.isfinite(l2l.agreement(run, objective="loss")["rank_correlation"]).any()


def test_the_report_gives_the_agreement_in_its_summary(tmp_path, halving, monkeypatch):
    from l2l.analysis.report import report
    from l2l.plot import figures

    monkeypatch.setattr(figures, "KINDS", ())  # the report's summary is read, not its figures (most of its CPU)
    page = report(halving[1], tmp_path / "mislead.html").read_text()
    assert "agreement of the budgets" in page and "stopping by it may stop good candidates" in page

"""Parameters, objectives and metrics named like the columns l2l's tables add beside them (session 26, part 2).

``l2l reevaluate`` ranks the candidates by ``mean``, ``std``, ``ci95``, ``seeds``, ``failed`` (and ``rank``,
``selected``): a parameter of one of those names collided with the ranking's column in a merge (``mean_x``/``mean_y``),
so ``l2l reevaluate`` stored its rows and then crashed (KeyError 'mean'), and ``l2l show``, ``l2l compare`` and
``l2l report`` of that file crashed from then on. The parameter keeps its name; the ranking's column is ``(mean)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.cli import main

#: Names of the ranking's columns (and the count it computes on the way), each a constant-0 parameter.
RANKED = ("rank", "selected", "mean", "std", "ci95", "seeds", "failed", "rows")


def _space(names, low: float = -5.0) -> dict:
    space = {"x": {"type": "float", "low": low, "high": 5.0}}
    space.update({name: {"type": "int", "low": 0, "high": 0} for name in names})
    return space


def _ga(folder: Path, space: dict, generations: int = 2) -> Path:
    config = l2l.from_mapping({"run": {"name": "names", "seed": 3, "generations": generations}, "space": space,
                               "optimizer": {"name": "ga", "population_size": 4}, "simulator": {"name": "sphere"},
                               "backend": {"name": "serial"}})
    return Path(l2l.run(config, folder / "names.h5", progress=False))


@pytest.fixture(scope="module")
def ranked(tmp_path_factory) -> Path:
    return _ga(tmp_path_factory.mktemp("ranked"), _space(RANKED))


def _means(path: Path) -> dict[tuple[int, int], float]:
    rows = l2l.load(path, reevaluations=True)
    return {key: float(group["value"].mean()) for key, group in rows.groupby(["generation", "individual"])}


def test_reevaluate_keeps_parameters_named_like_the_rankings_columns(ranked, capsys):
    assert main(["reevaluate", str(ranked), "--top", "2", "--seeds", "2"]) == 0  # was: KeyError 'mean'
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "selection rank" in line).replace("selection rank", "").split()
    for name in ("rank", "selected", "std", "seeds", "failed"):
        assert header.count(name) == 1 and f"({name})" in header, (name, header)
    from l2l.reevaluate import ranking

    table = ranking(ranked)
    assert len(table) == 2 and len(set(table.columns)) == len(table.columns)
    for name in RANKED:
        assert (table[name] == 0).all(), name  # the user's parameter, not the ranking's number
    means = _means(ranked)
    for _, row in table.iterrows():
        assert row["(mean)"] == pytest.approx(means[(row["generation"], row["individual"])])
        assert row["(seeds)"] == 2 and row["(failed)"] == 0
    assert list(table["(rank)"]) == [1, 2]


def test_a_file_the_old_reevaluate_left_reads_again(tmp_path, capsys):
    """The old ``l2l reevaluate`` stored its rows, then crashed: such a file must show, compare and report."""
    from l2l.reevaluate import _reevaluate

    path = _ga(tmp_path, _space(("mean", "seeds")))
    assert _reevaluate(path, 2, 2, None, None, None, None) == 4  # the rows stored before the old crash
    capsys.readouterr()
    assert main(["show", str(path)]) == 0  # was: KeyError 'mean'
    out = capsys.readouterr().out
    assert "(mean) ± ci95" in out and "re-evaluated on fresh seeds: 2 candidates, up to 2 seeds each" in out
    from l2l.analysis.report import _reevaluated
    from l2l.plot.compare import table
    from l2l.reevaluate import ranking

    compared = table([path])  # l2l compare's table: was KeyError 'mean'
    assert compared["re-evaluated value"].iloc[0] == pytest.approx(min(_means(path).values()))  # not the 0
    assert compared["fresh seeds"].iloc[0] == 2
    assert "up to 2 fresh seeds each" in _reevaluated(ranking(path))  # l2l report's section


def test_validate_calls_a_run_with_a_parameter_named_budget_valid(tmp_path, capsys):
    """``l2l validate`` merged parameters into the columns by name: budget = 0 checked as the budget column."""
    path = _ga(tmp_path, _space(("budget", "from_budget", "trial")), generations=1)
    assert main(["validate", str(path)]) == 0, capsys.readouterr()  # was: '/evaluations/budget is not NaN or ...'
    assert "valid l2l trajectory" in capsys.readouterr().out


def _fidelity(policy: dict | None, names, run: dict | None = None) -> dict:
    return {"run": {"name": "mf", "seed": 1, **(run or {"compute": 300})}, "space": _space(names),
            "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"},
            **({"policy": policy} if policy else {"optimizer": {"name": "ga", "population_size": 3}})}


def test_a_pbt_run_refuses_a_parameter_named_member_and_lineage_keeps_one(tmp_path):
    """``l2l.lineage`` keys its rows by ``member``: a PBT run refuses the name; a file that has it (a policy without
    a lineage of its own, or one written before) is read with the lineage's column as ``(member)``."""
    from l2l.errors import ConfigError

    with pytest.raises(ConfigError, match="'member' names a column of multi-fidelity results"):
        l2l.run(l2l.from_mapping(_fidelity({"name": "pbt", "population": 4}, ("member",))), tmp_path / "pbt.h5",
                progress=False)
    assert not (tmp_path / "pbt.h5").exists()
    path = l2l.run(l2l.from_mapping(_fidelity({"name": "successive-halving"}, ("member",))), tmp_path / "sh.h5",
                   progress=False)
    history = l2l.lineage(path)  # was: ValueError: cannot insert member, already exists
    assert history.columns[0] == "(member)" and len(history)
    assert (history["member"] == 0).all() and (history["(member)"] == history["trial"]).all()


@pytest.mark.parametrize("name", ["trial", "budget", "parent", "state"])
def test_a_run_with_inherit_refuses_parameters_named_like_its_segment_columns(tmp_path, name):
    """run.inherit trains in segments as a [policy] run does; its trial/budget/parent/state columns overwrote the
    parameter's (l2l.load showed the trial id where the parameter was 0)."""
    from l2l.errors import ConfigError

    config = _fidelity(None, (name,), {"generations": 2, "inherit": True})
    with pytest.raises(ConfigError, match=f"'{name}' names a column of multi-fidelity results"):
        l2l.run(l2l.from_mapping(config), tmp_path / "inherit.h5", progress=False)


def _repeat_budget(params, seed):
    return {"repeat": float(params["x"] ** 2 + (seed % 7) / 100), "budget": 7.0}


def test_reevaluations_keep_objectives_named_repeat_and_budget(tmp_path):
    """The re-evaluation rows' own ``repeat``/``budget`` columns overwrote such objectives: the rows showed the
    repeat count as the objective, and a second ``reevaluate`` took objective values for repeats done."""
    from l2l.reevaluate import reevaluate

    config = l2l.from_mapping({"run": {"generations": 2, "seed": 2}, "space": {"x": {"low": -1.0, "high": 1.0}},
                               "objectives": [{"name": "repeat"}, {"name": "budget"}],
                               "optimizer": {"name": "random", "population_size": 4},
                               "simulator": {"name": "python"}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "rb.h5", simulator=_repeat_budget, progress=False)
    by_repeat = {"simulator": _repeat_budget, "objective": "repeat"}  # the 2 best by it, not the front
    assert reevaluate(path, 2, 2, **by_repeat).attrs["evaluated"] == 4
    assert reevaluate(path, 2, 2, **by_repeat).attrs["evaluated"] == 0  # was: 4 again, rows twice
    rows = l2l.load(path, reevaluations=True)
    assert len(rows) == 4 and sorted(rows["(repeat)"]) == [0, 0, 1, 1]
    assert (rows["budget"] == 7.0).all() and rows["(budget)"].isna().all()
    assert not set(rows["repeat"]) <= {0, 1}  # the objective's values, not the repeat count
    assert main(["validate", str(path)]) == 0


def test_a_policy_runs_metrics_named_budget_and_state_keep_their_values(tmp_path):
    """A metric named like a segment column of a [policy] run was overwritten by it in l2l.load (its name was not
    counted as taken): it is metric:budget, beside the real budget."""
    import h5py

    path = l2l.run(l2l.from_mapping(_fidelity({"name": "successive-halving"}, ())), tmp_path / "m.h5",
                   progress=False)
    with h5py.File(path, "a") as f:  # as a simulator reporting metrics "budget" and "state" writes them
        rows = f["evaluations/generation"].shape[0]
        for name, value in (("budget", 42.0), ("state", 43.0)):
            f.create_dataset(f"evaluations/metrics/{name}", data=np.full(rows, value), maxshape=(None,))
    for frame in (l2l.load(path), l2l.load(path, segments=True)):
        assert (frame["metric:budget"] == 42.0).all() and (frame["metric:state"] == 43.0).all()
        assert not (frame["budget"] == 42.0).any() and frame["budget"].max() > 1


def test_the_curves_title_of_a_sweep_does_not_count_a_parameter_named_state(monkeypatch):
    """A sweep without a policy (curves stored, no segments): its parameter named state was counted as the
    candidates' states in the title of the curves plot ("3 candidates: 3 0")."""
    import importlib
    import types

    import pandas as pd

    curves = importlib.import_module("l2l.plot.curves")  # the module (l2l.plot.curves is also a function)

    frame = pd.DataFrame({"trial": [0, 1, 2], "x": [0.1, 0.2, 0.3], "state": [0, 0, 0], "loss": [1.0, 2.0, 3.0]})
    run = types.SimpleNamespace(multi_fidelity=False, frame=frame, title="sweep", objective=lambda name: None)
    monkeypatch.setattr(curves, "load_run", lambda source, errors=False: run)
    monkeypatch.setattr(curves, "draw_curves", lambda ax, run, objective: None)
    title = curves.curves_figure("sweep.h5")._suptitle.get_text()
    assert title == "sweep\n3 candidates, each trained to the top budget at once"

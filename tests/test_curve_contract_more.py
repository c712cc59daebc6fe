"""Two learning curves the loop stored silently before (commit dd84836).

* A curve named after no objective of the run (``val_loss`` where the objective is ``loss``): stored, as the curves
  of every value ``lsnn`` and ``egru`` measure are, but no policy read it, so the model-based policy ran without
  curves and nothing said why. Now one warning line names the objective without a curve and the curves that came.
* A curve whose fidelities go back (``[[9, 0.3], [3, 0.5]]``): stored as given. Now the run ends at its first
  commit with one line naming the curve and its segment (exit status 2), the rows done so far kept.
"""

from __future__ import annotations

import textwrap

import l2l
from l2l.cli import main

MODEL = """
from l2l.simulators.base import SimulationResult


def train(params, seed, budget, checkpoint=None):
    done = int(checkpoint["epochs"]) if checkpoint else 0
    curve = [[epoch, params["x"] + 1.0 / epoch] for epoch in range(done + 1, int(budget) + 1)]
    return SimulationResult({{"loss": curve[-1][1]}}, checkpoint={{"epochs": float(budget)}},
                            curve={curve})
"""


def _config(folder, module: str, compute: int = 60) -> str:
    path = folder / f"{module}.toml"
    path.write_text(textwrap.dedent(f"""
        [run]
        name = "{module}"
        seed = 0
        compute = {compute}

        [space.x]
        type = "float"
        low = 0.0
        high = 1.0

        [policy]
        name = "model-based"
        eta = 3

        [simulator]
        name = "python"
        function = "{module}:train"
        path = "{folder}"
        multi_fidelity = {{ name = "epochs", unit = "epochs", minimum = 1, maximum = 9 }}

        [[objectives]]
        name = "loss"
        direction = "minimize"

        [backend]
        name = "serial"
        """))
    return str(path)


def _model(folder, module: str, curve: str) -> None:
    (folder / f"{module}.py").write_text(MODEL.format(curve=curve))


def test_a_curve_named_after_no_objective_is_stored_and_said_once(tmp_path, capsys):
    _model(tmp_path, "other_name", '{"val_loss": curve}')
    out = tmp_path / "other.h5"
    assert main(["run", _config(tmp_path, "other_name"), "--out", str(out), "--no-progress"]) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "no curve of objective" in line]
    assert len(warned) == 1, err
    assert warned[0].startswith("l2l: warning: no curve of objective 'loss' came, only of 'val_loss'"), warned[0]
    traces = l2l.traces(out)
    assert set(traces["trace"]) == {"curve:val_loss"}  # still stored: curves of other names are allowed

    # a curve of the objective beside one of another name (as lsnn and egru return): nothing to say
    _model(tmp_path, "both_names", '{"loss": curve, "val_loss": curve}')
    assert main(["run", _config(tmp_path, "both_names"), "--out", str(tmp_path / "both.h5"),
                 "--no-progress"]) == 0
    assert "no curve of objective" not in capsys.readouterr().err


def test_a_curve_whose_fidelities_go_back_ends_the_run_naming_it(tmp_path, capsys):
    _model(tmp_path, "backwards", '{"loss": curve[::-1]}')  # [[9, ...], [8, ...], ..., [1, ...]]
    out = tmp_path / "back.h5"
    assert main(["run", _config(tmp_path, "backwards"), "--out", str(out), "--no-progress"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: error:")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("l2l: error: curve 'loss' of trial "), lines[0]
    assert "has fidelities that do not increase: " in lines[0] and str(out) in lines[0], lines[0]
    rows = l2l.load(out, segments=True)  # the segments done before the refusal are kept
    assert len(rows) >= 1 and (rows["status"] == "ok").all()
    # the first of them whose curve has two points is the one named, with its first two fidelities
    first = rows[rows["budget"] - rows["from_budget"] > 1].iloc[0]
    start, budget = float(first["from_budget"]), float(first["budget"])
    segment = f"from {start:g} to {budget:g}" if start else f"to {budget:g}"
    assert (f"curve 'loss' of trial {int(first['trial'])} (its segment {segment}) has "
            f"fidelities that do not increase: {budget:g} then {budget - 1:g}") in lines[0], lines[0]

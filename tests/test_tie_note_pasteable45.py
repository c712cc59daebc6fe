"""The line under the best list where candidates share the best value (an accuracy that saturates, common when a
Ray Tune user maximizes one) names a way to tell them apart that works when pasted. Before, it always said
``l2l reevaluate FILE --top N``, which refuses a PBT run ('does not apply to population-based training') and, from
the command line, a run whose simulator was a Python function ('l2l reevaluate cannot pass a function')."""

from __future__ import annotations

import l2l
from l2l.cli import main


def _train(params, seed, budget, checkpoint=None):
    start = 0 if checkpoint is None else int(checkpoint["epoch"])
    curve = [[epoch, min(1.0, epoch / 2)] for epoch in range(start + 1, int(budget) + 1)]  # saturates: all tie
    return l2l.SimulationResult(objectives={"acc": curve[-1][1]}, curve={"acc": curve},
                                checkpoint={"epoch": int(budget)})


def _config(policy: dict | None) -> dict:
    return {"run": {"name": "ties", "seed": 0, **({} if policy else {"evaluations": 3})},
            "space": {"lr": {"type": "float", "low": 1e-3, "high": 1.0, "log": True}},
            **({"policy": policy} if policy else {}),
            "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 4}},
            "objectives": [{"name": "acc", "direction": "maximize"}],
            "backend": {"name": "serial"}}


def _tie_line(path, capsys) -> str:
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "share the best acc" in line]
    assert len(lines) == 1
    return lines[0]


def test_a_pbt_run_is_told_to_replay_the_schedules(tmp_path, capsys):
    path = l2l.run(_config({"name": "pbt", "population": 3, "interval": 2}), tmp_path / "pbt.h5", simulator=_train,
                   progress=False)
    line = _tie_line(path, capsys)
    assert "--top" not in line and f"l2l.lineage({str(path)!r})" in line, line


def test_a_function_run_is_given_the_python_call(tmp_path, capsys):
    path = l2l.run(_config(None), tmp_path / "sweep.h5", simulator=_train, progress=False)
    line = _tie_line(path, capsys)
    assert "--top" not in line, line
    assert line.endswith(f"import l2l.reevaluate; l2l.reevaluate.reevaluate({str(path)!r}, top=3, simulator=_train)") \
        or line.endswith(f'import l2l.reevaluate; l2l.reevaluate.reevaluate("{path}", top=3, simulator=_train)'), line

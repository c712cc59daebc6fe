"""A full-fidelity sweep (no ``[policy]``) whose function declares a fidelity trains every candidate to the top
budget: ``l2l show``'s progress line and the closing line of ``l2l run`` say its compute, counted as ``l2l compare``
counts it (failed evaluations and retried attempts too), so that a user who then runs the same function under
``policy = "asha"`` can compare the two where they read them (they said only '11 evaluations (2 failed)')."""

from __future__ import annotations

import textwrap

import l2l
from l2l.cli import main
from l2l.plot.compare import table
from l2l.summary.text import finished_text

TRAIN = '''
from pathlib import Path


def train(params, seed, budget, checkpoint=None):
    """Fails on its first attempt where 0.55 < x < 0.85 (a marker file remembers it), always where x > 0.85."""
    x = params["x"]
    marker = Path(__file__).with_name(f"tried-{x!r}")
    if x > 0.85 or (x > 0.55 and not marker.exists()):
        marker.touch()
        raise RuntimeError("diverged")
    return {"loss": (x - 0.3) ** 2 + 1.0 / budget}
'''


def _sweep(folder, retries: int):
    (folder / "train_small32b.py").write_text(textwrap.dedent(TRAIN))
    return l2l.from_mapping({
        "run": {"name": "sweep", "seed": 1, "generations": 1, "retries": retries},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "grid", "points": 11},
        "simulator": {"name": "python", "function": "train_small32b:train",
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 27}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}},
        base_dir=folder)


def test_a_full_fidelity_sweep_says_its_compute_as_compare_counts_it(tmp_path, capsys):
    # 11 grid points: x = 0.6, 0.7, 0.8 fail once and are retried, 0.9 and 1.0 fail both attempts: 16 attempts
    path = l2l.run(_sweep(tmp_path, retries=1), tmp_path / "sweep.h5")
    compared = float(table([str(path)])["compute (epochs)"].iloc[0])
    assert compared == 16 * 27, compared
    said = "432 epochs of compute"  # before: '11 evaluations (2 failed)' alone, in both lines
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    progress = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    assert f"11 evaluations (2 failed), {said}, status: finished" in progress, progress
    closing = finished_text(path, 1.0).splitlines()[0]
    assert closing.startswith(f"done in 1.0 s: 1 generation, 11 evaluations (2 failed), {said}, "), closing

    # a sweep whose function declares no fidelity has no compute to say
    (tmp_path / "plain.py").write_text("def simulate(params, seed):\n    return {'loss': params['x']}\n")
    plain = l2l.from_mapping({
        "run": {"name": "plain", "seed": 1, "generations": 1}, "space": {"x": {"type": "float", "low": 0.0,
                                                                               "high": 1.0}},
        "optimizer": {"name": "grid", "points": 3}, "simulator": {"name": "python", "function": "plain:simulate"},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}, base_dir=tmp_path)
    path = l2l.run(plain, tmp_path / "plain.h5")
    assert "of compute" not in finished_text(path, 1.0)
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    assert "compute" not in capsys.readouterr().out


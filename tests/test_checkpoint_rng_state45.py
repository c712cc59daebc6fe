"""``l2l checkpoint FILE -o best.npz`` of a learner that keeps its numpy generator's ``bit_generator.state`` in its
checkpoint, as docs/multifidelity.md and docs/coming_from_ray_tune.md advise: every entry of the .npz reads back
with ``numpy.load(OUT, allow_pickle=False)``, as docs/pbt.md says. Before, PCG64's 128-bit integers were written as
object arrays, which numpy.load refuses without pickle ('Object arrays cannot be loaded when allow_pickle=False')."""

from __future__ import annotations

import numpy as np

import l2l
from l2l.cli import main


def _train(params, seed, budget, checkpoint=None):
    rng = np.random.default_rng(seed)
    start, w = 0, 0.0
    if checkpoint is not None:
        rng.bit_generator.state = checkpoint["rng"]
        start, w = int(checkpoint["epoch"]), float(checkpoint["w"])
    curve = []
    for epoch in range(start + 1, int(budget) + 1):
        w += params["lr"] * (1.0 - w) + 0.01 * rng.normal()
        curve.append([epoch, (1.0 - w) ** 2])
    return l2l.SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                                checkpoint={"w": w, "epoch": int(budget), "rng": rng.bit_generator.state})


def test_a_generator_state_in_the_checkpoint_reads_back_without_pickle(tmp_path, capsys):
    config = {"run": {"name": "rng", "seed": 0},
              "space": {"lr": {"type": "float", "low": 0.01, "high": 0.5, "log": True}},
              "policy": {"name": "pbt", "population": 2, "interval": 2},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 4}},
              "objectives": [{"name": "loss", "direction": "minimize"}],
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "rng.h5", simulator=_train, progress=False)
    out = tmp_path / "best.npz"
    assert main(["checkpoint", str(path), "-o", str(out)]) == 0
    stored = l2l.checkpoint(path)
    with np.load(out, allow_pickle=False) as npz:
        read = {name: npz[name] for name in npz.files}  # each entry: raised ValueError for rng/state/state
    assert int(str(read["rng/state/state"])) == stored["rng"]["state"]["state"] > 2 ** 64
    assert int(str(read["rng/state/inc"])) == stored["rng"]["state"]["inc"]
    assert float(read["w"]) == stored["w"]
    assert "integers beyond 64 bits" in capsys.readouterr().out

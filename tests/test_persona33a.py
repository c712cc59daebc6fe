"""Persona trial 33a: a researcher's own stateful numpy learner under PBT.

A learner's schedule read back with ``l2l.lineage`` must be enough to train that learner again, to its stored
checkpoint: each piece is trained with the seed of the trial that trained it, which the lineage did not give
(``l2l.load(segments=True)`` had to be joined by hand).
"""

from __future__ import annotations

import numpy as np

import l2l


def _learner(params, seed, budget, checkpoint=None):
    """SGD with momentum on a noisy quadratic; the noise of each step comes from (seed, step)."""
    if checkpoint is None:
        w, v, done = np.random.default_rng(seed).normal(size=4), np.zeros(4), 0
    else:
        w, v, done = np.array(checkpoint["w"]), np.array(checkpoint["v"]), int(checkpoint["step"])
    for step in range(done + 1, int(budget) + 1):
        noise = np.random.default_rng([seed, step]).normal(size=4)
        v = params["momentum"] * v - params["lr"] * (w * np.arange(1, 5) + 0.5 * noise)
        w = w + v
    return l2l.SimulationResult(objectives={"loss": float(np.sum(w ** 2))},
                                checkpoint={"w": w, "v": v, "step": int(budget)})


CONFIG = {
    "run": {"seed": 3},
    "space": {"lr": {"type": "float", "low": 0.005, "high": 0.3, "log": True},
              "momentum": {"type": "float", "low": 0.0, "high": 0.9}},
    "policy": {"name": "pbt", "population": 4, "interval": 3},
    "simulator": {"name": "python", "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 15}},
    "objectives": [{"name": "loss", "direction": "minimize"}],
    "backend": {"name": "serial"},
}


def test_lineage_replays_the_best_learner_to_its_checkpoint(tmp_path):
    path = l2l.run(CONFIG, tmp_path / "run.h5", simulator=_learner)
    best = l2l.best(path)
    history = l2l.lineage(path, [best.trial])
    assert history["trial"].nunique() > 1  # the learner was trained by an ancestor too: seeds differ by piece
    segments = l2l.load(path, segments=True)
    assert (history["seed"].to_numpy() == segments.set_index(["trial", "budget"]).loc[
        list(zip(history["trial"], history["budget"])), "seed"].to_numpy()).all()
    checkpoint = None
    for piece in history.to_dict("records"):
        result = _learner({"lr": piece["lr"], "momentum": piece["momentum"]}, int(piece["seed"]),
                          int(piece["budget"]), checkpoint)
        checkpoint = result.checkpoint
    stored = l2l.checkpoint(path)
    assert np.array_equal(checkpoint["w"], stored["w"]) and np.array_equal(checkpoint["v"], stored["v"])
    assert result.objectives["loss"] == best.value
    curves = l2l.lineage(path, [best.trial], curves=True)
    assert "seed" in curves.columns


def test_a_run_whose_file_was_removed_while_it_wrote_writes_it_back(tmp_path, capsys):
    # a script's `if os.path.exists(out): os.remove(out)` at module level, run again by each local worker as it
    # starts: the rows went on into the removed file, and l2l.run returned the path of no file, without a word
    out = tmp_path / "run.h5"
    calls = []

    def removing(params, seed, budget, checkpoint=None):
        if not calls and out.exists():
            out.unlink()
        calls.append(budget)
        return _learner(params, seed, budget, checkpoint)

    path = l2l.run(CONFIG, out, simulator=removing)
    assert path.exists() and len(l2l.load(path, segments=True)) == len(calls) == 20
    assert l2l.validate(path) == []  # no problem found
    line, = [line for line in capsys.readouterr().err.splitlines() if "was removed" in line]
    assert line.startswith(f"l2l: warning: {out} was removed while this run wrote it") and \
        line.endswith(f"written back to {out}")


def test_a_file_put_in_the_run_files_place_is_left_and_the_run_written_beside_it(tmp_path, capsys):
    out = tmp_path / "run.h5"
    calls = []

    def replacing(params, seed, budget, checkpoint=None):
        if not calls and out.exists():
            out.unlink()
            out.write_text("someone else's")
        calls.append(budget)
        return _learner(params, seed, budget, checkpoint)

    l2l.run(CONFIG, out, simulator=replacing)
    assert out.read_text() == "someone else's"
    assert len(l2l.load(tmp_path / "run.recovered.h5", segments=True)) == len(calls)
    assert f"written back to {tmp_path / 'run.recovered.h5'}" in capsys.readouterr().err

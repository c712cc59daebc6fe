"""The trained model from the command line (``l2l checkpoint FILE``) and a PBT learner's curve drawn whole.

``l2l checkpoint`` lists what :func:`l2l.checkpoint` returns, writes a command program's files into a folder (never
over a file unasked, never outside it) and a python function's dict as an .npz without pickle; each refusal is one
line, exit status 2. ``l2l plot --kind curves`` of a PBT run draws each final learner's lineage as one line (what
``l2l.lineage(path, curves=True)`` joins), with a star at each exploit; before, a learner continued by an exploit
was a new trial whose line began at the exploit's budget, its earlier training drawn as other trials' pieces.
"""

from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.cli import main

TARGET = np.array([1.0, -2.0, 0.5])


def train(params, seed, budget, checkpoint=None):
    """Gradient descent on a noisy quadratic; the checkpoint holds arrays in a nested dict and list, a 0-d array, a
    string, a list of numbers and a None."""
    if checkpoint is None:
        w, step = np.random.default_rng(seed).normal(size=3), 0
    else:
        w, step = np.asarray(checkpoint["net"]["layers"][0], dtype=float), int(checkpoint["step"])
    rng = np.random.default_rng([seed, int(budget)])
    curve = []
    for step in range(step + 1, int(budget) + 1):
        w = w - params["lr"] * (2 * (w - TARGET) + rng.normal(scale=0.5, size=3))
        curve.append([step, float(np.sum((w - TARGET) ** 2))])
    return l2l.SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                                checkpoint={"net": {"layers": [w.astype(np.float32), w.copy()]},
                                            "step": np.array(int(budget)), "note": "sgd", "lrs": [params["lr"]],
                                            "spare": None})


def untrained(params, seed, budget, checkpoint=None):
    """A training function that returns no checkpoint (each segment trains from scratch)."""
    return float(params["lr"] * budget)


def config(seed=0, synchronous=True, **simulator):
    return {"run": {"name": "own", "seed": seed},
            "space": {"lr": {"type": "float", "low": 0.01, "high": 0.4, "log": True}},
            "policy": {"name": "pbt", "population": 4, "interval": 2, "synchronous": synchronous},
            "simulator": simulator or {"name": "python", "function": "x:y",
                                       "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 10}},
            "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


PROGRAM = """
import json, os, sys
budget, folder, lr = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
os.makedirs(os.path.join(folder, "sub"), exist_ok=True)
state = os.path.join(folder, "sub", "w.txt")
w = float(open(state).read()) if os.path.exists(state) else 5.0
w *= (1 - lr) ** budget
open(state, "w").write(repr(w))
open(os.path.join(folder, "top.txt"), "w").write(str(budget))
print(json.dumps({"loss": w * w}))
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckptcli29")
    python = l2l.run(config(0), folder / "r.h5", simulator=train, progress=False)
    (folder / "prog.py").write_text(PROGRAM)
    run = config(0, name="command", argv=[sys.executable, str(folder / "prog.py"), "{budget}", "{checkpoint_dir}",
                                          "{lr}"], multi_fidelity={"name": "steps", "minimum": 1, "maximum": 4})
    run["policy"] = {"name": "pbt", "population": 2, "interval": 2}
    command = l2l.run(run, folder / "c.h5", progress=False)
    return Path(python), Path(command)


def cli(capsys, *words):
    code = main([str(w) for w in words])
    out, err = capsys.readouterr()
    return code, out, err


def test_it_lists_the_best_learners_arrays(runs, capsys):
    python, _ = runs
    code, out, err = cli(capsys, "checkpoint", python)
    assert code == 0, err
    lines = out.splitlines()
    assert f"trial {l2l.best(python).trial} (the best learner" in lines[0]
    listed = {line.split()[0]: line.split(None, 2)[1:] for line in lines[1:]}
    assert listed["net/layers/0"] == ["float32", "(3,)"] and listed["net/layers/1"] == ["float64", "(3,)"]
    assert listed["step"] == ["int64", "()"] and listed["lrs"] == ["float64", "(1,)"]
    assert listed["note"][0].startswith("<U") and listed["spare"][0] == "None"  # said, as an .npz cannot hold it


def test_a_python_checkpoint_is_written_as_an_npz_without_pickle(runs, capsys, tmp_path):
    python, _ = runs
    stopped = l2l.load(python)
    trial = int(stopped.loc[stopped["state"] == "stopped", "trial"].iloc[0])
    out = tmp_path / "m.npz"
    code, printed, err = cli(capsys, "checkpoint", python, "--trial", trial, "--out", out)
    assert code == 0, err
    stored = l2l.checkpoint(python, trial)
    with np.load(out, allow_pickle=False) as saved:
        assert sorted(saved.files) == ["lrs", "net/layers/0", "net/layers/1", "note", "step"]
        assert saved["net/layers/0"].dtype == np.float32
        np.testing.assert_array_equal(saved["net/layers/0"], stored["net"]["layers"][0])
        np.testing.assert_array_equal(saved["net/layers/1"], stored["net"]["layers"][1])
        assert int(saved["step"]) == int(stored["step"]) and str(saved["note"]) == "sgd"
    assert f"trial {trial}," in printed.splitlines()[0] and printed.splitlines()[-1] == str(out)
    before = out.read_bytes()
    code, _, err = cli(capsys, "checkpoint", python, "--out", out)  # the best's: refused over the file
    assert code == 2 and "already exists" in err and "--force" in err and err.count("\n") == 1
    assert out.read_bytes() == before
    assert cli(capsys, "checkpoint", python, "--out", out, "--force")[0] == 0
    with np.load(out, allow_pickle=False) as saved:
        np.testing.assert_array_equal(saved["net/layers/1"], l2l.checkpoint(python)["net"]["layers"][1])


def test_a_command_checkpoint_is_written_into_a_folder_only(runs, capsys, tmp_path):
    _, command = runs
    code, out, err = cli(capsys, "checkpoint", command)  # listed: its files
    assert code == 0 and "sub/w.txt" in out and "top.txt" in out, err
    folder = tmp_path / "best"
    code, out, err = cli(capsys, "checkpoint", command, "--out", folder)
    assert code == 0, err
    w = float((folder / "sub" / "w.txt").read_text())
    assert w * w == pytest.approx(l2l.best(command).value, rel=1e-12) and (folder / "top.txt").read_text() == "4"
    (folder / "top.txt").write_text("mine")
    code, _, err = cli(capsys, "checkpoint", command, "--out", folder)
    assert code == 2 and "already exist" in err and err.count("\n") == 1
    assert (folder / "top.txt").read_text() == "mine"  # nothing written over unasked
    assert cli(capsys, "checkpoint", command, "--out", folder, "--force")[0] == 0
    assert (folder / "top.txt").read_text() == "4"
    # a folder in DIR that leads elsewhere: refused, nothing written there
    outside, trap = tmp_path / "outside", tmp_path / "trap"
    outside.mkdir()
    trap.mkdir()
    (trap / "sub").symlink_to(outside)
    code, _, err = cli(capsys, "checkpoint", command, "--out", trap, "--force")
    assert code == 2 and "outside" in err and err.count("\n") == 1
    assert not list(outside.iterdir()) and not (trap / "top.txt").exists()
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, _, err = cli(capsys, "checkpoint", command, "--out", afile)
    assert code == 2 and "is a file, not a folder" in err and afile.read_text() == "x"


def test_refusals_are_one_line_with_status_2(runs, capsys, tmp_path):
    python, command = runs
    old = tmp_path / "old.h5"  # written by the l2l of 29 November: schema 1
    with gzip.open(Path(__file__).parent / "data" / "old_files" / "c7d327a_traces.h5.gz") as source, \
            open(old, "wb") as target:
        shutil.copyfileobj(source, target)
    sweep = l2l.run({"run": {"name": "s", "seed": 0, "generations": 1}, "simulator": {"name": "sphere"},
                     "space": {"x": {"type": "float", "low": 0, "high": 1}}, "backend": {"name": "serial"},
                     "optimizer": {"name": "random", "population_size": 2}}, tmp_path / "s.h5", progress=False)
    none = {**config(0), "policy": {"name": "asha", "eta": 3, "min_budget": 1, "max_budget": 9},
            "run": {"name": "n", "seed": 0, "compute": 40}}
    none_path = l2l.run(none, tmp_path / "n.h5", simulator=untrained, progress=False)
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = [(["checkpoint", python, "--trial", 999], "no trial 999: its trials are numbered 0 to"),
             (["checkpoint", sweep], "no checkpoints: the run did not train candidates in segments"),
             (["checkpoint", old], "no checkpoints: a file of schema 1"),
             (["checkpoint", none_path], "has no checkpoint: its training function returned none"),
             (["checkpoint", command, "--out", afile], "is a file, not a folder"),
             (["checkpoint", python, "--out", tmp_path], "is a folder"),
             (["checkpoint", python, "--out", tmp_path / "m.txt"], "must name an .npz file"),
             (["checkpoint", python, "--force"], "without --out nothing is written"),
             (["checkpoint", tmp_path / "gone.h5"], "no such file")]
    for words, expected in cases:
        code, out, err = cli(capsys, *words)
        assert code == 2 and expected in err and err.count("\n") == 1 and not out, (words, err)
    assert afile.read_text() == "x" and sorted(p.name for p in tmp_path.iterdir()) == \
        ["afile", "n.h5", "old.h5", "s.h5"]


@pytest.mark.parametrize("synchronous", [True, False])
def test_the_curves_plot_draws_each_final_learner_whole(tmp_path, synchronous):
    from matplotlib.collections import LineCollection

    from l2l.plot.curves import COMPLETED, EXPLOIT, curves_figure

    path = l2l.run(config(3, synchronous), tmp_path / "r.h5", simulator=train, progress=False)
    joined = l2l.lineage(path, curves=True)
    ax = curves_figure(path).axes[0]
    strong = [c for c in ax.collections if isinstance(c, LineCollection)
              and np.allclose(c.get_colors()[0][:3], _rgb(COMPLETED))]
    assert len(strong) == 1
    drawn = sorted(tuple(map(tuple, line)) for line in strong[0].get_segments())
    expected = sorted(tuple(map(tuple, rows[["step", "value"]].to_numpy(float)))
                      for _, rows in joined.groupby("member"))
    assert len(drawn) == joined["member"].nunique() == 4
    assert drawn == expected  # each from the first step to the top, through its ancestors (was: from its exploit)
    assert all(line[0][0] == 1.0 and line[-1][0] == 10.0 for line in drawn)
    stars = [c for c in ax.collections if not isinstance(c, LineCollection)
             and len(c.get_facecolors()) and np.allclose(c.get_facecolors()[0][:3], _rgb(EXPLOIT))]
    assert len(stars) == 1
    marks = {tuple(p) for p in stars[0].get_offsets()}
    want = set()
    for _, rows in joined.groupby("member"):
        rows = rows.sort_values("step")
        change = rows["trial"].to_numpy()[1:] != rows["trial"].to_numpy()[:-1]
        want |= {tuple(p) for p in rows[["step", "value"]].to_numpy(float)[:-1][change]}
    assert want and marks == want  # a star where a learner's line passes from its donor's training to its own


def _rgb(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)

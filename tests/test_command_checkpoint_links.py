"""A command program's checkpoint folder with symbolic links, as training scripts leave it: one file per epoch and
``last`` pointing at the newest (PyTorch Lightning's ``last.ckpt``, a ``latest`` link). Before, every evaluation
failed ('holds a symbolic link'); now a link that stays in the folder is kept as a link and the next segment finds
it, on any worker, and a link out of the folder or to nothing fails the evaluation naming the link."""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest

import l2l
from l2l.results_schema import codec
from l2l.simulators import SIMULATORS

FIDELITY = {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 27, "integer": True}

# Writes state-<epoch>.json each segment and points 'last' (and 'ckpt/latest', a link in a subfolder that
# leads up into the folder) at it; continues from whatever 'last' names.
TRAIN = textwrap.dedent('''
    import json, os, sys
    budget, folder, rate = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    last = os.path.join(folder, "last")
    epoch, weight = 0, 0.0
    if os.path.lexists(last):
        assert os.path.islink(last), "last is not a link"
        state = json.load(open(last))
        epoch, weight = state["epoch"], state["weight"]
        assert json.load(open(os.path.join(folder, "ckpt", "latest")))["epoch"] == epoch
    curve = []
    for epoch in range(epoch + 1, budget + 1):
        weight += rate * (1.0 - weight)
        curve.append([epoch, 1.0 - weight])
    name = f"state-{budget}.json"
    json.dump({"epoch": budget, "weight": weight}, open(os.path.join(folder, name), "w"))
    for link, target in ((last, name), (os.path.join(folder, "ckpt", "latest"), os.path.join("..", name))):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(target, link)
    print(json.dumps({"objectives": {"loss": 1.0 - weight}, "curve": {"loss": curve}}))
''')


def simulator(tmp_path, program: str = TRAIN, rate: str = "0.2"):
    (tmp_path / "train.py").write_text(program)
    return SIMULATORS.create("command", {
        "argv": [sys.executable, str(tmp_path / "train.py"), "{budget}", "{checkpoint_dir}", rate],
        "workdir": str(tmp_path / "work"), "multi_fidelity": FIDELITY})


def test_a_checkpoint_whose_last_file_is_a_link_continues_where_it_stopped(tmp_path):
    command = simulator(tmp_path)
    first = command.run_to({}, 0, 3, None)
    assert sorted(first.checkpoint["files"]) == ["state-3.json"]
    assert {k: bytes(v).decode() for k, v in first.checkpoint["links"].items()} == {
        "last": "state-3.json", "ckpt/latest": "../state-3.json"}
    stored = codec.decode(codec.encode(first.checkpoint))  # as the run keeps it: in the trajectory
    continued = command.run_to({}, 0, 9, stored)
    assert [point[0] for point in continued.curve["loss"]] == list(range(4, 10))  # continued, not from epoch 1
    assert continued.objectives == command.run_to({}, 0, 9, None).objectives
    assert sorted(continued.checkpoint["files"]) == ["state-3.json", "state-9.json"]
    assert bytes(continued.checkpoint["links"]["last"]).decode() == "state-9.json"


@pytest.mark.parametrize("make_link, words", [
    ("os.symlink(os.path.abspath(__file__), os.path.join(folder, 'last'))", "symbolic link 'last' to "),
    ("os.symlink(os.path.join('..', '..'), os.path.join(folder, 'up'))", "symbolic link 'up' to '../..', outside"),
    ("os.symlink('gone.json', os.path.join(folder, 'last'))", "'last' to 'gone.json', which does not exist"),
])
def test_a_link_out_of_the_folder_or_to_nothing_fails_the_evaluation_naming_it(tmp_path, make_link, words):
    program = textwrap.dedent(f'''
        import json, os, sys
        folder = sys.argv[2]
        open(os.path.join(folder, "state.json"), "w").write("{{}}")
        {make_link}
        print(json.dumps({{"objectives": {{"loss": 1.0}}}}))
    ''')
    with pytest.raises(Exception, match="checkpoint directory holds a") as failed:
        simulator(tmp_path, program).run_to({}, 0, 3, None)
    assert words in str(failed.value)


def test_a_stored_link_leading_out_of_the_folder_is_refused_on_restore(tmp_path):
    command = simulator(tmp_path)
    bad = {"simulator": "command", "budget": 3, "files": {"state-3.json": np.frombuffer(b"{}", np.uint8)},
           "links": {"last": np.frombuffer(b"../../../etc/passwd", np.uint8)}}
    with pytest.raises(Exception, match="link 'last' leads outside its folder"):
        command.run_to({}, 0, 9, bad)


def test_an_asha_run_of_a_program_with_links_trains_every_candidate_from_its_checkpoint(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN)
    config = l2l.from_mapping({
        # 30 epochs: some 20 evaluations (a Python start each), 6 of them continued; 200 made 82 for the same claims
        "run": {"name": "links", "seed": 3, "compute": 30},
        "space": {"rate": {"type": "float", "low": 0.05, "high": 0.5}},
        "simulator": {"name": "command", "argv": [sys.executable, str(tmp_path / "train.py"), "{budget}",
                                                  "{checkpoint_dir}", "{rate}"],
                      "multi_fidelity": FIDELITY},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "optimizer": {"name": "random", "population_size": 1},
        "policy": {"name": "asha", "eta": 3, "min_budget": 1, "max_budget": 27},
        "backend": {"name": "serial"}}, base_dir=tmp_path)
    l2l.run(config, tmp_path / "run.h5")
    with l2l.Trajectory(tmp_path / "run.h5") as trajectory:
        n = trajectory.n_evaluations
        evaluations = trajectory.file["evaluations"]
        status, start = evaluations["status"][:n], evaluations["from_budget"][:n]
    assert n > 10 and (status == 0).all(), status  # before: every evaluation failed on the link
    assert (start > 0).sum() >= 3  # promoted candidates continued from their checkpoints

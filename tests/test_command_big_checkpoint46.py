"""A ``command`` program whose checkpoint folder is larger than ``checkpoint_limit_mb`` (a model of several GB).

Before, the evaluation failed with "checkpoint directory holds more than checkpoint_limit_mb = 64 MiB" and its
folder was kept as every failed one's, checkpoint and all: a program writing 3 GiB left 3 GiB in each of the 20
folders of the failures that ended its run (60 GiB, where the disk had a few). Now the files are deleted from the
kept folder, and the line says how much the folder held and its largest file.
"""

from __future__ import annotations

import os
import pytest

import l2l
from l2l.errors import EvaluationError
from l2l.simulators.command_checkpoint import read_checkpoint_dir


def _sparse(path, size):
    with open(path, "wb") as file:  # no disk used: the size is what the limit counts
        file.truncate(size)


def test_the_files_past_the_limit_are_deleted_and_named(tmp_path):
    _sparse(tmp_path / "model.ckpt", 3 * 2 ** 30)
    (tmp_path / "step").write_text("9")
    with pytest.raises(EvaluationError) as caught:
        read_checkpoint_dir(tmp_path, 64 * 2 ** 20)
    said = str(caught.value)
    assert said.startswith("checkpoint directory holds 3 GiB in 2 files (the largest 'model.ckpt', 3 GiB), more "
                           "than checkpoint_limit_mb = 64 MiB;"), said
    assert not os.listdir(tmp_path), os.listdir(tmp_path)  # before: 3 GiB left in the failed evaluation's folder


def test_a_run_keeps_no_oversized_checkpoint_in_its_failed_folders(tmp_path):
    config = l2l.from_mapping({
        "run": {"seed": 0, "evaluations": 1, "retries": 0},
        "space": {"lr": {"type": "float", "low": 0.001, "high": 0.1}},
        "simulator": {"name": "command", "argv": ["sh", "-c", "truncate -s 1G {checkpoint_dir}/model.ckpt; echo 0.5"],
                      "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
        "policy": {"name": "asha"}, "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}})
    l2l.run(config, tmp_path / "mine.h5")
    frame = l2l.load(tmp_path / "mine.h5", segments=True)
    assert (frame["status"] == "failed").all() and frame["error"].str.contains("holds 1 GiB in 1 file").all()
    kept = [name for _, _, files in os.walk(tmp_path / "mine.work") for name in files]
    assert kept and "model.ckpt" not in kept, kept  # the folders are kept (params.json), their checkpoint not

"""Large checkpoints in a content-addressed folder beside the trajectory (run.checkpoints)."""

from __future__ import annotations

import os
import shutil

import numpy as np

import pytest

import l2l
from conftest import TESTS
from inprocess_cli import l2l_main
from l2l.results_schema.checkpoint_store import folder_of


def _config(checkpoints=None, compute=27 * 4, function="train"):
    run = {"seed": 3, "compute": compute}
    if checkpoints is not None:
        run["checkpoints"] = checkpoints
    return l2l.from_mapping({
        "run": run, "space": {"x": {"low": 0.0, "high": 1.0}}, "optimizer": {"name": "random"},
        "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": f"models_large_checkpoint:{function}",
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 27}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}, base_dir=TESTS)


def _segments(path):
    return l2l.load(path, segments=True)[["trial", "budget", "from_budget", "status", "loss"]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("store")
    return {choice: l2l.run(_config(choice), folder / f"{choice or 'default'}.h5", progress=False)
            for choice in (None, "file")}


def test_large_checkpoints_go_beside_the_file_and_the_run_is_the_same(runs):
    default, inline = runs[None], runs["file"]
    stored = [f for f in folder_of(default).rglob("*.l2lc")]
    segments = _segments(default)
    assert len(stored) == int((segments["status"] == "ok").sum()) > 20  # one file per distinct checkpoint
    assert not folder_of(inline).exists()
    # the trajectory stays small: the weights (1.28 MB a segment) are in the folder, not in the file
    assert os.path.getsize(inline) > 20 * 1_280_000 and os.path.getsize(default) < os.path.getsize(inline) / 10
    # segments continued from the stored checkpoints give exactly what the one-file run gave
    assert (segments["from_budget"] > 0).any()
    assert segments.equals(_segments(inline))
    assert l2l.validate(default) == [] and l2l.validate(inline) == []


def test_a_checkpoint_reads_back_from_the_folder(runs):
    with l2l.Trajectory(runs[None]) as trajectory:
        checkpoint = trajectory.checkpoint(0)
    assert checkpoint["weights"].shape == (160_000,) and checkpoint["epochs"] == 1.0


def test_identical_checkpoints_are_stored_once(tmp_path):
    path = l2l.run(_config("beside", function="same"), tmp_path / "same.h5", progress=False)
    files = list(folder_of(path).rglob("*.l2lc"))
    epochs = set(_segments(path)["budget"])
    assert len(files) == len(epochs)  # one per distinct content: the same weights at each budget reached


def test_a_resume_continues_from_the_folder_and_a_missing_file_is_named(tmp_path, runs):
    copy = tmp_path / "copy.h5"
    shutil.copy(runs[None], copy)
    done = l2l_main("resume", copy, "--compute", "200", "--backend", "serial", cwd=TESTS)
    assert done.returncode == 2 and "is missing" in done.stderr and "copy.h5.checkpoints" in done.stderr
    assert "move or copy it back beside the file" in done.stderr and "Traceback" not in done.stderr
    assert len(_segments(copy)) == len(_segments(runs[None]))  # refused before anything ran
    shutil.copytree(folder_of(runs[None]), folder_of(copy))
    done = l2l_main("resume", copy, "--compute", "200", "--backend", "serial", cwd=TESTS)
    assert done.returncode == 0, done.stderr
    segments = _segments(copy)
    assert segments["status"].eq("ok").all() and (segments["from_budget"] > 0).sum() > \
        (_segments(runs[None])["from_budget"] > 0).sum()


def test_validate_checks_every_file_of_the_folder(tmp_path, runs):
    copy = tmp_path / "damaged.h5"
    shutil.copy(runs[None], copy)
    shutil.copytree(folder_of(runs[None]), folder_of(copy))
    assert l2l_main("validate", copy, cwd=tmp_path).returncode == 0
    victim = sorted(folder_of(copy).rglob("*.l2lc"))[3]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    checked = l2l_main("validate", copy, cwd=tmp_path)
    assert checked.returncode == 1 and "does not match its SHA-256" in checked.stdout + checked.stderr
    victim.unlink()
    checked = l2l_main("validate", copy, cwd=tmp_path)
    assert checked.returncode == 1 and "is missing" in checked.stdout + checked.stderr


def test_a_wrong_choice_is_one_line_and_exit_status_2(tmp_path):
    (tmp_path / "run.toml").write_text(
        '[run]\ncompute = 27\ncheckpoints = "nearby"\n[space]\nx = { low = 0.0, high = 1.0 }\n'
        '[policy]\nname = "asha"\n[simulator]\nname = "sleep"\n')
    done = l2l_main("run", tmp_path / "run.toml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith(
        "run.checkpoints must be one of 'auto', 'file', 'beside', got 'nearby'")


def test_kill_minus_nine_and_resume_with_every_checkpoint_beside_the_file_equals_an_uninterrupted_run(tmp_path):
    from test_multifidelity import comparable_segments, kill_and_resume, mf_config

    config = mf_config("asha", compute=3000, seed=7, checkpoints="beside")
    reference = comparable_segments(l2l.load(l2l.run(config, tmp_path / "reference.h5"), segments=True))
    path = tmp_path / "killed.h5"
    # every killed file validates, so every committed row's checkpoint file is complete and matches
    # the run after the last kill ends in this process, committing as a run does (in a child committing every
    # 20 ms it cost about a third of the test's CPU; no kill lands in it), as test_multifidelity's kill test does
    kills = kill_and_resume(config, path, np.random.default_rng(11), max_delay=0.06, rounds=6, finish_here=True)
    assert kills >= 3
    assert comparable_segments(l2l.load(path, segments=True)).equals(reference)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.checkpoint(0) is not None
    assert len(list(folder_of(path).rglob("*.l2lc"))) >= len(list(folder_of(tmp_path / "reference.h5").rglob("*.l2lc")))


def test_the_loop_holds_no_large_checkpoint_once_it_is_written(tmp_path, monkeypatch, runs):
    from l2l import driver_files
    from l2l.results_schema.checkpoint_store import LARGE, size_in_memory

    # rows are appended once their checkpoints hold 3 MB (two of 1.28 MB buffered, the third appends them)
    monkeypatch.setattr(driver_files, "BUFFERED_CHECKPOINT_BYTES", 3_000_000)
    held, appended = [], []
    flush = driver_files.Commits.flush

    def watched(self):
        appended.append(len(self.buffer))
        flush(self)
        held.append(sum(1 for c in self.checkpoints.values() if c is not None and size_in_memory(c) >= LARGE))

    monkeypatch.setattr(driver_files.Commits, "flush", watched)
    path = l2l.run(_config(), tmp_path / "run.h5", progress=False)
    segments = _segments(path)
    assert (segments["from_budget"] > 0).sum() > 10  # continuations read their checkpoints back (15 here)
    assert len(held) > 10 and max(held) == 0  # before: every paused candidate's, for the whole run
    assert max(appended) <= 3
    assert segments.equals(_segments(runs["file"]))  # the same run with every checkpoint in its file


def test_a_missing_file_dropped_by_resume_is_a_note_of_validate(tmp_path, runs):
    import re

    import h5py

    from l2l.results_schema.checkpoint_store import CheckpointStore, parse

    copy = tmp_path / "dropped.h5"
    shutil.copy(runs[None], copy)
    shutil.copytree(folder_of(runs[None]), folder_of(copy))
    # the files of the checkpoints the paused candidates would continue from (their last rows, below the top)
    with h5py.File(copy, "r") as f:
        rows = int(f["evaluations/committed"][-1])
        budget = f["evaluations/budget"][:rows]
        last = {int(t): r for r, t in enumerate(f["evaluations/trial"][:rows])}
        starts, lengths = f["evaluations/checkpoint_start"][:rows], f["evaluations/checkpoint_length"][:rows]
        blob = f["blobs/checkpoints"][:].tobytes()
    store = CheckpointStore(copy)
    paused = {t: store.path(parse(blob[starts[r]:starts[r] + lengths[r]])[0])
              for t, r in last.items() if budget[r] < 27}
    for path in paused.values():
        path.unlink()
    done = l2l_main("resume", copy, "--compute", "200", "--backend", "serial", "--drop-unreadable", cwd=TESTS)
    assert done.returncode == 0, done.stderr
    dropped = {int(t) for t in re.findall(r"the segment of trial (\d+) to \S+ is recorded as failed", done.stderr)}
    assert dropped and dropped <= set(paused) and "is missing" in done.stderr
    for trial, path in paused.items():  # the files no continuation needed come back: the dropped stay missing
        if trial not in dropped:
            shutil.copy(folder_of(runs[None]) / path.relative_to(folder_of(copy)), path)
    checked = l2l_main("validate", copy, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("it was dropped") == len(dropped)


def test_a_new_run_refuses_a_folder_of_checkpoints_left_without_its_file(tmp_path):
    (tmp_path / "old.h5.checkpoints").mkdir()
    (tmp_path / "run.toml").write_text(
        '[run]\ncompute = 27\n[space]\nx = { low = 0.0, high = 1.0 }\n[policy]\nname = "asha"\n'
        '[simulator]\nname = "sleep"\nseconds_per_unit = 0.0\n[backend]\nname = "serial"\n')
    done = l2l_main("run", tmp_path / "run.toml", "--out", tmp_path / "old.h5", cwd=tmp_path)
    assert done.returncode == 2 and not (tmp_path / "old.h5").exists()
    assert done.stderr.strip().splitlines()[-1].endswith(
        "old.h5.checkpoints exists without old.h5 (the checkpoints of a run whose file was deleted or moved); "
        "move or delete it, or choose another --out")


def test_show_and_the_end_of_a_run_name_the_folder_to_move_with_the_file(runs):
    from l2l.summary import finished_text

    files = len(list(folder_of(runs[None]).rglob("*.l2lc")))
    shown = l2l_main("show", runs[None], cwd=TESTS).stdout
    line = [text for text in shown.splitlines() if text.startswith("checkpoints ")]
    assert len(line) == 1 and f"{files} large checkpoints (" in line[0]
    assert line[0].endswith(f"in {folder_of(runs[None])}: move or copy it with the file")
    assert f"checkpoints: {files} large checkpoints" in finished_text(runs[None], 1.0)
    assert "checkpoints" not in finished_text(runs["file"], 1.0).split("results:")[1]
    assert not [text for text in l2l_main("show", runs["file"], cwd=TESTS).stdout.splitlines()
                if text.startswith("checkpoints ")]

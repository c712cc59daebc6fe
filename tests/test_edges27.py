"""Edges a user still hit in session 27, each failing on the code before its fix.

- A file whose stored config and /run attribute 'optimizer' both lost the optimizer: ``l2l resume`` ended in a
  KeyError traceback (the default optimizer, ``auto``, was fed the GA's stored state), ``l2l validate`` called it
  valid.
- ``l2l watch`` of a file under a path that can never hold one (a file where a folder must be) waited forever.
- A file name with a newline, a tab or ESC printed raw in l2l's one-line messages.
- A GA that its run.target stopped in its 3rd of 50 generations read '3 of 50 generations' beside 'finished'; a
  policy run's target line counted 'evaluations' where its progress line counts 'segments'.
- ``l2l run --dry-run`` did not say the note the run says of an explicit chunk_size > 1 kept with run.target.
- A run with checkpoints beside its file whose writer was killed mid-write left ``.*.tmp`` files in the folder
  after ``l2l resume`` (only ``l2l prune`` removed them).
"""

from __future__ import annotations

import json
import os
import shutil

import h5py
import pytest

import l2l
from conftest import TESTS
from l2l.cli import main
from l2l import errors
from l2l.results_schema.checkpoint_store import folder_of

GA = {"run": {"name": "edges", "seed": 2, "generations": 2}, "space": {"x": {"low": -1.0, "high": 1.0}},
      "optimizer": {"name": "ga", "population_size": 4}, "simulator": {"name": "sphere"},
      "backend": {"name": "serial"}}


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A small finished run: a genetic algorithm on the sphere, two generations of four."""
    return l2l.run(l2l.from_mapping(GA), tmp_path_factory.mktemp("ga") / "run.h5", progress=False)


# -- 1. no optimizer named anywhere in the file ------------------------------------------------------------------

@pytest.mark.parametrize("attribute", ["{}", '{"population_size": 4}'])
def test_a_file_that_names_no_optimizer_is_refused_in_one_line_and_validate_reports_it(finished, tmp_path, capsys,
                                                                                       attribute):
    path = tmp_path / "run.h5"
    shutil.copyfile(finished, path)
    with h5py.File(path, "r+") as f:  # hand-edited: the optimizer taken out of both places that name it
        stored = json.loads(f["run"].attrs["config"])
        del stored["optimizer"]
        f["run"].attrs["config"] = json.dumps(stored)
        f["run"].attrs["optimizer"] = attribute
        continue_with = "names no optimizer either"
    # before: KeyError: 'choice' from auto.done, a traceback (or 'names optimizer 'auto'', which it never did)
    assert main(["resume", str(path), "--generations", "4"]) == 2
    err = _one_line(capsys)
    assert f"{path}: " in err and "has no [optimizer] table" in err and continue_with in err, err
    assert main(["reevaluate", str(path), "--top", "1", "--seeds", "1"]) == 2
    assert "has no [optimizer] table" in _one_line(capsys)
    assert main(["validate", str(path)]) == 1  # before: 'valid l2l trajectory'
    said = capsys.readouterr()
    assert "has no [optimizer] table" in said.err and continue_with in said.err and "valid" not in said.out, said
    assert len(l2l.load(path)) == 8  # nothing computed lost: the rows read as before


def test_a_config_without_its_optimizer_table_resumes_with_the_optimizer_the_file_says_it_was_made_with(
        finished, tmp_path, capsys):
    path = tmp_path / "run.h5"
    shutil.copyfile(finished, path)
    with h5py.File(path, "r+") as f:  # as a file written through the writer API without a config table
        stored = json.loads(f["run"].attrs["config"])
        del stored["optimizer"]
        f["run"].attrs["config"] = json.dumps(stored)
    assert main(["validate", str(path)]) == 0, capsys.readouterr()
    assert main(["resume", str(path), "--generations", "3", "--no-progress"]) == 0, capsys.readouterr()
    assert len(l2l.load(path)) == 12  # the GA (population 4) ran its third generation


# -- 2. l2l watch of a file that cannot appear -------------------------------------------------------------------

@pytest.fixture
def ctrl_c_at_first_wait(monkeypatch):
    """``l2l watch``'s first wait for the file ends as Ctrl-C would end it (never a real wait)."""
    import l2l.analysis.watch as watch

    waits = []

    def sleep(seconds):
        waits.append(seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr(watch.time, "sleep", sleep)
    return waits


def test_watch_refuses_at_once_a_file_under_a_path_that_cannot_hold_one(tmp_path, capsys, ctrl_c_at_first_wait):
    blocker = tmp_path / "results"
    blocker.write_text("a file where the folder of the run must be")
    # before: 'waiting for .../results/run.h5 to be created' and a wait that no run could ever end
    assert main(["watch", str(blocker / "run.h5")]) == 2
    err = _one_line(capsys)
    assert f"{blocker} is not a folder, so the file can never be created there" in err, err
    assert ctrl_c_at_first_wait == []


def test_watch_waits_for_a_file_in_a_missing_folder_saying_so_once(tmp_path, capsys, ctrl_c_at_first_wait):
    path = tmp_path / "results" / "run.h5"  # l2l run --out results/run.h5 makes the folder: waiting is right
    assert main(["watch", str(path), "--interval", "0.5"]) == 130
    out = capsys.readouterr().out
    assert out.startswith(f"waiting for {path} to be created; its folder {path.parent} does not exist yet either "
                          f"(Ctrl-C to stop)\n"), out
    assert ctrl_c_at_first_wait == [0.5]


# -- 3. control characters in paths ------------------------------------------------------------------------------

HOSTILE = "a\nb\x1b[2J\tc.h5"


def test_a_path_with_a_newline_tab_or_escape_is_said_escaped_on_one_line(tmp_path, capsys):
    path = tmp_path / HOSTILE
    for argv in (["show", str(path)], ["validate", str(path)], ["resume", str(path)], ["watch", "--once", str(path)]):
        assert main(argv) == 2
        err = _one_line(capsys)  # before: the newline broke the line, ESC [2J cleared the terminal
        assert "\x1b" not in err and "\t" not in err and "a\\nb\\x1b[2J\\tc.h5: no such file" in err, (argv, err)


def test_validate_of_a_file_whose_name_holds_a_tab_says_it_escaped(finished, tmp_path, capsys):
    path = tmp_path / "x\ty.h5"
    shutil.copyfile(finished, path)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == f"{tmp_path}/x\\ty.h5: valid l2l trajectory\n"


def test_a_suggested_command_keeps_a_control_character_one_line_and_pastes_as_the_same_name(tmp_path):
    import subprocess

    said = errors.command("printf", "%s", HOSTILE + "'\\")
    assert "\n" not in said and "\x1b" not in said and said.endswith("$'a\\nb\\x1b[2J\\tc.h5\\'\\\\'"), said
    if shutil.which("bash"):
        done = subprocess.run(["bash", "-c", said], capture_output=True, check=True)
        assert done.stdout == (HOSTILE + "'\\").encode()
    assert errors.command("l2l", "resume", "my run.h5") == "l2l resume 'my run.h5'"  # as before
    assert errors.shown(os.fsdecode(b"bad\xff.h5")) == "bad\\xff.h5"  # an undecodable byte: print would fail on it


# -- 4. a run its target ended -----------------------------------------------------------------------------------

def test_a_ga_its_target_stopped_mid_run_is_not_said_to_be_3_of_50_generations(tmp_path, capsys):
    config = l2l.from_mapping({**GA, "run": {"name": "target", "seed": 1, "generations": 50, "target": 0.01},
                               "space": {"x": {"low": -1.0, "high": 1.0, "shape": [2]}},
                               "optimizer": {"name": "ga", "population_size": 10}})
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    generations = l2l.load(path)["generation"].max() + 1
    assert 1 < generations < 50  # reached during a later generation, as on the code before
    assert main(["show", str(path)]) == 0
    progress = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    # before: 'progress   3 of 50 generations, 23 evaluations (0 failed), status: finished (target reached)'
    third = {2: "2nd", 3: "3rd"}.get(generations, f"{generations}th")
    assert progress.startswith(f"progress   {generations} generations (stopped by its target during the {third}; "
                               f"50 planned), "), progress
    assert "of 50" not in progress
    assert main(["watch", "--once", str(path)]) == 0
    assert f"generation   {generations} committed (stopped by its target during the {third}; 50 planned)" in \
        capsys.readouterr().out


def test_a_policy_runs_target_line_counts_segments_as_its_progress_line_does(tmp_path, capsys):
    config = l2l.from_mapping({"run": {"seed": 3, "compute": 200, "target": 3.0},
                               "space": {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True}},
                               "optimizer": {"name": "random"}, "simulator": {"name": "noisy-sgd", "max_budget": 9},
                               "objectives": [{"name": "loss", "direction": "minimize"}],
                               "policy": {"name": "asha"}, "backend": {"name": "serial"}}, base_dir=TESTS)
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    assert main(["show", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    progress = next(line for line in lines if line.startswith("progress"))
    target = next(line for line in lines if line.startswith("target"))
    segments = len(l2l.load(path, segments=True))
    assert f", {segments} segments (0 failed)" in progress and "target reached" in progress, progress
    # before: 'target     3 reached by candidate 21 (loss = 2.14337) after 36 evaluations / 66 training steps ...'
    assert f" after {segments} segments / " in target and "evaluation" not in target, target


# -- 5. the dry run's note of chunks kept with a target ----------------------------------------------------------

@pytest.mark.parametrize("chunk_size, target, said", [(4, "target = 0.5\n", True), (1, "target = 0.5\n", False),
                                                      (4, "", False)])
def test_a_dry_run_says_the_note_the_run_says_of_chunks_kept_with_a_target(tmp_path, capsys, chunk_size, target,
                                                                           said):
    config = tmp_path / "dask.toml"
    config.write_text(f'[run]\nname = "chunks"\nseed = 1\ngenerations = 3\n{target}[space]\n'
                      f'x = {{low = -1.0, high = 1.0}}\n[optimizer]\nname = "random"\npopulation_size = 8\n'
                      f'[simulator]\nname = "sphere"\n[backend]\nname = "local"\nworkers = 1\n'
                      f'chunk_size = {chunk_size}\n')
    assert main(["run", str(config), "--dry-run", "--out", str(tmp_path / "run.h5")]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: note:")]
    # before: nothing (the real run says it as its executor starts, 407c2c6)
    assert notes == ([
        "l2l: note: backend 'local': chunk_size = 4 is kept with run.target: a result that reaches the target comes "
        "back with its chunk, so up to 3 evaluation(s) may run after it before the run ends (chunk_size = 1 ends it "
        "at that result)"] if said else [])
    assert not (tmp_path / "run.h5").exists()


# -- 6. temporaries of killed writers beside the file ------------------------------------------------------------

@pytest.fixture(scope="module")
def beside(tmp_path_factory):
    """A small ASHA run whose every checkpoint is in the folder beside its file."""
    config = l2l.from_mapping({"run": {"seed": 3, "checkpoints": "beside", "compute": 40},
                               "space": {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True}},
                               "optimizer": {"name": "random"}, "simulator": {"name": "noisy-sgd", "max_budget": 9},
                               "objectives": [{"name": "loss", "direction": "minimize"}],
                               "policy": {"name": "asha"}, "backend": {"name": "serial"}}, base_dir=TESTS)
    return l2l.run(config, tmp_path_factory.mktemp("beside") / "run.h5", progress=False)


def _with_temporaries(beside, tmp_path):
    """A copy of the run whose checkpoint folder holds what killed writers leave: a file each was writing (its
    checkpoint's name, the writer's process id), never renamed into place."""
    path = tmp_path / "run.h5"
    shutil.copyfile(beside, path)
    shutil.copytree(folder_of(beside), folder_of(path))
    kept = sorted(folder_of(path).rglob("*.l2lc"))
    left = []
    for number, file in enumerate(kept[:3]):
        temporary = file.with_name(f".{'f' * 64}{file.suffix}.{4000 + number}.tmp")
        temporary.write_bytes(b"L2L1 half a checkpoint")
        left.append(temporary)
    return path, kept, left


def test_resume_removes_the_temporaries_its_killed_writers_left_beside_the_file(beside, tmp_path, capsys):
    path, kept, left = _with_temporaries(beside, tmp_path)
    assert main(["resume", str(path), "--compute", "60", "--no-progress"]) == 0
    assert not [file for file in left if file.exists()]  # before: all three still there
    assert all(file.exists() for file in kept) and l2l.validate(path) == []
    assert main(["prune", str(path), "--dry-run"]) == 0
    assert "temporary" not in capsys.readouterr().out


def test_resume_leaves_the_temporaries_of_a_folder_another_run_may_share(beside, tmp_path):
    path, kept, left = _with_temporaries(beside, tmp_path)
    (tmp_path / "other.h5.checkpoints").symlink_to(folder_of(path))  # another run's live writer may write there
    l2l.resume(path, compute=60, progress=False)
    assert all(file.exists() for file in left) and all(file.exists() for file in kept)

"""``l2l prune FILE``: the superseded checkpoints beside a trajectory deleted, the needed ones kept, recorded."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
from pathlib import Path

import h5py
import numpy as np
import pytest

import l2l
from conftest import TESTS, l2l_cli
from inprocess_cli import l2l_main
from l2l.commands.prune import prune
from l2l.errors import TrajectoryError
from l2l.results_schema.checkpoint_store import folder_of, is_reference, parse
from l2l.results_schema.lock import WriterLock
from l2l.results_schema.validate import validate
from test_multifidelity import _after_commits, _start
from test_writer_safety import _in_child, _kill_after

SPACE = {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True}}
SLOW_SGD = {"name": "python", "function": "pbt_models:slow_sgd",
            "multi_fidelity": {"name": "steps", "unit": "training steps", "minimum": 1, "maximum": 81}}
SUMMARY = re.compile(r"^pruned \d+ of \d+ checkpoint files \(\d[\d.]* (GiB|MiB|KiB|bytes) on disk\); "
                     r"kept the latest of each of \d+ trials")


def config(policy="asha", seed=3, simulator=None, **options):
    """A run whose every checkpoint goes to the folder beside its file (run.checkpoints = "beside")."""
    run = {"seed": seed, "checkpoints": "beside"}
    if policy == "asha":
        run["compute"] = options.pop("compute", 600)
    return l2l.from_mapping({"run": run, "space": SPACE, "optimizer": {"name": "random"},
                             "simulator": simulator or {"name": "noisy-sgd", "max_budget": 81 if policy == "asha"
                                                        else 100},
                             "objectives": [{"name": "loss", "direction": "minimize"}],
                             "policy": {"name": policy, **({"population": 6, "interval": 10} if policy == "pbt"
                                                           else {}), **options},
                             "backend": {"name": "serial"}}, base_dir=TESTS)


def comparable(path):
    return l2l.load(path, segments=True)[["trial", "budget", "from_budget", "seed", "status", "learning_rate",
                                         "loss"]].reset_index(drop=True)


def files(path) -> set[str]:
    return {file.name[:-len(".l2lc")] for file in folder_of(path).rglob("*.l2lc")}


def references(path):
    """Per committed row with a checkpoint in the folder: its file's digest; the rows' trials."""
    with h5py.File(path, "r", libver="latest", swmr=True, locking=False) as f:
        rows = int(f["evaluations/committed"][-1])
        trial = f["evaluations/trial"][:rows]
        starts, lengths = f["evaluations/checkpoint_start"][:rows], f["evaluations/checkpoint_length"][:rows]
        blob = f["blobs/checkpoints"][:].tobytes()
    digest = {r: parse(blob[starts[r]:starts[r] + lengths[r]])[0] for r in range(rows)
              if lengths[r] and is_reference(blob[starts[r]:starts[r] + lengths[r]])}
    return digest, trial


def latest_rows(path) -> dict[int, int]:
    digest, trial = references(path)
    return {int(trial[r]): r for r in sorted(digest)}


def expected(path) -> set[str]:
    """The files a run can still use, worked out here from the rows and the state: each trial's latest
    checkpoint and every checkpoint a trial record of the last committed state names (paused, donors)."""
    digest, _ = references(path)
    with l2l.Trajectory(path) as trajectory:
        state = trajectory.state()
    named = {record["row"] for record in state["trials"].values() if record["row"] in digest}
    return {digest[r] for r in {*latest_rows(path).values(), *named}}


def copy(path, to):
    shutil.copy(path, to)
    shutil.copytree(folder_of(path), folder_of(to))
    return to


def digest_of(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    folder = tmp_path_factory.mktemp("finished")
    return {"asha": l2l.run(config("asha"), folder / "asha.h5", progress=False),
            "pbt": l2l.run(config("pbt"), folder / "pbt.h5", progress=False)}


@pytest.mark.parametrize("policy", ["asha", "pbt"])
def test_prune_keeps_exactly_what_a_finished_run_can_use_and_validate_reports_the_rest_as_pruned(
        tmp_path, finished, policy):
    path = copy(finished[policy], tmp_path / "run.h5")
    before, keep = files(path), expected(path)
    frame, segments, traces = l2l.load(path), l2l.load(path, segments=True), l2l.traces(path)
    done = l2l_main("prune", path, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and SUMMARY.match(lines[0]), done.stdout
    trials = segments["trial"].nunique()
    assert lines[0].startswith(f"pruned {len(before - keep)} of {len(before)} checkpoint files")
    assert f"kept the latest of each of {trials} trials" in lines[0]
    assert files(path) == keep and len(keep) < len(before)  # exactly those still usable stay
    if policy == "pbt":  # a member's every segment but its last is superseded: most files go
        assert len(keep) < len(before) / 2
    checked = l2l_main("validate", path, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines() == [f"{path}: valid l2l trajectory",
                                           f"{path}: {len(before - keep)} superseded checkpoints pruned (l2l prune): "
                                           f"their files are deleted, and no segment continues from them"]
    assert l2l.load(path).equals(frame) and l2l.load(path, segments=True).equals(segments)
    assert l2l.traces(path).equals(traces)
    with l2l.Trajectory(path) as trajectory:  # the trained model of each trial is still there
        assert all(trajectory.checkpoint(row) is not None for row in latest_rows(path).values())
    again = l2l_main("prune", path, cwd=tmp_path)  # nothing more to prune; the record stays
    assert again.returncode == 0 and again.stdout.startswith(f"pruned 0 of {len(keep)} checkpoint files")
    assert validate(path) == []


def test_paused_candidates_continue_after_prune_as_without_it(tmp_path, finished):
    pruned, kept = copy(finished["asha"], tmp_path / "pruned.h5"), copy(finished["asha"], tmp_path / "kept.h5")
    assert prune(pruned).files
    for path in (pruned, kept):
        # 100 units more than the run's 600 (not 300): paused candidates continue all the same
        done = l2l_main("resume", path, "--compute", "700", "--backend", "serial", "--no-progress", cwd=TESTS)
        assert done.returncode == 0, done.stderr
    assert comparable(pruned).equals(comparable(kept))
    assert (comparable(pruned)["from_budget"] > 0).sum() > (comparable(finished["asha"])["from_budget"] > 0).sum()
    assert validate(pruned) == []


#: Kills of the run killed, pruned and resumed (each after 2 to 4 commits; the run ends after the last in this process).
ROUNDS = 4


@pytest.mark.parametrize("policy", ["asha", "pbt"])
def test_killed_pruned_and_resumed_gives_the_result_of_an_uninterrupted_run(tmp_path, policy):
    simulator = {**SLOW_SGD, "multi_fidelity": {**SLOW_SGD["multi_fidelity"], "maximum": 81 if policy == "asha"
                                                else 100}}
    options = {"compute": 900} if policy == "asha" else {"population": 8, "interval": 5, "synchronous": False}
    run = config(policy, seed=7, simulator=simulator, **options)
    reference = comparable(l2l.run(run, tmp_path / "reference.h5", progress=False))
    path = tmp_path / "killed.h5"
    rng = np.random.default_rng(5)
    kills = deleted = 0
    pid, pipe = _start(lambda: l2l.run(run, path, progress=False))
    for round_ in range(ROUNDS):
        _after_commits(pipe, int(rng.integers(2, 5)))
        status = _kill_after(pid, rng.uniform(0.0, 0.04))
        os.close(pipe)
        kills += os.WIFSIGNALED(status)
        assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0
        deleted += len(prune(path).files)  # from the file the kill left: uncommitted rows and all
        assert validate(path) == []
        with l2l.Trajectory(path) as trajectory:
            if trajectory.finished():
                break
        if round_ < ROUNDS - 1:
            pid, pipe = _start(lambda: l2l.resume(path, progress=False))
    else:  # the last resume runs to the end in this process, committing as a run does (a child committing every
        # 20 ms to its end cost most of the test's CPU), and what it leaves is pruned and valid too
        l2l.resume(path, progress=False)
        deleted += len(prune(path).files)
        assert validate(path) == []
    assert kills >= 2 and deleted > 0
    assert comparable(path).equals(reference)
    assert validate(path) == []


def test_dry_run_deletes_nothing_and_lists_what_prune_would_delete(tmp_path, finished):
    path = copy(finished["pbt"], tmp_path / "run.h5")
    before, content = files(path), digest_of(path)
    done = l2l_main("prune", path, "--dry-run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    *listed, summary = done.stdout.splitlines()
    assert files(path) == before and digest_of(path) == content  # nothing deleted, nothing recorded
    count = len(before - expected(path))
    assert summary.startswith(f"would prune {count} of {len(before)} checkpoint files") and len(listed) == count
    assert all(line.startswith(f"would delete {folder_of(path)}") for line in listed)


def test_a_file_a_run_writes_a_missing_file_and_one_that_is_no_trajectory_are_refused(tmp_path, finished):
    path = copy(finished["asha"], tmp_path / "run.h5")
    before, content = files(path), digest_of(path)
    (tmp_path / "notes.h5").write_text("not hdf5")
    with h5py.File(tmp_path / "plain.h5", "w") as f:
        f["x"] = [1, 2, 3]
    with WriterLock(path):  # what a live run holds while it writes the file (in another process: a subprocess)
        busy = l2l_cli("prune", path, cwd=tmp_path)
    for done, words in [(busy, "is being written by another process"),
                        (l2l_main("prune", tmp_path / "nope.h5", cwd=tmp_path), "no such file"),
                        (l2l_main("prune", tmp_path / "notes.h5", cwd=tmp_path), "not an l2l trajectory"),
                        (l2l_main("prune", tmp_path / "plain.h5", cwd=tmp_path), "not an l2l trajectory")]:
        assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr, done.stderr
    assert files(path) == before and digest_of(path) == content
    assert not (tmp_path / ".nope.h5.lock").exists()


def test_a_link_left_behind_by_a_moved_run_and_a_folder_are_refused_as_what_they_are(tmp_path):
    """A symbolic link whose run was moved away names no file: prune and validate say so in one line (exit 2), as
    for a mistyped name, naming where the link leads (before, prune called it 'not a regular file' and validate
    printed 'link.h5: link.h5: no such file' as an invalid file, exit 1); a folder is called a folder."""
    (tmp_path / "link.h5").symlink_to(Path("runs") / "moved.h5")
    (tmp_path / "runs").mkdir()
    for args, words in [(("prune", "link.h5"), "link.h5: no such file (a symbolic link to runs/moved.h5"),
                        (("prune", "link.h5", "--dry-run"), "link.h5: no such file (a symbolic link to runs/moved.h5"),
                        (("validate", "link.h5"), "link.h5: no such file (a symbolic link to runs/moved.h5"),
                        (("prune", "runs"), "runs is a folder, not an l2l trajectory")]:
        done = l2l_main(*args, cwd=tmp_path)
        assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
        assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
        assert done.stderr.startswith(f"l2l: error: {words}"), done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.h5", "runs"] and not any((tmp_path / "runs").iterdir())


def test_a_pruned_run_resumed_ends_with_the_checkpoints_line_l2l_show_prints(tmp_path, finished):
    """The end of l2l resume and l2l show say the same of the checkpoints: the folder and the superseded ones prune
    deleted (before, the end of the resume left the pruned ones out)."""
    path = copy(finished["asha"], tmp_path / "run.h5")
    assert l2l_main("prune", path, cwd=tmp_path).returncode == 0
    done = l2l_main("resume", "run.h5", "--compute", "700", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    # resume names the file absolutely at its end, as run does (show, as it is given)
    shown = [line for line in l2l_main("show", tmp_path / "run.h5", cwd=tmp_path).stdout.splitlines()
             if line.startswith("checkpoints ")]
    assert re.search(r"; \d+ superseded checkpoints pruned \(l2l prune\)$", last), last
    assert shown == ["checkpoints " + last[len("checkpoints: "):]] and last.startswith("checkpoints: "), (last, shown)


def test_a_run_that_keeps_every_checkpoint_in_its_file_has_nothing_to_prune(tmp_path):
    from dataclasses import replace

    path = l2l.run(replace(config("pbt"), checkpoints="file"), tmp_path / "one.h5", progress=False)
    content = digest_of(path)
    done = l2l_main("prune", path, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.splitlines() == [
        "nothing to prune: no checkpoint files beside the trajectory"]
    assert digest_of(path) == content and not folder_of(path).exists()


def test_a_trajectory_copied_without_its_checkpoint_folder_is_refused_not_called_empty(tmp_path, finished):
    path = tmp_path / "alone.h5"
    shutil.copy(finished["asha"], path)  # the folder beside it was not copied
    content = digest_of(path)
    done = l2l_main("prune", path, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "checkpoint files beside it, but" in done.stderr and "move or copy the folder" in done.stderr
    assert digest_of(path) == content


def test_a_needed_checkpoint_missing_after_prune_is_still_an_error_naming_its_candidate(tmp_path, finished):
    path = copy(finished["asha"], tmp_path / "run.h5")
    prune(path)
    digest, trial = references(path)
    with h5py.File(path, "r", libver="latest", swmr=True, locking=False) as f:
        budget = f["evaluations/budget"][:len(trial)]
    row = max(r for r in latest_rows(path).values() if budget[r] < 81)  # a paused candidate's: resume needs it
    name = digest[row]
    (folder_of(path) / name[:2] / f"{name}.l2lc").unlink()
    checked = l2l_main("validate", path, cwd=tmp_path)
    assert checked.returncode == 1
    assert f"(trial {int(trial[row])}) cannot be read" in checked.stderr and "is missing" in checked.stderr
    # a superseded file deleted by hand, not by prune, is missing as before
    other = copy(finished["asha"], tmp_path / "other.h5")
    victim = sorted(files(other) - expected(other))[0]
    (folder_of(other) / victim[:2] / f"{victim}.l2lc").unlink()
    assert any("is missing" in problem for problem in validate(other))


def _prune_killed(path, where: str, count: int) -> None:
    """In a child: prune ``path`` and SIGKILL yourself at the ``count``-th call of ``where``: "replace" (the
    atomic copy that adds /pruned moved into place), "append" (an append to /pruned: the first writes the
    digests, the second the commit mark) or "unlink" (a file deleted)."""
    import pathlib

    from l2l.results_schema import files as trajectory_files, pruning

    calls = [0]

    def killing(function):
        def wrapper(*args, **kwargs):
            calls[0] += 1
            if calls[0] == count:
                os.kill(os.getpid(), signal.SIGKILL)
            return function(*args, **kwargs)
        return wrapper

    if where == "replace":
        trajectory_files.os.replace = killing(os.replace)
    elif where == "append":
        pruning._append = killing(pruning._append)
    else:
        pathlib.Path.unlink = killing(pathlib.Path.unlink)
    prune(path)


# ("unlink", 2) left out: the same path as the 30th deletion (each file recorded before it is deleted)
@pytest.mark.parametrize("where, count", [("replace", 1), ("append", 1), ("append", 2), ("unlink", 30), ("time", 0)])
def test_a_prune_killed_at_any_instant_leaves_a_file_that_validates_and_resumes(tmp_path, finished, where, count):
    path = copy(finished["asha"], tmp_path / "run.h5")
    keep, before = expected(path), files(path)
    if where == "time":  # anywhere: several kills at random instants, each on a fresh copy
        rng = np.random.default_rng(3)
        for attempt in range(6):
            path = copy(finished["asha"], tmp_path / f"run{attempt}.h5")
            _kill_after(_in_child(lambda: prune(path)), rng.uniform(0.0, 0.1))
            assert validate(path) == [] and keep <= files(path) <= before
    else:
        status = os.waitpid(_in_child(lambda: _prune_killed(path, where, count)), 0)[1]
        assert os.WIFSIGNALED(status)
        assert validate(path) == []
        assert keep <= files(path) <= before
        # nothing is deleted before it is recorded; the kill at the n-th deletion leaves n - 1 deleted
        assert len(before - files(path)) == (count - 1 if where == "unlink" else 0)
    assert l2l.load(path, segments=True).equals(l2l.load(finished["asha"], segments=True))
    again = prune(path)  # a prune after the killed one finishes its work
    assert again.total == len(files(path)) + len(again.files) and files(path) == keep
    checked = l2l_main("validate", path, cwd=tmp_path)
    assert checked.returncode == 0 and f"{len(before - keep)} superseded checkpoints pruned" in checked.stdout
    done = l2l_main("resume", path, "--compute", "700", "--backend", "serial", "--no-progress", cwd=TESTS)
    assert done.returncode == 0, done.stderr
    assert validate(path) == []


def test_reading_a_pruned_checkpoint_says_l2l_prune_deleted_it_and_a_file_deleted_by_hand_is_missing(
        tmp_path, finished):
    path = copy(finished["pbt"], tmp_path / "run.h5")
    superseded = sorted(set(references(path)[0]) - set(latest_rows(path).values()))
    digest = references(path)[0]
    pruned = [row for row in superseded if digest[row] not in expected(path)]
    prune(path)
    with l2l.Trajectory(path) as trajectory:
        with pytest.raises(TrajectoryError, match=rf"checkpoint of row {pruned[0]} was deleted by l2l prune"):
            trajectory.checkpoint(pruned[0])
    other = copy(finished["pbt"], tmp_path / "other.h5")  # the same file deleted by hand: not pruned, missing
    name = digest[pruned[0]]
    (folder_of(other) / name[:2] / f"{name}.l2lc").unlink()
    with l2l.Trajectory(other) as trajectory:
        with pytest.raises(TrajectoryError, match=r"is missing \(the folder"):
            trajectory.checkpoint(pruned[0])


def du(folder) -> int:
    """Bytes ``du`` counts under ``folder``: the blocks of every file and folder in it, itself included."""
    total = 0
    for place, folders, names in os.walk(folder):
        total += sum(os.lstat(os.path.join(place, name)).st_blocks * 512 for name in [".", *names])
    return total


def test_the_size_prune_reports_is_what_du_sees_freed_not_the_sum_of_file_lengths(tmp_path, finished):
    """The checkpoints of a small model are a few hundred bytes, each in a block of its own: the disk frees the
    blocks (and those of the folders left empty), many times the files' lengths. A file hard-linked elsewhere
    frees nothing and is said apart."""
    from l2l.commands.prune import _size

    path = copy(finished["pbt"], tmp_path / "run.h5")
    superseded = sorted(files(path) - expected(path))
    lengths = sum((folder_of(path) / d[:2] / f"{d}.l2lc").stat().st_size for d in superseded)
    before = du(folder_of(path))
    dry = l2l_main("prune", path, "--dry-run", cwd=tmp_path)
    done = l2l_main("prune", path, cwd=tmp_path)
    assert done.returncode == 0 and dry.returncode == 0, done.stderr + dry.stderr
    freed = before - du(folder_of(path))
    assert freed > 2 * lengths  # the case the sum of lengths misreports
    assert f"({_size(freed)} on disk); kept" in done.stdout, (done.stdout, _size(freed), _size(lengths))
    assert dry.stdout.splitlines()[-1].replace("would prune", "pruned", 1) == done.stdout.strip()  # foretold

    other = copy(finished["pbt"], tmp_path / "other.h5")
    (tmp_path / "backup").mkdir()
    linked = sorted(files(other) - expected(other))[:2]
    for digest in linked:
        os.link(folder_of(other) / digest[:2] / f"{digest}.l2lc", tmp_path / "backup" / f"{digest}.l2lc")
    before = du(folder_of(other)) - sum(os.stat(tmp_path / "backup" / f"{d}.l2lc").st_blocks * 512 for d in linked)
    done = l2l_main("prune", other, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"({_size(before - du(folder_of(other)))} on disk, not counting 2 hard-linked elsewhere); kept" \
        in done.stdout, done.stdout


def _shared_pair(tmp_path, finished, common: bool):
    """Two different runs whose checkpoints are in one folder: the pbt run's files moved into the asha run's
    folder and its own folder made a symbolic link to it (``common``: both folders links to a third place)."""
    asha, pbt = copy(finished["asha"], tmp_path / "asha.h5"), copy(finished["pbt"], tmp_path / "pbt.h5")
    store = tmp_path / "store" if common else folder_of(asha)
    if common:
        shutil.move(folder_of(asha), store)
        folder_of(asha).symlink_to(store)
    for file in folder_of(pbt).rglob("*.l2lc"):
        (store / file.parent.name).mkdir(exist_ok=True)
        shutil.move(file, store / file.parent.name / file.name)
    shutil.rmtree(folder_of(pbt))
    folder_of(pbt).symlink_to(store)
    assert validate(asha) == [] and validate(pbt) == []
    return asha, pbt, store


@pytest.mark.parametrize("common", [False, True])
def test_a_folder_two_runs_share_is_refused_so_that_no_run_loses_a_checkpoint(tmp_path, finished, common):
    asha, pbt, store = _shared_pair(tmp_path, finished, common)
    before, contents = sorted(store.rglob("*.l2lc")), (digest_of(asha), digest_of(pbt))
    for path in (asha, pbt):
        for options in ([], ["--dry-run"]):
            done = l2l_main("prune", path, *options, cwd=tmp_path)
            assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("l2l: error: ") and "symbolic link" in lines[0]
            assert "prune cannot tell that run's checkpoints from superseded ones (nothing pruned)" in lines[0]
    assert sorted(store.rglob("*.l2lc")) == before and (digest_of(asha), digest_of(pbt)) == contents
    assert validate(asha) == [] and validate(pbt) == []


@contextlib.contextmanager
def paused_live_run(path):
    """A run writing ``path`` in a forked child, stopped with SIGSTOP once it committed three times (so that it
    cannot end first: it holds the file's writer lock); yields its pid and kills it when the block ends."""
    run = config("asha", seed=7, simulator=SLOW_SGD, compute=10 ** 6)
    pid, pipe = _start(lambda: l2l.run(run, path, progress=False))
    try:
        _after_commits(pipe, 3)
        os.kill(pid, signal.SIGSTOP)
        assert os.waitpid(pid, os.WNOHANG) == (0, 0)  # still running: it holds the lock
        yield pid
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(pipe)


def test_a_run_being_written_is_refused_under_its_name_and_through_a_symbolic_link(tmp_path):
    """A live run (stopped with SIGSTOP mid-run, so that it cannot end first) holds its file's writer lock:
    prune refuses it in one line, exit 2, also when given a symbolic link to the file (with or without a link
    to its folder), and deletes nothing, neither a committed checkpoint nor one written and not yet committed."""
    path = tmp_path / "live.h5"
    with paused_live_run(path) as pid:
        before, content = files(path), digest_of(path)
        assert before
        (tmp_path / "link.h5").symlink_to(path)
        (tmp_path / "linked").mkdir()
        (tmp_path / "linked" / "live.h5").symlink_to(path)
        (tmp_path / "linked" / "live.h5.checkpoints").symlink_to(folder_of(path))
        for given in (path, tmp_path / "link.h5", tmp_path / "linked" / "live.h5"):
            done = l2l_main("prune", given, cwd=tmp_path)
            assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"l2l: error: {path} is being written by another "
                                                           f"process (pid {pid} "), (given, lines)
        assert files(path) == before and digest_of(path) == content
    assert len(l2l_main("prune", path, cwd=tmp_path).stdout.splitlines()) == 1  # the lock went with the writer
    assert validate(path) == []


def test_show_of_a_pruned_run_says_how_many_checkpoints_prune_deleted_in_its_checkpoints_line(tmp_path, finished):
    from l2l.commands.prune import _size

    path = copy(finished["asha"], tmp_path / "run.h5")
    count = len(files(path) - expected(path))

    def checkpoints_lines():
        done = l2l_main("show", path.name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.splitlines() if line.startswith("checkpoints ")]

    before = checkpoints_lines()
    assert len(before) == 1 and "pruned" not in before[0]
    prune(path)
    kept = len(files(path))
    assert checkpoints_lines() == [f"checkpoints {kept} checkpoints ({_size(du(folder_of(path)))} on disk) in "
                                   f"{path.name}.checkpoints: move or copy it with the file; {count} superseded "
                                   f"checkpoints pruned (l2l prune)"]
    prune(path)  # nothing more: the count stays
    assert checkpoints_lines()[0].endswith(f"; {count} superseded checkpoints pruned (l2l prune)")
    shutil.move(folder_of(path), tmp_path / "elsewhere")  # the folder moved away: said, and what prune deleted
    moved = checkpoints_lines()
    assert len(moved) == 1 and moved[0].startswith(f"checkpoints {path.name}.checkpoints is missing ("), moved
    assert moved[0].endswith(f" cannot continue; {count} superseded checkpoints pruned (l2l prune)"), moved

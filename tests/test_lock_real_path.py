"""One writer per trajectory whatever name it is reached by: the writer lock and the folder of large checkpoints
are those of the file a symbolic link leads to (l2l.results_schema.lock.real_file), and l2l show says the
folder's size as du does.

Real processes on real files: the live writer is a forked child that runs l2l.run (stopped with SIGSTOP once it
committed, so that it cannot end first), and so is the run killed with kill -9; the commands that follow are
``l2l.cli.main`` in the test's process (another process than the writer's, which is what the lock sees: a
``python -m l2l`` process each cost a second or more of CPU importing l2l).
"""

from __future__ import annotations

import os
import subprocess

import l2l
from l2l.commands.prune import _size
from l2l.results_schema.checkpoint_store import folder_of
from l2l.results_schema.lock import lock_path
from l2l.results_schema.validate import validate
from inprocess_cli import l2l_main  # in the working folder the test set
from test_multifidelity import _after_commits, _start
from test_prune import SLOW_SGD, config, digest_of, files, paused_live_run, references
from test_writer_safety import _kill_after


def _links(tmp_path, path):
    """Three symbolic links to ``path``: relative from the working folder, absolute from another folder, and a
    link to the first link."""
    (tmp_path / "elsewhere").mkdir()
    relative, absolute, chained = tmp_path / "link.h5", tmp_path / "elsewhere" / "abs.h5", tmp_path / "chain.h5"
    relative.symlink_to(os.path.relpath(path, tmp_path))
    absolute.symlink_to(path)
    chained.symlink_to("link.h5")
    return [relative, absolute, chained]


def test_a_live_writer_is_refused_to_a_second_writer_through_any_symbolic_link_and_nothing_is_lost(
        tmp_path, monkeypatch):
    """Before, ``l2l resume link.h5`` took ``.link.h5.lock`` beside the link, so it was not refused while a run
    wrote the file the link names: it wrote that file too (here it repaired the file the live writer held open
    into a copy that replaced the link, and ran on in it)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    path = tmp_path / "runs" / "live.h5"
    with paused_live_run(path) as pid:
        before, content = files(path), digest_of(path)
        assert before
        links = _links(tmp_path, path)
        for link in links:
            for command in (["reevaluate", link.name if link.parent == tmp_path else link, "--top", "1",
                             "--seeds", "1"],
                            ["resume", link.name if link.parent == tmp_path else link, "--no-progress"],
                            ["prune", link]):
                done = l2l_main(*command)
                assert done.returncode == 2 and done.stdout == "", (command, done.stdout + done.stderr)
                lines = done.stderr.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("l2l: error: "), (command, lines)
                assert f" is being written by another process (pid {pid} " in lines[0], (command, lines)
                assert lines[0].endswith(" is a symbolic link to it)"), (command, lines)
                named = lines[0][len("l2l: error: "):].split(" is being written by another process")[0]
                assert os.path.samefile(tmp_path / named, path) and not os.path.islink(tmp_path / named), lines
        for link in links:  # each still a link to the live file; no lock or folder of its own beside it
            assert link.is_symlink() and os.path.samefile(link, path)
            assert not os.path.lexists(link.with_name(f".{link.name}.lock"))
            assert not os.path.lexists(link.with_name(f"{link.name}.checkpoints"))
        assert files(path) == before and digest_of(path) == content
    assert validate(path) == []
    done = l2l_main("prune", "link.h5")  # the lock went with the writer, whatever the name
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 1, done.stdout + done.stderr
    assert not lock_path(path).exists() and validate(path) == []


def test_a_run_resumed_through_a_symbolic_link_uses_and_keeps_the_checkpoint_folder_of_its_file(
        tmp_path, monkeypatch):
    """A run killed with kill -9 mid-run, resumed as ``l2l resume link.h5`` (another process): its file is
    repaired in place (the link stays a link), the checkpoints it continues from are read from the folder beside
    the file and the new ones written there, so that the file validates and every checkpoint it references is
    in that folder. Before, the repair replaced the link with a copy and the resume looked for the checkpoints
    in ``link.h5.checkpoints``."""
    monkeypatch.chdir(tmp_path)
    run = config("asha", seed=7, simulator=SLOW_SGD, compute=1500)
    (tmp_path / "runs").mkdir()
    path = tmp_path / "runs" / "run.h5"
    pid, pipe = _start(lambda: l2l.run(run, path, progress=False))
    _after_commits(pipe, 3)
    status = _kill_after(pid, 0.0)
    os.close(pipe)
    assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0
    before = files(path)
    assert before
    (tmp_path / "link.h5").symlink_to("runs/run.h5")
    done = l2l_main("resume", "link.h5", "--compute", "2000", "--no-progress")
    assert done.returncode == 0, done.stderr
    link = tmp_path / "link.h5"
    assert link.is_symlink() and os.readlink(link) == "runs/run.h5"
    assert not os.path.lexists(tmp_path / "link.h5.checkpoints") and not os.path.lexists(tmp_path / ".link.h5.lock")
    assert validate(path) == [] and validate(link) == []
    referenced = set(references(path)[0].values())
    assert referenced <= files(path) and before < files(path)  # new checkpoints, in the file's folder
    with l2l.Trajectory(link) as trajectory:
        assert trajectory.finished()
        assert trajectory.events()["kind"].tolist().count("resumed") == 1


def _du(folder) -> int:
    """What ``du`` says the folder takes on disk, in bytes."""
    done = subprocess.run(["du", "-s", "-B1", str(folder)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


def test_show_says_the_checkpoint_folder_takes_what_du_says_under_any_name_of_the_file(tmp_path, monkeypatch):
    """The checkpoints line of ``l2l show`` says the size of the folder as du does (before: the sum of the files'
    lengths in MiB, "0.0 MiB" for files taking hundreds of KiB), in the words of ``l2l prune``'s line; given a
    symbolic link to the file, the folder beside the file (before: none was found beside the link)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    path = l2l.run(config("asha"), tmp_path / "runs" / "run.h5", progress=False)
    (tmp_path / "link.h5").symlink_to("runs/run.h5")
    count = len(files(path))
    for given in ("runs/run.h5", "link.h5"):
        done = l2l_main("show", given)
        assert done.returncode == 0, done.stderr
        lines = [line for line in done.stdout.splitlines() if line.startswith("checkpoints ")]
        assert lines == [f"checkpoints {count} checkpoints ({_size(_du(folder_of(path)))} on disk) in "
                         f"runs/run.h5.checkpoints: move or copy it with the file"], (given, lines)

"""What the review of session 31's changes found, each test failing on the code before its fix."""

import os

import pytest


def test_a_lab_mates_run_in_a_shared_folder_resumes_with_its_folders_of_their_own(tmp_path, monkeypatch):
    """7b29cb9 refused ``<run>.work`` and ``<run>.h5.checkpoints`` of another user on every resume, not only for a
    fresh run as it said: a run a lab mate started in the group's folder (their file, their folders) could no longer
    be resumed by another member ('belongs to another user ... choose another file name'). Its owner is trusted
    already: resume runs the config stored in their file."""
    import l2l
    from conftest import make_config

    path = tmp_path / "run.h5"
    l2l.run(make_config(run={"generations": 1}), path)
    (tmp_path / "run.work").mkdir()
    (tmp_path / "run.h5.checkpoints").mkdir()
    mine = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: mine + 1)  # the file and its folders are now another user's
    l2l.resume(path, generations=2)
    assert l2l.load(path)["generation"].max() == 1


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0, reason="needs a folder of another uid (root)")
@pytest.mark.parametrize("folder", ["run.work", "run.h5.checkpoints"])
def test_a_resume_still_refuses_a_folder_of_someone_other_than_the_runs_owner(tmp_path, folder):
    """The trust goes to the run file's owner only: a folder a third user put beside one's own run (in a sticky
    /tmp, between two sessions) is refused on resume as before."""
    import l2l
    from conftest import make_config

    path = tmp_path / "run.h5"
    l2l.run(make_config(run={"generations": 1}), path)
    (tmp_path / folder).mkdir()
    os.chown(tmp_path / folder, os.getuid() + 4242, -1)
    with pytest.raises(l2l.TrajectoryError, match=f"the run's .*{folder} belongs to another user"):
        l2l.resume(path, generations=2)
    assert l2l.load(path)["generation"].max() == 0


def test_a_killed_processs_dask_folder_is_removed_by_the_next_one(tmp_path, monkeypatch):
    """ae640ff gave every process a Dask folder of its own (``<temp folder>/l2l-dask-XXXX``), removed at its exit:
    a process killed (kill -9, the OOM killer, a notebook's kernel restarted) left it in /tmp for good, its workers'
    folders and spilled data in it; Dask's shared ``dask-scratch-space`` had its leftovers removed by the next
    start. The next process removes the folders of those that ended, never one still in use."""
    import fcntl
    import socket
    import tempfile

    import dask

    import l2l.jobs.dask_cluster as dask_backend

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(dask_backend, "_local_scratch", [])
    monkeypatch.delenv("DASK_TEMPORARY_DIRECTORY", raising=False)
    killed, running, starting = (tmp_path / f"l2l-dask-{name}" for name in ("killed", "running", "starting"))
    for folder in (killed, running, starting):
        (folder / "dask-scratch-space" / "worker-1").mkdir(parents=True)
    (killed / ".lock").write_text(socket.gethostname())  # (made on this host: judged by its lock)
    (running / ".lock").write_text(socket.gethostname())
    with open(running / ".lock") as held, dask.config.set({"distributed.worker.use-file-locking": True}):
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as the process using it holds it
        ours = dask_backend.local_scratch()
        assert not killed.exists()
        assert running.exists() and starting.exists()  # (one being made has no lock yet: left)
        with open(os.path.join(ours, ".lock")) as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # ours is held: the next process leaves it

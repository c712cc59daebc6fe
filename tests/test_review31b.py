"""Second review of session 31 (review31b): defects found in the session's commits."""

import fcntl
import os
import socket
import tempfile

import dask
import pytest

import l2l.jobs.dask_cluster as dask_backend


def test_a_dask_folder_locked_on_another_host_of_a_shared_temp_folder_is_left(tmp_path, monkeypatch):
    """c0123b6 removes the ``l2l-dask-*`` folders whose ``.lock`` no process holds. On a temp folder shared by hosts
    whose locks stay on their host (NFS with local_lock, Lustre with localflock: a TMPDIR in the home or scratch
    file system), a run on another host holds its lock where this host cannot see it: its folder (scheduler,
    workers, spilled data) was removed under it as a run started here. Only folders made on this host are judged
    by their lock."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(dask_backend, "_local_scratch", [])
    monkeypatch.setattr(dask_backend, "_scratch_locks", [])
    monkeypatch.delenv("DASK_TEMPORARY_DIRECTORY", raising=False)
    elsewhere, killed_here = tmp_path / "l2l-dask-elsewhere", tmp_path / "l2l-dask-killedhere"
    for folder, host in ((elsewhere, "another-host-of-the-cluster"), (killed_here, socket.gethostname())):
        (folder / "dask-scratch-space" / "worker-1").mkdir(parents=True)
        (folder / ".lock").write_text(host)
    with dask.config.set({"distributed.worker.use-file-locking": True}):
        ours = dask_backend.local_scratch()
    try:
        assert (elsewhere / "dask-scratch-space" / "worker-1").is_dir()  # its run goes on, on its host
        assert not killed_here.exists()  # a leftover of this host is still removed
        assert open(os.path.join(ours, ".lock")).read() == socket.gethostname()  # ours says where it runs
        with open(os.path.join(ours, ".lock")) as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        for descriptor in dask_backend._scratch_locks:
            os.close(descriptor)


def test_no_dask_folder_is_removed_where_dasks_file_locking_is_off(tmp_path, monkeypatch):
    """877bf0d: where Dask's ``distributed.worker.use-file-locking`` is off (locks not to be relied on there), no
    folder is judged by its lock: a folder whose lock looks free may belong to a live run."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(dask_backend, "_local_scratch", [])
    monkeypatch.setattr(dask_backend, "_scratch_locks", [])
    monkeypatch.delenv("DASK_TEMPORARY_DIRECTORY", raising=False)
    unseen = tmp_path / "l2l-dask-unseen"
    (unseen / "dask-scratch-space").mkdir(parents=True)
    (unseen / ".lock").write_text(socket.gethostname())
    with dask.config.set({"distributed.worker.use-file-locking": False}):
        ours = dask_backend.local_scratch()
    assert unseen.is_dir() and os.path.isdir(ours)

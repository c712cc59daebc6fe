"""Checked with a real second user (docs/security.md): a symbolic link another user planted at a run's lock name in
a sticky shared folder (``/tmp``) is never written through, and the run that meets it says so in one line."""

import errno
import os

import pytest

from l2l.errors import TrajectoryError
from l2l.results_schema import lock as lock_module
from l2l.results_schema.lock import WriterLock


def test_a_link_at_the_lock_name_that_may_not_be_removed_is_refused_in_one_line(tmp_path, monkeypatch):
    """In a sticky folder only a link's owner may remove it: a user whose run met another user's link at
    ``.NAME.h5.lock`` got a Python traceback (PermissionError from the removal), not l2l's one line."""
    target = tmp_path / "bashrc"
    target.write_text("mine\n")
    os.symlink(target, tmp_path / ".run.h5.lock")

    def not_theirs_to_remove(path):
        raise PermissionError(errno.EPERM, "Operation not permitted", str(path))

    monkeypatch.setattr(lock_module, "remove_stale", not_theirs_to_remove)
    with pytest.raises(TrajectoryError, match="another user's symbolic link is there.*choose another file name"):
        WriterLock(tmp_path / "run.h5").acquire()
    assert target.read_text() == "mine\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="root removes another user's link")
def test_root_removes_another_users_link_at_the_lock_name_in_a_sticky_folder(tmp_path):
    """Where the kernel protects links in sticky folders, opening another user's link there fails with EACCES
    (not ELOOP): root's run was refused ('Permission denied') instead of removing the link as documented."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    target = tmp_path / "bashrc"
    target.write_text("mine\n")
    link = shared / ".run.h5.lock"
    os.symlink(target, link)
    os.lchown(link, 65534, 65534)
    with WriterLock(shared / "run.h5") as held:
        assert held.held
    assert target.read_text() == "mine\n"
    assert not link.is_symlink()

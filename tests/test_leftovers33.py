"""What killed or shared runs leave (session 33): the temp folders of a run killed as it closed its cluster, which
the resume that followed at once did not remove."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from l2l.cli import main
from l2l.own_files import hold

CONFIG = """
[run]
seed = 1
generations = 1
[space]
x = { type = "float", low = -5.0, high = 5.0 }
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "sphere"
[backend]
name = "serial"
"""


def _folder(temp: Path, prefix: str, killed: bool) -> tuple[Path, int | None]:
    """A folder as an l2l process makes it in the temp folder, with its lock: held (its process lives: the descriptor
    is returned, to close), or let go (its process was killed with kill -9: the kernel closed the descriptor)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=temp))
    (folder / "dask-scratch-space").mkdir()
    descriptor = hold(str(folder))
    assert descriptor is not None
    if killed:
        os.close(descriptor)
        return folder, None
    return folder, descriptor


def test_a_resume_with_nothing_to_run_removes_the_temp_folders_of_killed_runs_a_live_ones_kept(tmp_path, monkeypatch,
                                                                                                capsys):
    """A ``local`` run killed with kill -9 as it closed its cluster (its last results written) left its ``l2l-dask-*``
    and ``l2l-pymp-*``, and the ``l2l resume`` that followed at once, with nothing left to run, started no cluster,
    so it removed nothing (7 of 20 runs killed at random in their last 40 %, resumed at once). A resume removes the
    leftovers of killed l2l processes as it starts, whatever it then runs; a live process's folders are kept."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.toml").write_text(CONFIG)
    assert main(["run", "run.toml", "--out", "run.h5", "--no-progress"]) == 0
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    killed = [_folder(temp, prefix, killed=True)[0] for prefix in ("l2l-dask-", "l2l-pymp-", "l2l-command-")]
    live = [_folder(temp, prefix, killed=False) for prefix in ("l2l-dask-", "l2l-pymp-")]
    try:
        capsys.readouterr()
        assert main(["resume", "run.h5", "--no-progress"]) == 0
        assert "nothing to resume" in capsys.readouterr().err
        assert [folder.name for folder in killed if folder.exists()] == []
        assert all(folder.is_dir() for folder, _ in live)
    finally:
        for _, descriptor in live:
            os.close(descriptor)


"""A finished run copied into a test's own folder, and the fingerprint of a folder's files (the Python API fuzz tests:
a refused call must leave every file as it was)."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest


def copy_as_working_directory(made: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``folder`` holding a copy of the finished run ``made`` as run.h5, made the working directory."""
    shutil.copy(made, folder / "run.h5")
    monkeypatch.chdir(folder)
    return folder


def file_hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative name -> sha256), to see that nothing was made or changed."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}

"""A command program that runs past ``[run] timeout`` fails its evaluation and keeps its working directory, as every
failed evaluation's is kept; its error now names that folder, as the other failures' do (docs/simulators.md: "a
failed one's is kept, and its error names it"). Before, the folder stayed in ``<run>.work`` and no row named it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import l2l


def test_a_timed_out_programs_error_names_the_folder_it_left(tmp_path):
    config = {"space": {"x": {"low": 0.0, "high": 1.0}},
              "simulator": {"name": "command",
                            "argv": [sys.executable, "-c", "import time; time.sleep(30)"]},
              "optimizer": {"name": "random", "population_size": 1},
              "run": {"generations": 1, "seed": 1, "timeout": 0.5},
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    error = l2l.load(path)["error"][0]
    assert error.startswith("command ran past its timeout of 0.5 s")
    named = re.search(r"--- workdir: (\S+)", error)
    assert named, error
    folder = Path(named.group(1))
    assert folder.is_dir() and (folder / "params.json").is_file()
    assert folder.parent.parent == tmp_path / "run.work"

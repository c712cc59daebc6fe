"""The lead's checks of session 31's changes."""

from __future__ import annotations

import os
from pathlib import Path

from slurm_helpers import OUTER_RUN as RUN
from slurm_helpers import executable, write_toml

from l2l.cli import main


def _fake_sbatch(folder: Path) -> Path:
    """Stand-ins for squeue (nothing queued) and sbatch (job 4242), each logging its arguments to ``calls``."""
    folder.mkdir()
    log = folder / "calls"
    executable(folder / "squeue", f'#!/bin/sh\necho "squeue $*" >> {log}\n')
    executable(folder / "sbatch", f'#!/bin/sh\necho "sbatch $*" >> {log}\necho 4242\n')
    return folder


def test_submit_does_not_write_its_job_script_through_a_link_planted_at_its_name(tmp_path, monkeypatch, capsys):
    """``l2l submit`` wrote NAME.h5.submit.sh by name: a symbolic link another user of the folder planted there
    (to the submitter's ~/.bashrc) had that file overwritten with the job script."""
    precious = tmp_path / "home" / "precious.txt"
    precious.parent.mkdir()
    precious.write_text("mine\n")
    config = write_toml(tmp_path / "c.toml", RUN)
    script = tmp_path / "outer.h5.submit.sh"
    script.symlink_to(precious)
    fake = _fake_sbatch(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert main(["submit", str(config)]) == 0
    assert "submitted job 4242" in capsys.readouterr().out
    assert precious.read_text() == "mine\n"  # was the job script
    assert not script.is_symlink() and script.read_text().startswith("#!")
    assert f"sbatch --parsable --chdir={tmp_path} {script}" in (fake / "calls").read_text()


def test_a_command_evaluated_outside_a_run_works_in_a_private_folder_not_at_names_in_the_temp_folder(
        tmp_path, monkeypatch):
    """Evaluated from a user's own code (no run folder, no ``workdir``), the command ran in ``$TMPDIR/g000000/
    i000000-a0``: names another user of a shared /tmp could make first, then read or swap what the program reads."""
    import stat
    import sys
    import tempfile

    from l2l.simulators import SIMULATORS
    from l2l.simulators import command as command_module
    from l2l.simulators.base import EvaluationContext

    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    monkeypatch.setattr(command_module, "_private", [], raising=False)
    cwd = tmp_path / "cwd.txt"
    program = "import os, sys; open(sys.argv[1], 'w').write(os.getcwd()); print(0.5)"
    simulator = SIMULATORS.create("command", {"argv": [sys.executable, "-c", program, str(cwd)]})
    result = simulator.evaluate({}, 0, EvaluationContext(generation=0, individual=0))
    assert result.objectives == 0.5
    private = Path(cwd.read_text()).parent.parent
    assert private.parent == shared and private.name.startswith("l2l-command-")  # was the temp folder itself
    assert stat.S_IMODE(private.stat().st_mode) == 0o700


def test_a_file_argument_given_blank_is_named_in_one_line(tmp_path, monkeypatch, capsys):
    """``l2l show " "`` said ``l2l: error:  : no such file`` (helper-238's review), where an empty one is named."""
    monkeypatch.chdir(tmp_path)
    for argv in (["show", " "], ["validate", "  "], ["run", " "]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "is blank" in err[0] and "(an unset shell variable?)" in err[0], err
    (tmp_path / " ").write_text("not a trajectory")  # a file of that name is the file meant: its own refusal
    assert main(["show", " "]) == 2
    assert "is blank" not in capsys.readouterr().err

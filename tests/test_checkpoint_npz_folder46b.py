"""``l2l checkpoint RUN -o best.npz`` of a ``command`` run (session 46, helper-391).

A command program's checkpoint is the files it left in its ``{checkpoint_dir}``, written into a folder; ``-o
best.npz`` (the form docs/pbt.md gives for a ``python`` function's dict) made a folder named ``best.npz`` holding
the program's files and said ``wrote 1 file into best.npz``. Now it is refused in one line, exit status 2, nothing
written, naming a folder to give instead; a folder of that name that exists already is still written into.
"""

from __future__ import annotations

import sys

import pytest

from l2l.cli import main

PROGRAM = ("import json, os, sys; d = sys.argv[2]; open(os.path.join(d, 'state.txt'), 'w').write(sys.argv[1]); "
           "print(json.dumps({{'loss': float(sys.argv[1])}}))")


@pytest.fixture(scope="module")
def command_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cmdrun")
    config = folder / "c.toml"
    argv = ", ".join(f'"{part}"' for part in [sys.executable, "-c", PROGRAM, "{budget}", "{checkpoint_dir}"])
    config.write_text(f'''[run]
name = "c"
seed = 1
generations = 1
policy = "asha"
[space]
x = {{ type = "float", low = 0, high = 1 }}
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "command"
argv = [{argv}]
multi_fidelity = {{ name = "steps", minimum = 1, maximum = 3 }}
[[objectives]]
name = "loss"
direction = "minimize"
[backend]
name = "serial"
''')
    assert main(["run", str(config), "--no-progress"]) == 0
    return folder / "c.h5"


def test_an_npz_out_for_a_command_checkpoint_is_refused_naming_a_folder(command_run, tmp_path, capsys):
    out = tmp_path / "best.npz"
    assert main(["checkpoint", str(command_run), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "names an .npz file" in err[0] and "state.txt" in err[0], err
    assert str(tmp_path / "best") in err[0]
    assert not out.exists()  # (before: a folder best.npz holding state.txt)


def test_a_folder_still_takes_the_files(command_run, tmp_path, capsys):
    out = tmp_path / "best"
    assert main(["checkpoint", str(command_run), "-o", str(out)]) == 0
    assert (out / "state.txt").read_text() == "3"
    existing = tmp_path / "old.npz"
    existing.mkdir()  # a folder of that name the user made: written into, as before
    assert main(["checkpoint", str(command_run), "-o", str(existing)]) == 0
    assert (existing / "state.txt").is_file()

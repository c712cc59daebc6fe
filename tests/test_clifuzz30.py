"""Bad input found by scripts/fuzz_cli30.py (session 30): each is refused in one line naming the problem, exit
status 2 on the command line, nothing written.
"""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from conftest import sphere_run_file
from l2l.cli import main
from l2l.errors import ArgumentError


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    return sphere_run_file(tmp_path_factory.mktemp("clifuzz30"), "bowl", generations=1, population=2)


@pytest.mark.parametrize("columns", [3, True, 2.5, b"value", [1], np.array([1, 2]), {"value": 1}])
def test_load_refuses_columns_of_the_wrong_type_naming_columns_not_the_file(run_file, columns):
    # before: "bowl.h5: cannot read the evaluations: 'int' object is not iterable" (the file blamed), or
    # "no column 118" for b"value" (read byte by byte)
    with pytest.raises(ArgumentError) as refusal:
        l2l.load(run_file, columns=columns)
    message = str(refusal.value)
    assert message.startswith("columns must be a column name or a list of them") and "\n" not in message, message
    assert "cannot read" not in message and "not iterable" not in message


def test_load_still_takes_one_name_a_list_a_tuple_and_an_array_of_names(run_file):
    for columns in ("value", ["generation", "value"], ("value",), np.array(["value"])):
        assert "value" in l2l.load(run_file, columns=columns).columns


def test_submit_refuses_more_cpus_than_any_slurm_job_of_l2l_books(tmp_path, capsys, monkeypatch):
    config = tmp_path / "c.toml"
    config.write_text('[run]\nname = "s"\ngenerations = 1\n[space]\nx = {low = -1.0, high = 1.0}\n'
                      '[optimizer]\nname = "random"\npopulation_size = 2\n[simulator]\nname = "sphere"\n'
                      '[backend]\nname = "serial"\n')
    # before: exit 0 and '#SBATCH --cpus-per-task=99999999999999999999999' in the script, for sbatch to refuse
    assert main(["submit", str(config), "--dry-run", "--cpus", "99999999999999999999999"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: ") and err.count("\n") == 1, err
    assert "--cpus must be an integer <= 1024" in err and "got 99999999999999999999999" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]
    monkeypatch.setenv("PATH", str(tmp_path / "no-sbatch"))  # l2l's bound, not sbatch's: its --test-only of the
    assert main(["submit", str(config), "--dry-run", "--cpus", "1024"]) == 0  # loop's job (a node of 8 CPUs) not made

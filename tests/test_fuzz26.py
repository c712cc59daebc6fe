"""Hostile input found by session 26's fuzzing (configs, damaged files, command-line values): each case ends in
one line naming the problem, exit status 2 (1 from ``l2l validate`` for an invalid file), no traceback.

Found by mutating every key of every example config, damaging real trajectories and their checkpoint folders,
and giving every command wrong values; each row below failed before its fix (a traceback, an exit status 0 for
bad input, a path said twice, an OS error's repr, or another option named than the one given).
"""

from __future__ import annotations

import json
import shutil

import pytest

import l2l
from conftest import TESTS
from l2l.cli import main
from l2l.errors import TrajectoryError
from l2l.results_schema.checkpoint_store import folder_of

#: A run whose optimizer ('auto') sizes its batch by the local backend's workers (read before they were checked).
AUTO = ('[run]\nname = "auto-workers"\nseed = 1\ngenerations = 2\n[space]\nx = {low = -1.0, high = 1.0}\n'
        '[optimizer]\nname = "auto"\n[simulator]\nname = "sphere"\n[backend]\nname = "local"\nworkers = ')


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("workers, words", [  # as the TOML file spells them
    ('"abc"', ["option 'workers' must be an integer", "'abc'"]),  # ValueError: invalid literal for int()
    ("nan", ["option 'workers' must be an integer", "nan"]),  # ValueError: cannot convert float NaN
    ("inf", ["option 'workers' must be an integer", "inf"]),  # OverflowError
    ("[1, 2]", ["option 'workers' must be an integer", "[1, 2]"]),  # TypeError
    ("{a = 1}", ["option 'workers' must be an integer"]),
    ('"1e3"', ["option 'workers' must be an integer", "'1e3'"]),
    ("-1", ["workers must be >= 0, got -1"]),  # was "optimizer 'auto': workers must be >= 1"
    (str(2 ** 63 - 1), ["workers must be <= 1024"]),  # was "optimizer 'auto': workers must be <= 1000000"
])
def test_a_bad_backend_workers_is_named_as_the_backends_option_before_auto_reads_it(tmp_path, capsys, workers,
                                                                                     words):
    config = tmp_path / "auto.toml"
    config.write_text(AUTO + workers + "\n")
    assert main(["run", str(config), "--dry-run", "--out", str(tmp_path / "run.h5")]) == 2
    err = _one_line(capsys)
    assert "backend 'local'" in err and "optimizer" not in err and all(word in err for word in words), err
    assert not (tmp_path / "run.h5").exists()


@pytest.mark.parametrize("option, value", [("--cpus", "-1"), ("--cpus", "0"), ("--stop-grace", "-5"),
                                           ("--stop-grace", "0")])
def test_submit_refuses_a_job_of_no_cpus_or_no_grace(tmp_path, capsys, option, value):
    config = tmp_path / "c.toml"
    config.write_text('[run]\nname = "s"\ngenerations = 1\n[space]\nx = {low = -1.0, high = 1.0}\n'
                      '[optimizer]\nname = "random"\npopulation_size = 2\n[simulator]\nname = "sphere"\n'
                      '[backend]\nname = "serial"\n')
    # before: exit 0 and '#SBATCH --cpus-per-task=-1' in the script, or a negative grace taken as 1 s unsaid
    assert main(["submit", str(config), "--dry-run", option, value]) == 2
    err = _one_line(capsys)
    assert f"{option} must be an integer >= 1" in err and f"got {value}" in err, err


@pytest.fixture(scope="module")
def beside(tmp_path_factory):
    """A small ASHA run whose every checkpoint is in the folder beside its file."""
    config = l2l.from_mapping({"run": {"seed": 3, "checkpoints": "beside", "compute": 40},
                               "space": {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True}},
                               "optimizer": {"name": "random"}, "simulator": {"name": "noisy-sgd", "max_budget": 9},
                               "objectives": [{"name": "loss", "direction": "minimize"}],
                               "policy": {"name": "asha"}, "backend": {"name": "serial"}}, base_dir=TESTS)
    return l2l.run(config, tmp_path_factory.mktemp("beside") / "run.h5", progress=False)


def _damaged(beside, tmp_path, damage: str):
    path = tmp_path / "run.h5"
    shutil.copyfile(beside, path)
    folder = folder_of(path)
    if damage == "folder_is_a_file":  # a file where the folder of checkpoints belongs
        folder.write_text("not a folder")
    else:
        shutil.copytree(folder_of(beside), folder)
        for target in list(folder.rglob("*.l2lc")):  # damage == "checkpoint_is_a_folder": each file a folder
            target.unlink()
            target.mkdir()
    return path


@pytest.mark.parametrize("damage, words", [
    ("folder_is_a_file", ["run.h5.checkpoints is a file, not the folder of checkpoints"]),
    ("checkpoint_is_a_folder", [".l2lc cannot be read: Is a directory"]),
])
def test_a_damaged_checkpoint_folder_is_named_not_an_os_errors_repr(beside, tmp_path, capsys, damage, words):
    path = _damaged(beside, tmp_path, damage)
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    # before: 'unreadable data: NotADirectoryError: [Errno 20] Not a directory: ...' (IsADirectoryError)
    assert "Error" not in err and "Errno" not in err and all(word in err for word in words), err
    with l2l.Trajectory(path) as trajectory, pytest.raises(TrajectoryError) as caught:
        trajectory.checkpoint(0)
    assert "cannot be read" in str(caught.value) and all(word in str(caught.value) for word in words)


def test_validate_names_a_file_with_a_damaged_superblock_once(tmp_path, capsys):
    path = tmp_path / "run.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n")  # the HDF5 signature and nothing after it
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == f"{path}: its HDF5 superblock is damaged or of an unknown version\n"  # was '{path}: {path}: ...'


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A small finished run (a genetic algorithm on the sphere, two generations of four)."""
    config = l2l.from_mapping({"run": {"name": "stored", "seed": 2, "generations": 2},
                               "space": {"x": {"low": -1.0, "high": 1.0}, "k": {"type": "int", "low": 1, "high": 3}},
                               "optimizer": {"name": "ga", "population_size": 4},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path_factory.mktemp("stored") / "run.h5", progress=False)


@pytest.mark.parametrize("section, key, value, words", [
    ("run", None, -1, "[run] must be a table, got -1"),
    ("run", "seed", "abc", "run.seed must be an integer >= 0, got 'abc'"),
    ("run", "generations", 0, "run.generations must be an integer >= 1, got 0"),  # None: left out (leftovers34)
    ("space", "x", {"low": "a", "high": 1.0}, "parameter 'x': low must be a number, got 'a'"),
])
@pytest.mark.parametrize("command", [["resume", "--generations", "3"], ["reevaluate", "--top", "1", "--seeds", "1"]])
def test_a_damaged_stored_config_is_said_to_be_the_files_not_a_config_files(finished, tmp_path, capsys, section,
                                                                             key, value, words, command):
    import h5py

    path = tmp_path / "run.h5"
    shutil.copyfile(finished, path)
    with h5py.File(path, "r+") as f:  # the file's copy of the config, edited by hand or damaged
        stored = json.loads(f["run"].attrs["config"])
        if key is None:
            stored[section] = value
        else:
            stored[section][key] = value
        f["run"].attrs["config"] = json.dumps(stored)
    before = path.read_bytes()
    assert main([command[0], str(path), *command[1:], "--backend", "serial"]) == 2
    err = _one_line(capsys)
    # before: '[run] must be a table, got -1', as if of a config file the user could open and fix
    assert err.startswith(f"l2l: error: {path}: the config stored in the file is refused: {words}"), err
    assert path.read_bytes() == before


def test_a_config_that_is_a_broken_symbolic_link_is_said_to_be_one(tmp_path, capsys):
    link = tmp_path / "run.toml"
    link.symlink_to("moved-away.toml")  # ls lists it: 'does not exist' alone read as a wrong name
    assert main(["run", str(link), "--dry-run"]) == 2
    err = _one_line(capsys)
    assert err == f"l2l: error: config file {link} is a symbolic link to moved-away.toml, which does not exist\n"


@pytest.mark.parametrize("reader", [l2l.load, l2l.traces, l2l.best, l2l.Trajectory])
def test_a_path_with_a_nul_byte_is_refused_as_the_projects_error_naming_it(reader):
    with pytest.raises(TrajectoryError, match=r"^'run\\x00.h5' is no file name: it holds a NUL byte$"):
        reader("run\0.h5")  # was ValueError: embedded null byte, naming no path
    assert l2l.validate("run\0.h5") == ["'run\\x00.h5' is no file name: it holds a NUL byte"]


@pytest.mark.parametrize("row", [-1, 10 ** 9, "a", True])
def test_the_checkpoint_of_a_row_the_file_does_not_have_is_refused_naming_the_rows(beside, row):
    with l2l.Trajectory(beside) as trajectory:
        last = trajectory.n_evaluations - 1
        # before: 'index 0 is out of bounds for axis 0 with size 0' for -1, numpy's words on indices for 'a'
        with pytest.raises(TrajectoryError, match=rf"no committed row {row!r} to read a checkpoint of: rows are "
                                                  rf"numbered 0 to {last}$"):
            trajectory.checkpoint(row)
        assert trajectory.checkpoint(last) is not None


@pytest.mark.parametrize("edited, words", [
    (("config", "space"), "/evaluations/params/k is the column of no parameter of the run's space (/run attribute "
                          "'space' names x): the space was edited or damaged after the run"),
    (("config",), "the config stored in the file has other parameters (x) than its space (/run attribute 'space': "
                  "k, x): a damaged or hand-edited file"),
])
@pytest.mark.parametrize("command", [["resume", "--generations", "3"], ["reevaluate", "--top", "1", "--seeds", "1"]])
def test_a_parameter_taken_out_of_the_stored_space_is_refused_not_fed_to_the_optimizer(finished, tmp_path, capsys,
                                                                                        edited, words, command):
    import h5py

    path = tmp_path / "run.h5"
    shutil.copyfile(finished, path)
    with h5py.File(path, "r+") as f:
        for attribute in edited:  # the parameter 'k' taken out of the config (and the space) the file stores
            stored = json.loads(f["run"].attrs[attribute])
            del (stored["space"] if attribute == "config" else stored)["k"]
            f["run"].attrs[attribute] = json.dumps(stored)
    before = path.read_bytes()
    # before: ValueError: cannot reshape array of size ... (the GA state of the full space), or a re-evaluation
    # of candidates without their k; l2l validate called such a file valid
    assert main([command[0], str(path), *command[1:], "--backend", "serial"]) == 2
    said = f"l2l: error: {path}: {words}" + ("; l2l validate reports it" if len(edited) == 2 else "")
    assert _one_line(capsys) == said + "\n"
    assert path.read_bytes() == before
    assert main(["validate", str(path)]) == 1  # was 0, valid
    assert ("other parameters (x) than /run attribute 'space' (k, x)" if len(edited) == 1 else words) in \
        capsys.readouterr().err
    assert len(l2l.load(path)) == 8  # what ran is still read


def test_reevaluate_refuses_a_categorical_index_outside_the_stored_choices_in_one_line(tmp_path, capsys):
    import h5py

    from file_corruptions import build_base

    path = build_base(tmp_path)  # 'c' has the choices a, bb, ccc; some rows hold index 2
    with h5py.File(path, "r+") as f:
        for attribute in ("config", "space"):  # the choices cut to two, by hand or by damage
            stored = json.loads(f["run"].attrs[attribute])
            (stored["space"] if attribute == "config" else stored)["c"]["choices"] = ["a", "bb"]
            f["run"].attrs[attribute] = json.dumps(stored)
        assert (f["evaluations/params/c"][:] == 2).any()
    before = path.read_bytes()
    # was IndexError: tuple index out of range (l2l show, load and resume refuse the file in one line)
    assert main(["reevaluate", str(path), "--top", "12", "--seeds", "1", "--backend", "serial"]) == 2
    err = _one_line(capsys)
    # since 896c558 the rows are read (and refused) before anything is written: the reader's words, every bad row
    assert "/evaluations/params/c holds indices outside its 2 choices in 7 rows" in err, err
    assert path.read_bytes() == before


@pytest.mark.parametrize("optimizer, error", [({"name": "cmaes"}, "KeyError: 'sigma'"),
                                              ({"name": "random", "population_size": 4}, "KeyError: 'evaluations'"),
                                              ({"name": "auto"}, "KeyError: 'choice'")])
def test_a_stored_config_naming_another_optimizer_than_the_runs_is_refused(finished, tmp_path, capsys, optimizer,
                                                                           error):
    import h5py

    path = tmp_path / "run.h5"
    shutil.copyfile(finished, path)
    with h5py.File(path, "r+") as f:  # 'go on with CMA-ES': the config the file stores edited by hand
        stored = json.loads(f["run"].attrs["config"])
        stored["optimizer"] = optimizer
        f["run"].attrs["config"] = json.dumps(stored)
    before = path.read_bytes()
    assert main(["resume", str(path), "--generations", "3", "--backend", "serial"]) == 2  # was a traceback, error
    assert _one_line(capsys) == (f"l2l: error: {path}: the config stored in the file names optimizer "
                                 f"{optimizer['name']!r}, but the run was made with 'ga' (/run attribute 'optimizer'), "
                                 f"whose state it holds: a damaged or hand-edited file (to go on with another "
                                 f"optimizer, start a new run)\n")
    assert path.read_bytes() == before
    assert main(["validate", str(path)]) == 1  # was 0
    assert f"names optimizer {optimizer['name']!r}, /run attribute 'optimizer' 'ga'" in capsys.readouterr().err

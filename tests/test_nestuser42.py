"""A neuroscientist's own model named by its file in [simulator] function (session 42, helper-347)."""

from __future__ import annotations

from conftest import write_toml


def _config(folder, function, **simulator):
    return write_toml(folder / "conf" / "run.toml", {
        "run": {"name": "named", "seed": 1, "generations": 1},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 1},
        "simulator": {"name": "python", "function": function, **simulator},
        "backend": {"name": "serial"}})


def test_a_function_named_by_its_file_is_refused_in_one_line_that_gives_the_module_and_the_path(tmp_path, l2l_here):
    (tmp_path / "models").mkdir()
    (tmp_path / "conf").mkdir()
    (tmp_path / "models" / "ei.py").write_text("def rate(params, seed):\n    return params['x']\n")
    # the file's path: Python's import said "the 'package' argument is required to perform a relative import"
    done = l2l_here("run", _config(tmp_path, "../models/ei.py:rate"), "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "l2l: error: simulator 'python': function names a module, not a file: '../models/ei.py:rate' should be "
        "'ei:rate' and path = '../models' (its folder; relative: from the config's folder)"]
    assert not (tmp_path / "conf" / "named.h5").exists()
    # the file's name with path given: "No module named 'ei'" of a module that is there
    done = l2l_here("run", _config(tmp_path, "ei.py:rate", path="../models"), "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().endswith("function names a module, not a file: 'ei.py:rate' should be 'ei:rate'")
    # as the line says
    done = l2l_here("run", _config(tmp_path, "ei:rate", path="../models"), "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "conf" / "named.h5").exists()

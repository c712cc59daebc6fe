"""Several runs in one Python process do not see each other, and a run leaves the caller's process as it was
(ARCHITECTURE.md, invariant 9): a model's folder and the modules beside it, and a warning said once a process."""
import sys

import l2l

HELPERS = "p29_helpers"  # a name no other test imports


def _model_folder(folder, who):
    """A config's folder with ``p29_model.py``, which imports the ``p29_helpers.py`` beside it at its top."""
    folder.mkdir()
    (folder / f"{HELPERS}.py").write_text(f"WHO = {who!r}\n")
    (folder / "p29_model.py").write_text(
        f"import {HELPERS}\n\n\n"
        f"def simulate(params, seed):\n"
        f"    return {{'value': float(params['x'] ** 2), 'own': 1.0 if {HELPERS}.WHO == {who!r} else 0.0}}\n")
    return folder


def _run(folder, out):
    config = l2l.from_mapping({"run": {"generations": 1, "seed": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
                               "simulator": {"name": "python", "function": "p29_model:simulate",
                                             "path": str(folder)},
                               "optimizer": {"name": "random", "population_size": 2}, "backend": {"name": "serial"}})
    return l2l.load(l2l.run(config, out))


def _forget_helpers():
    for name in [name for name in sys.modules if name == HELPERS]:
        del sys.modules[name]


def test_a_model_importing_a_module_beside_it_inside_its_function_finds_it_as_a_script_would(tmp_path):
    """An ``import`` of a module beside the model inside its function, at each call, finds it (as when the file
    runs as a script: its folder first on sys.path), and a module of the standard library's name beside it does not
    replace the one loaded."""
    folder = tmp_path / "lazy"
    folder.mkdir()
    (folder / f"{HELPERS}.py").write_text("WHO = 'lazy'\n")
    (folder / "json.py").write_text("raise RuntimeError('the stdlib json was replaced')\n")
    (folder / "p29_model.py").write_text(
        f"def simulate(params, seed):\n"
        f"    import {HELPERS}\n"
        f"    return {{'value': float(params['x'] ** 2), 'own': 1.0 if {HELPERS}.WHO == 'lazy' else 0.0}}\n")
    json_before = sys.modules["json"]
    try:
        assert _run(folder, tmp_path / "run.h5")["own"].tolist() == [1.0, 1.0]
        assert sys.modules["json"] is json_before
    finally:
        _forget_helpers()
        sys.path[:] = [entry for entry in sys.path if entry != str(folder.resolve())]


def test_two_models_in_two_folders_each_import_their_own_module_of_one_name(tmp_path):
    try:
        first = _run(_model_folder(tmp_path / "exp1", "exp1"), tmp_path / "one.h5")
        second = _run(_model_folder(tmp_path / "exp2", "exp2"), tmp_path / "two.h5")
        assert first["own"].tolist() == [1.0, 1.0]
        assert second["own"].tolist() == [1.0, 1.0]  # before: [0.0, 0.0], the first run's p29_helpers
    finally:
        _forget_helpers()


def _bowl29(params, seed):
    return float(params["x"] ** 2)


def _other_bowl29(params, seed):
    return float(params["x"] ** 2)


def test_each_run_resumed_with_another_function_than_its_own_says_so(tmp_path, capsys):
    config = l2l.from_mapping({"run": {"generations": 1, "seed": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
                               "simulator": "python", "optimizer": {"name": "random", "population_size": 2},
                               "backend": {"name": "serial"}})
    paths = [l2l.run(config, tmp_path / f"{name}.h5", simulator=_bowl29) for name in ("a", "b")]
    capsys.readouterr()
    for path in paths:  # before: only the first run's resume said it (once a process)
        l2l.resume(path, generations=2, simulator=_other_bowl29)
        said = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
        assert said == ["l2l: warning: this run's simulator was test_process29:_bowl29; it goes on with "
                        "test_process29:_other_bowl29"], path

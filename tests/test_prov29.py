"""Provenance a methods section can trust (helper-199, session 29): the code a model callable runs is hashed whatever
form it takes (a partial, a callable object, a bound method, a decorated function), the files of the modules a model
imports from its own package are recorded and a resume that runs changed ones says so, and the hosts of a session
that failed or was killed are recorded too. See docs/reproducibility.md."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import l2l
from l2l.cli import main
from l2l.model_code import model_sources
from module_files import module_from_file

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
[run]
name = "prov"
seed = 3
generations = {generations}

[space]
x = {{ type = "float", low = -1.0, high = 1.0 }}

[optimizer]
name = "ga"
population_size = 4

[simulator]
name = "python"
function = "mypkg.model:simulate"

[[objectives]]
name = "loss"
direction = "minimize"

[backend]
name = "serial"
"""


def _module(folder: Path, name: str, text: str):
    """A module of the user's from ``text``, loaded from ``folder/name.py`` (as a notebook cell or a script is)."""
    path = folder / f"{name}.py"
    path.write_text(text)
    return module_from_file(name, path, register=True)


def _entry(function) -> list[str]:
    (entry,) = model_sources(SimpleNamespace(function=function, from_options=False))
    return entry


CODE = """\
import functools

def twice(f):
    @functools.wraps(f)
    def wrapper(params, seed, **options):
        return 2 * f(params, seed, **options)
    return wrapper

@twice
def decorated(params, seed):
    return params["x"] ** 2

def plain(params, seed, scale=1.0):
    return scale * params["x"] ** 2

class Model:
    def loss(self, params):
        return params["x"] ** 2

    def __call__(self, params, seed):
        return self.loss(params)

    def simulate(self, params, seed):
        return self.loss(params)
"""


def test_a_partial_a_callable_object_and_a_bound_method_are_hashed_by_what_they_run(tmp_path):
    one = _module(tmp_path, "prov29_one", CODE)
    partial = _entry(functools.partial(one.plain, scale=2.0))
    assert partial[0].startswith("function prov29_one:plain (") and partial[0].endswith(" partial")
    assert len(partial[1]) == 64  # was 'not hashed'
    assert _entry(functools.partial(one.plain, scale=3.0))[1] != partial[1]  # its arguments are in the hash
    unknown = _entry(functools.partial(one.plain, scale=object()))  # a repr that names an address: not recorded
    assert unknown[0].endswith("partial, arguments not recorded") and unknown[1] == _entry(one.plain)[1]
    called, method = _entry(one.Model()), _entry(one.Model().simulate)
    assert called[0].startswith("function prov29_one:Model (") and len(called[1]) == 64  # was 'not hashed'
    assert method[0].startswith("function prov29_one:Model.simulate (")
    # the method's own text unchanged, the class's method it calls edited: its hash changes (was the same)
    two = _module(tmp_path, "prov29_one", CODE.replace("return params[\"x\"] ** 2\n\n    def __call__",
                                                       "return params[\"x\"] ** 4\n\n    def __call__"))
    assert _entry(two.Model().simulate)[1] != method[1] and _entry(two.Model())[1] != called[1]
    assert _entry(two.plain)[1] == _entry(one.plain)[1]


def test_a_callable_object_of_a_notebook_cell_is_hashed_by_its_methods_text(monkeypatch):
    import linecache
    import types

    cell = "class Model:\n    def __call__(self, params, seed):\n        return params['x'] ** 2\n"
    name = "<ipython-input-1-prov29>"  # IPython keeps each cell's text in linecache; its __main__ has no file
    monkeypatch.setitem(linecache.cache, name, (len(cell), None, cell.splitlines(True), name))
    main = types.ModuleType("prov29_notebook")
    monkeypatch.setitem(sys.modules, "prov29_notebook", main)
    exec(compile(cell, name, "exec"), main.__dict__)
    where, digest = _entry(main.Model())
    assert where == f"function prov29_notebook:Model ({name}:2)"  # was 'not hashed'
    assert digest == hashlib.sha256(cell.split("\n", 1)[1].encode()).hexdigest()


def test_a_decorated_function_s_hash_changes_with_its_decorator(tmp_path):
    one = _module(tmp_path, "prov29_deco", CODE)
    before = _entry(one.decorated)
    assert before[0].startswith("function prov29_deco:decorated (") and len(before[1]) == 64
    two = _module(tmp_path, "prov29_deco", CODE.replace("return 2 * f(", "return 3 * f("))
    assert _entry(two.decorated)[1] != before[1]  # the wrapper runs too (was: the inner function's text alone)
    lam = _module(tmp_path, "prov29_lambda", "simulate = lambda params, seed: params['x'] ** 2\n").simulate
    assert len(_entry(lam)[1]) == 64


def _package(folder: Path) -> Path:
    """mypkg/model.py, which takes its physics from mypkg/physics.py, and a config that runs it."""
    (folder / "mypkg").mkdir()
    (folder / "mypkg" / "__init__.py").write_text("")
    (folder / "mypkg" / "physics.py").write_text("def force(x):\n    return 2.0 * x\n")
    (folder / "mypkg" / "model.py").write_text("from mypkg.physics import force\n\n\ndef simulate(params, seed):\n"
                                               "    return {'loss': force(params['x']) ** 2}\n")
    (folder / "run.toml").write_text(CONFIG.format(generations=1))
    return folder / "run.toml"


def _events(path: Path) -> list[tuple[str, dict]]:
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    return [(kind, json.loads(detail)) for kind, detail in zip(events["kind"], events["detail"])]


def _show(capsys, path: Path) -> dict[str, str]:
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    return {line[:10].strip(): line[11:] for line in capsys.readouterr().out.splitlines() if line[:1] != " "}


def test_the_modules_a_model_imports_from_its_package_are_recorded_and_a_resume_that_runs_changed_ones_says_so(
        tmp_path, capsys):
    config = _package(tmp_path)
    out = tmp_path / "run.h5"
    try:
        assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
        imports = _events(out)[0][1]["imports"]
        folder = (tmp_path / "mypkg").resolve()
        lines = "".join(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}\n"
                        for name in ("__init__.py", "physics.py"))  # sha256sum's lines, model.py apart
        assert imports == {"under": str(folder), "files": 2, "sha256": hashlib.sha256(lines.encode()).hexdigest()}
        capsys.readouterr()
        assert main(["resume", str(out), "--generations", "2", "--no-progress"]) == 0  # the same code: nothing said
        assert "warning" not in capsys.readouterr().err
        (folder / "physics.py").write_text("def force(x):\n    return 3.0 * x\n")
        assert main(["resume", str(out), "--generations", "3", "--no-progress"]) == 0
        said = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
        assert len(said) == 1 and said[0].startswith(f"l2l: warning: the modules the model imports from {folder} "
                                                     f"differ from what the session before ran"), said
        shown = _show(capsys, out)["model"]
        assert shown.startswith(f"{folder / 'model.py'} sha256 ") and "the 2 files it imports from" in shown
        assert shown.count("(changed)") == 1 and "session 3 (resumed)" in shown
    finally:
        for name in [name for name in sys.modules if name == "mypkg" or name.startswith("mypkg.")]:
            del sys.modules[name]


def test_the_hosts_of_a_killed_session_are_recovered_by_the_resume_and_l2l_show_counts_them(tmp_path, capsys):
    config = _package(tmp_path)
    (tmp_path / "run.toml").write_text(CONFIG.format(generations=3))
    model = tmp_path / "mypkg" / "model.py"
    # the driver dies as kill -9 leaves it (no event, no clean-up) in its third generation, two committed
    model.write_text(model.read_text() + "\n\nimport os\nCALLS = [0]\n\n\ndef dying(params, seed):\n"
                     "    CALLS[0] += 1\n    if CALLS[0] > 8 and os.environ.get('PROV29_DIE'):\n        os._exit(9)\n"
                     "    return simulate(params, seed)\n")
    (tmp_path / "run.toml").write_text((tmp_path / "run.toml").read_text().replace("model:simulate", "model:dying"))
    out = tmp_path / "run.h5"
    env = {**os.environ, "PROV29_DIE": "1", "SLURMD_NODENAME": "killed-node",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "l2l", "run", str(config), "--out", str(out), "--no-progress"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 9, done.stderr
    assert [kind for kind, _ in _events(out)] == ["started"]
    hosts = _show(capsys, out)["hosts"]  # not resumed yet: from its last committed state
    assert hosts.endswith("evaluations on killed-node (8) (session 1 without an end, killed or running: counted up "
                          "to its last commit)"), hosts
    try:
        assert main(["resume", str(out), "--no-progress"]) == 0
    finally:
        for name in [name for name in sys.modules if name == "mypkg" or name.startswith("mypkg.")]:
            del sys.modules[name]
    resumed = _events(out)[1][1]
    assert resumed["killed"] == {"session": 1, "hosts": {"killed-node": 8}}
    hosts = _show(capsys, out)["hosts"]
    assert "killed-node (8)" in hosts and hosts.endswith("(session 1 killed: counted up to its last commit)"), hosts


def test_the_hosts_of_a_failed_session_are_recorded_with_its_failure(tmp_path, capsys, monkeypatch):
    config = _package(tmp_path)
    (tmp_path / "run.toml").write_text(CONFIG.format(generations=3))
    monkeypatch.setenv("SLURMD_NODENAME", "failing-node")

    def fail(info):
        if info["generation"] == 1:
            raise RuntimeError("the notebook's callback failed")

    try:
        try:
            l2l.run(l2l.load_config(config), tmp_path / "run.h5", on_generation=fail, progress=False)
        except RuntimeError:
            pass
        else:
            raise AssertionError("the callback's error did not end the run")
    finally:
        for name in [name for name in sys.modules if name == "mypkg" or name.startswith("mypkg.")]:
            del sys.modules[name]
    kind, detail = _events(tmp_path / "run.h5")[-1]
    assert kind == "failed" and detail["hosts"] == {"failing-node": 8}
    assert "evaluations on failing-node (8)" in _show(capsys, tmp_path / "run.h5")["hosts"]


def test_a_long_event_keeps_its_own_entries_and_the_model_before_the_imports(tmp_path):
    from l2l.provenance import with_session
    from l2l.results_schema.files import event_text

    _package(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        simulator = SimpleNamespace(function="mypkg.model:simulate", target=lambda: __import__(
            "mypkg.model", fromlist=["simulate"]).simulate)
        assert with_session({}, simulator)["imports"]["files"] == 2
        detail = {"file": "x" * 430}  # room for the model in short, not for its imports too
        recorded = with_session(detail, simulator)
        assert json.loads(event_text(recorded)) == recorded and recorded["file"] == detail["file"]
        assert "model" in recorded and "imports" not in recorded
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == "mypkg" or name.startswith("mypkg.")]:
            del sys.modules[name]

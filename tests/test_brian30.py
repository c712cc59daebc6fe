"""The 'brian2' simulator's compiled code (target = 'cython') is shared by the runs and workers of a host, and a
failed evaluation does not rename the next one's objects (which made their code new, compiled again)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from l2l.simulators import SIMULATORS

ROOT = Path(__file__).resolve().parent.parent

MODELS = '''
NAMES = []


def walk(brian2, params, seed):
    """A random walk (one code object: cheap to compile); it fails during its run if params['fail']."""
    b = brian2
    group = b.NeuronGroup(10, "v : 1", dt=1 * b.ms)
    group.run_regularly("v += rand() - 0.5")
    NAMES.append((group.name, group.clock.name))
    if params.get("fail"):
        @b.network_operation(dt=5 * b.ms)
        def fail(t):
            if t > 4 * b.ms:
                raise ValueError("failed on purpose")
    b.run(10 * b.ms)
    return float(sum(group.v[:]))
'''

WORKER = '''
import json, os, sys
from l2l.simulators import SIMULATORS

cache, plan = sys.argv[1], sys.argv[2:]
model = SIMULATORS.create("brian2", {"function": "brian30_models:walk", "path": os.path.dirname(cache),
                                     "target": "cython", "cache_dir": cache})
outcomes = []
for fail in plan:
    try:
        outcomes.append(model.run({"fail": fail == "fail"}, 3).objectives)
    except Exception as exc:
        outcomes.append(type(exc).__name__)
compiled = sorted({os.stat(os.path.join(folder, name)).st_ino for folder, _, names in os.walk(cache)
                   for name in names if name.endswith(".so")})
print(json.dumps({"outcomes": outcomes, "inodes": compiled}))
'''


#: Brian2's preferences file, which a worker reads from its working directory as it imports Brian2: compiled
#: without optimization (by default -O3 -ffast-math -march=native), less of a loaded machine's time (13 s of CPU
#: for the sharing test instead of 15.5 s); the shared folder's name digests it as any compile setting
PREFERENCES = "codegen.cpp.extra_compile_args_gcc = ['-w', '-O0']\n"


def write_models(folder: Path) -> None:
    (folder / "brian30_models.py").write_text(MODELS)
    (folder / "brian30_worker.py").write_text(WORKER)
    (folder / "brian_preferences").write_text(PREFERENCES)


def start(folder: Path, *plan: str) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, str(folder / "brian30_worker.py"), str(folder / "cache"), *plan],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment, cwd=folder)


def finish(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-2000:]
    return json.loads(out.splitlines()[-1])


def shared_modules(cache: Path) -> dict[str, int]:
    return {path.name: path.stat().st_ino for path in cache.glob("*-shared/*.so")}


def test_compiled_brian2_code_is_shared_by_a_hosts_runs_and_workers_and_a_failure_compiles_nothing_new(tmp_path):
    """Every worker process had a cache of its own: each new run (new workers) and each worker compiled the whole
    network again. Two processes starting at once on an empty cache; then a third (a later run) whose first
    evaluation fails during its run and whose second succeeds: it compiles nothing."""
    pytest.importorskip("Cython")
    write_models(tmp_path)
    cache = tmp_path / "cache"
    first, second = start(tmp_path, "ok"), start(tmp_path, "ok")
    both = [finish(first), finish(second)]
    assert all(isinstance(run["outcomes"][0], float) for run in both)
    assert both[0]["outcomes"] == both[1]["outcomes"]  # same seed, same walk
    published = shared_modules(cache)
    assert published, "nothing was published to the shared cache"
    later = finish(start(tmp_path, "fail", "ok"))
    assert later["outcomes"][0] == "ValueError" and later["outcomes"][1] == both[0]["outcomes"][0]
    assert set(later["inodes"]) <= set(published.values())  # every module it loaded was the shared file: no compile
    assert shared_modules(cache) == published  # the same model run again adds nothing
    assert [path.name for path in cache.iterdir()] == [next(cache.glob("*-shared")).name]  # own folders removed


def test_after_a_failed_brian2_evaluation_the_next_ones_objects_have_the_same_names(tmp_path):
    """A failed run() left its objects referenced (the traceback's frames, the magic network): the next evaluation's
    objects were named neurongroup_1 and so on, which is other code (compiled again with target = 'cython'); every
    other evaluation's group clock was neurongroup_clock_1 too. With target = 'numpy' no cache folder is made."""
    write_models(tmp_path)
    model = SIMULATORS.create("brian2", {"function": "brian30_models:walk", "path": str(tmp_path),
                                         "cache_dir": str(tmp_path / "cache")})
    first = model.run({}, 3).objectives
    with pytest.raises(Exception, match="failed on purpose"):
        model.run({"fail": True}, 3)
    assert model.run({}, 3).objectives == first
    names = model._load().__globals__["NAMES"]
    # neurongroup in a fresh process; after other Brian2 objects of the same process that are still referenced
    # (an earlier test's), another suffix, but the same for every evaluation
    assert names == [names[0]] * 3 and names[0][1] == f"{names[0][0]}_clock", names
    assert not (tmp_path / "cache").exists()


def test_a_forked_evaluation_compiles_in_a_folder_of_its_own_so_its_timeout_kill_spoils_nothing(tmp_path):
    """An evaluation with run.timeout runs in a forked child, killed (SIGKILL) at its timeout: it compiled into its
    parent's folder, where a module it was writing stayed half-written and the parent's next evaluation loaded it."""
    from l2l.simulators.brian2_sim import worker_cache

    parent = worker_cache(str(tmp_path))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its folder, then killed like a timed-out evaluation
        try:
            os.write(write_end, worker_cache(str(tmp_path)).encode())
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        child = pipe.read().decode()
    os.waitpid(pid, 0)
    assert child and child != parent and os.path.isdir(parent)
    assert Path(child).name == f"{socket.gethostname()}-{pid}"
